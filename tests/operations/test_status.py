"""Live status by tag and what it costs: instances as the node agent tags them, in moto; cost arithmetic."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.status import (
    BOOTSTRAP_LOG_TAG,
    BOOTSTRAP_TAG,
    InstanceStatus,
    VolumeStatus,
    bootstrap_failure,
    cluster_cost,
    cluster_status,
    head_address,
)
from clusterwiz.core.teardown import savings
from clusterwiz.node.instance import LOG_TAIL_TAG, READINESS_TAG, TAG_VALUE_LIMIT, log_tail

REGION = "eu-west-2"
ZONE = "eu-west-2a"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def spec(**extra) -> ClusterSpec:
    return ClusterSpec.model_validate({
        "name": "stat", "region": REGION, "os": "rocky9",
        "queues": [{"name": "compute", "instance_types": ["c5.large"], "max_nodes": 3},
                   {"name": "gpu", "instance_types": ["g4dn.xlarge"], "capacity": "spot", "max_nodes": 1}],
        **extra})


def instance(role: str, usd: float | None, hours: float, state: str = "running", lifecycle: str = "on-demand"
             ) -> InstanceStatus:
    return InstanceStatus(instance_id=f"i-{role}{hours}", role=role, queue=None if role == "head" else "compute",
                          instance_type="c5.large", state=state, availability_zone=ZONE, lifecycle=lifecycle,
                          launch_time=NOW - timedelta(hours=hours), bootstrap="ready", public_ip=None,
                          private_ip=None, usd_per_hour=usd)


def volume(usd_per_month: float | None, hours: float, existing: bool = False) -> VolumeStatus:
    return VolumeStatus(volume_id=f"vol-{hours}", name=None, size_gib=100, volume_type="gp3", state="in-use",
                        attached_to="i-head", created=NOW - timedelta(hours=hours), existing=existing,
                        usd_per_month=usd_per_month)


def test_cost_counts_running_instances_and_own_volumes_since_they_exist():
    instances = [instance("head", 0.05, 10), instance("compute", 0.10, 2, lifecycle="spot"),
                 instance("compute", 0.10, 5, state="stopped"), instance("compute", None, 1)]
    volumes = [volume(73.0, 10), volume(50.0, 10, existing=True)]

    cost = cluster_cost(instances, volumes, NOW)

    assert cost.compute_per_hour == pytest.approx(0.15)
    assert cost.storage_per_hour == pytest.approx(0.1)  # 73 $/month over 730 h; the user's own volume is not ours
    assert cost.per_hour == pytest.approx(0.25)
    assert cost.since_creation == pytest.approx(0.05 * 10 + 0.10 * 2 + 0.1 * 10)
    assert cost.unpriced == ("c5.large",)
    assert any("spot" in note for note in cost.notes)


def test_status_finds_the_nodes_by_tag_with_their_readiness_and_prices_them(moto, tmp_path: Path):
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def launch(instance_type: str, **tags: str) -> str:
        all_tags = {"clusterwiz:cluster": "stat", **tags}
        return ec2.run_instances(
            ImageId=image, InstanceType=instance_type, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": ZONE},
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": k, "Value": v} for k, v in all_tags.items()]}],
        )["Instances"][0]["InstanceId"]

    head = launch("t3.medium", **{"clusterwiz:role": "head", "clusterwiz:bootstrap": "ready"})
    node = launch("c5.large", **{"clusterwiz:role": "compute", "clusterwiz:queue": "compute",
                                 "clusterwiz:bootstrap": "running:slurmd"})
    gone = launch("c5.large", **{"clusterwiz:role": "compute", "clusterwiz:queue": "compute"})
    ec2.terminate_instances(InstanceIds=[gone])
    launch("c5.large", **{"clusterwiz:role": "compute"})  # a node whose queue tag is not set yet
    # Another cluster's node is not this one's.
    ec2.run_instances(ImageId=image, InstanceType="c5.large", MinCount=1, MaxCount=1,
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "clusterwiz:cluster", "Value": "other"}]}])
    session = AwsSession(region=REGION)

    status = cluster_status(session, Catalog(session, cache_dir=tmp_path / "cache"), spec(), now=NOW)

    by_id = {i.instance_id: i for i in status.instances}
    assert status.head is not None and status.head.instance_id == head
    assert gone not in by_id and len(status.compute) == 2
    assert (by_id[node].queue, by_id[node].bootstrap, by_id[node].lifecycle) == ("compute", "running:slurmd",
                                                                                  "on-demand")
    assert by_id[head].usd_per_hour == pytest.approx(0.04942)
    assert [(g.queue, g.exists) for g in status.groups] == [("compute", False), ("gpu", False)]
    assert status.notes == ["queue compute: its group stat-compute does not exist",
                            "queue gpu: its group stat-gpu does not exist"]
    assert savings(status).stop_all == pytest.approx(0.04942 + 2 * 0.10098)
    assert head_address(session, spec()) == by_id[head].public_ip
    assert status.to_json()["instances"][0]["launch_time"].startswith(str(by_id[head].launch_time.year))


def test_a_failed_bootstrap_is_told_with_its_step_log_and_what_to_do() -> None:
    base = instance("compute", 0.1, 1)
    failed = dataclasses.replace(base, bootstrap="failed:packages", bootstrap_log="E: Unable to locate package slurmd")
    note = bootstrap_failure(failed, "stat")
    assert note is not None and note.startswith(
        f"compute node {failed.instance_id} (queue compute) failed its bootstrap at step packages: E: Unable to "
        "locate package slurmd. Likely cause: the node could not install its packages")
    assert "The scaler on the head node replaces it" in note
    head = dataclasses.replace(instance("head", 0.1, 1), bootstrap="failed:slurmd", bootstrap_log=None)
    told = bootstrap_failure(head, "stat")
    assert told is not None and "`clusterwiz ssh stat -- sinfo`" in told and "`clusterwiz destroy stat`" in told
    assert bootstrap_failure(base, "stat") is None


def test_the_log_tail_tag_is_the_one_the_node_agent_writes(tmp_path: Path) -> None:
    log = tmp_path / "bootstrap.log"
    log.write_text("2026-12-02T10:00:00Z clusterwiz-bootstrap[packages] step packages\n"
                   + "".join(f"Err:{n} http://deb.debian.org/debian ./ InRelease\n" for n in range(200))
                   + "2026-12-02T10:00:09Z clusterwiz-bootstrap[packages] FAILED at step packages (exit 100)\n")
    tail = log_tail(str(log))
    assert len(tail) < TAG_VALUE_LIMIT and tail.endswith("Err:199 http://deb.debian.org/debian ./ InRelease")
    assert "clusterwiz-bootstrap[" not in tail
    assert BOOTSTRAP_LOG_TAG == LOG_TAIL_TAG and BOOTSTRAP_TAG == READINESS_TAG
