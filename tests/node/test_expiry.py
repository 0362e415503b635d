"""Expiry of the whole cluster on the head node: the rule, then a scaler pass against moto and a real Slurm."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from clusterwiz.node.autoscaling import Fleet
from clusterwiz.node.expiry import EXPIRES_TAG, ExpiryState, check_expiry, next_expiry_state, parse_expiry
from clusterwiz.node.idle import STOPPED_BY_TAG
from clusterwiz.node.scaler import scaler_pass
from tests.node.conftest import group, members
from tests.node.test_idle_stop import head_instance
from tests.node.test_scaler_end_to_end import boot

EXPIRES = parse_expiry("2026-12-04T18:00Z")


@pytest.mark.parametrize(("expires_at", "state", "now", "expected"), [
    pytest.param(None, ExpiryState(EXPIRES, (3600.0,)), EXPIRES, (ExpiryState(), None), id="no expiry: nothing"),
    pytest.param(EXPIRES, ExpiryState(), EXPIRES - 3601, (ExpiryState(EXPIRES), None), id="quiet till an hour left"),
    pytest.param(EXPIRES, ExpiryState(), EXPIRES - 3600, (ExpiryState(EXPIRES, (3600.0,)), "warn"), id="warns"),
    pytest.param(EXPIRES, ExpiryState(EXPIRES, (3600.0,)), EXPIRES - 600, (ExpiryState(EXPIRES, (3600.0,)), None),
                 id="once"),
    pytest.param(EXPIRES, ExpiryState(EXPIRES, (3600.0,)), EXPIRES - 300,
                 (ExpiryState(EXPIRES, (3600.0, 300.0)), "warn"), id="again 5 min before"),
    pytest.param(EXPIRES, ExpiryState(), EXPIRES - 60, (ExpiryState(EXPIRES, (3600.0, 300.0)), "warn"),
                 id="late: one warning, not two"),
    pytest.param(EXPIRES + 7200, ExpiryState(EXPIRES, (3600.0, 300.0)), EXPIRES + 3600,
                 (ExpiryState(EXPIRES + 7200, (3600.0,)), "warn"), id="extended: warns afresh"),
    pytest.param(EXPIRES, ExpiryState(EXPIRES, (3600.0, 300.0)), EXPIRES, (ExpiryState(EXPIRES, (3600.0, 300.0)),
                                                                          "stop"), id="stops at the time"),
    pytest.param(EXPIRES, ExpiryState(), EXPIRES + 86400, (ExpiryState(EXPIRES), "stop"), id="stops though late"),
])
def test_the_rule(expires_at: float | None, state: ExpiryState, now: float, expected: tuple) -> None:
    assert next_expiry_state(expires_at, state, now) == expected


def test_a_tag_that_is_not_a_time_never_stops_the_cluster(tmp_path: Path) -> None:
    logged: list[str] = []
    stopped: list[str] = []
    assert check_expiry("tomorrow", stopped.append, logged.append, now=EXPIRES,
                        state_file=str(tmp_path / "expiry.json")) is None
    assert check_expiry("2026-12-04T18:00", stopped.append, logged.append, now=EXPIRES,
                        state_file=str(tmp_path / "expiry.json")) is None  # no zone: not guessed
    assert stopped == []
    assert "ignoring the clusterwiz:expires-at tag 'tomorrow'" in logged[0]


def test_an_expired_cluster_stops_its_fleet_and_head_node_though_a_job_runs(cluster, tmp_path: Path) -> None:
    """The head node reads its own tag each pass (set in place by Terraform or `clusterwiz extend`)."""
    slurm, config, _ = cluster
    head = head_instance()
    ec2 = boto3.client("ec2")
    ec2.create_tags(Resources=[head], Tags=[{"Key": EXPIRES_TAG, "Value": "2026-12-04T18:00Z"}])
    boto3.client("autoscaling").set_desired_capacity(AutoScalingGroupName="demo-compute", DesiredCapacity=1)
    fleet = Fleet(config.region)
    logged: list[str] = []
    states = (str(tmp_path / "expiry.json"), str(tmp_path / "idle.json"))
    slurm.submit("-p", "compute", "--wrap", "sleep 600")  # in use: the idle stop would never fire

    scaler_pass(config, fleet, head, logged.append, now=EXPIRES - 1800, state_files=states)
    assert any("this cluster expires at 2026-12-04T18:00Z" in line for line in logged)
    assert ec2.describe_instances(InstanceIds=[head])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"

    ec2.create_tags(Resources=[head], Tags=[{"Key": EXPIRES_TAG, "Value": "2026-12-04T20:00Z"}])  # extended
    scaler_pass(config, fleet, head, logged.append, now=EXPIRES + 60, state_files=states)
    assert ec2.describe_instances(InstanceIds=[head])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"

    scaler_pass(config, fleet, head, logged.append, now=EXPIRES + 7200, state_files=states)
    for name in ("demo-compute", "demo-gpu"):
        sizes = group(name)
        assert (sizes["MinSize"], sizes["MaxSize"], sizes["DesiredCapacity"]) == (0, 0, 0)
    instance = ec2.describe_instances(InstanceIds=[head])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] in ("stopping", "stopped")
    reason = {tag["Key"]: tag["Value"] for tag in instance["Tags"]}[STOPPED_BY_TAG]
    assert reason == "expired: its expiry time 2026-12-04T20:00Z was reached"


def test_a_stopped_cluster_leaves_no_node_in_slurm_and_its_running_job_waits_requeued(cluster,
                                                                                      tmp_path: Path) -> None:
    """Kept in slurmctld's saved state, the nodes would take the first jobs after `clusterwiz start`, before the
    scaler's first pass finds their instances gone (seen on the twins: a job waited there past its test's time)."""
    slurm, config, scale = cluster
    head = head_instance()
    boto3.client("ec2").create_tags(Resources=[head], Tags=[{"Key": EXPIRES_TAG, "Value": "2026-12-04T18:00Z"}])
    job = slurm.submit("-p", "compute", "--wrap", "sleep 600")
    scale()
    (instance,) = members("demo-compute")
    name = boot(slurm, "compute", instance)
    slurm.wait_for_job(job, "RUNNING")

    scaler_pass(config, Fleet(config.region), head, lambda line: None, now=EXPIRES,
                state_files=(str(tmp_path / "expiry.json"), str(tmp_path / "idle.json")))
    assert slurm.node_state(name) == ""  # gone from Slurm
    slurm.wait_until(lambda: slurm.job_state(job) == "PENDING", 10, "the job to be requeued")
