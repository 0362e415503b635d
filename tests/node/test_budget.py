"""The cluster's budget on the head node: its spend from moto's instances and volumes, then a real Slurm's jobs."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import boto3
import pytest

from clusterwiz.node.autoscaling import Fleet
from clusterwiz.node.budget import BUDGET_TAG, GRACE_SECONDS, SPEND_TAG, check_budget
from clusterwiz.node.idle import STOPPED_BY_TAG
from clusterwiz.node.scaler import ScalerConfig, scaler_pass
from tests.node.conftest import group, members
from tests.node.test_idle_stop import head_instance
from tests.node.test_scaler_end_to_end import boot

HOUR = 3600.0


def describe(instance_id: str) -> dict:
    return boto3.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def tags_of(instance_id: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in describe(instance_id).get("Tags", ())}


def head_of_cluster(budget: str | None) -> tuple[str, float]:
    """A head node tagged as the cluster's (with its budget tag), and when it launched."""
    head = head_instance()
    tags = [{"Key": "clusterwiz:cluster", "Value": "demo"}]
    boto3.client("ec2").create_tags(Resources=[head], Tags=tags + ([{"Key": BUDGET_TAG, "Value": budget}]
                                                                  if budget else []))
    return head, describe(head)["LaunchTime"].timestamp()


def test_the_spend_adds_each_running_instance_and_volume_of_the_cluster_since_the_last_pass(moto: str,
                                                                                           tmp_path: Path) -> None:
    ec2 = boto3.client("ec2")
    head, launched = head_of_cluster(budget=None)
    zone = describe(head)["Placement"]["AvailabilityZone"]
    volume = ec2.create_volume(AvailabilityZone=zone, Size=730, VolumeType="gp3", TagSpecifications=[
        {"ResourceType": "volume", "Tags": [{"Key": "clusterwiz:cluster", "Value": "demo"}]}])
    created = volume["CreateTime"].timestamp()
    ec2.create_volume(AvailabilityZone=zone, Size=100, VolumeType="gp3")  # not the cluster's: never counted
    other = head_instance()  # another cluster's instance: not counted either
    ec2.create_tags(Resources=[other], Tags=[{"Key": "clusterwiz:cluster", "Value": "other"}])
    config = ScalerConfig(cluster_name="demo", region=os.environ["AWS_REGION"], idle_limit_seconds=600.0,
                          group_queues={}, node_cpus={},
                          prices={"instance": {"t3.small": 0.5}, "volume": {"gp3": 0.73}})
    fleet, ledger, logged = Fleet(config.region), str(tmp_path / "spend.json"), []

    def spend_at(now: float) -> float:
        assert check_budget(config, fleet, head, logged.append, logged.append, now, ledger) is None
        return float(tags_of(head)[SPEND_TAG])

    # From creation: the instance since it launched, the volume (730 GiB at $0.73 a GiB-month: $0.73 an hour)
    # since it was made.
    first = launched + 2 * HOUR
    assert spend_at(first) == pytest.approx(2 * 0.5 + (first - created) / HOUR * 0.73, abs=0.01)
    ec2.stop_instances(InstanceIds=[head])  # stopped, only the volume bills (the agent runs again once started)
    assert spend_at(first + 10 * HOUR) == pytest.approx(2 * 0.5 + (first + 10 * HOUR - created) / HOUR * 0.73,
                                                        abs=0.01)
    assert logged == []  # no budget, no warning


@pytest.fixture
def over_budget(cluster, tmp_path: Path):
    """The cluster of conftest with a head node whose own run time alone spends its budget in 10 hours."""
    slurm, config, scale = cluster
    head, launched = head_of_cluster(budget="10")
    config = replace(config, prices={"instance": {"t3.small": 1.0}, "volume": {}})
    logged: list[str] = []
    fleet = Fleet(config.region)

    def run_pass(now: float) -> None:
        scaler_pass(config, fleet, head, logged.append, now=launched + now,
                    state_files=(str(tmp_path / "expiry.json"), str(tmp_path / "idle.json")),
                    ledger_file=str(tmp_path / "spend.json"))

    return slurm, scale, head, run_pass, logged


def test_at_80_percent_logged_in_users_are_warned_once(over_budget) -> None:
    _, _, head, run_pass, logged = over_budget
    run_pass(7 * HOUR)
    assert not any("budget" in line for line in logged)
    run_pass(8 * HOUR)
    run_pass(9 * HOUR)
    assert [line for line in logged if "budget" in line] == [
        "clusterwiz: this cluster spent $8.00 of its $10 budget; it stops at 100%"]
    assert tags_of(head)[SPEND_TAG] == "9.00"
    assert describe(head)["State"]["Name"] == "running"


def test_a_job_running_when_the_budget_runs_out_is_not_killed_before_its_grace_ends(over_budget) -> None:
    slurm, scale, head, run_pass, logged = over_budget
    running = slurm.submit("-p", "compute", "--wrap", "sleep 600")
    scale()
    (instance,) = members("demo-compute")
    name = boot(slurm, "compute", instance)
    slurm.wait_for_job(running, "RUNNING")

    run_pass(10 * HOUR)  # the budget is spent: the node is drained, no node is added, the job runs on
    assert "clusterwiz: this cluster spent $10.00 of its $10 budget: no new job starts; it stops when running jobs " \
        "end, in 30 min at most" in logged
    assert slurm.node_state(name).startswith(("DRAIN", "MIXED+DRAIN", "ALLOCATED+DRAIN"))
    waiting = slurm.submit("-p", "compute", "--wrap", "true")
    run_pass(10 * HOUR + GRACE_SECONDS - 60)
    assert group("demo-compute")["DesiredCapacity"] == 1  # the waiting job got no node
    assert slurm.job_state(running) == "RUNNING" and slurm.job_state(waiting) == "PENDING"
    assert describe(head)["State"]["Name"] == "running"

    run_pass(10 * HOUR + GRACE_SECONDS)  # the grace is over: the cluster stops as at its expiry
    assert (group("demo-compute")["MinSize"], group("demo-compute")["MaxSize"]) == (0, 0)
    assert describe(head)["State"]["Name"] in ("stopping", "stopped")
    assert tags_of(head)[STOPPED_BY_TAG].startswith("budget: $")


def test_over_budget_with_no_job_running_the_cluster_stops_at_once(over_budget) -> None:
    _, _, head, run_pass, _ = over_budget
    run_pass(12 * HOUR)
    assert describe(head)["State"]["Name"] in ("stopping", "stopped")
    assert tags_of(head)[STOPPED_BY_TAG] == "budget: $12.00 spent of its $10 budget"
