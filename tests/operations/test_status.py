"""Live status by tag and what it costs: instances as the node agent tags them, in moto; cost arithmetic."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.cost import COMPUTE_ROOT_VOLUME_GIB, PUBLIC_IPV4_USD_PER_HOUR, estimate
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.status import (
    BOOTSTRAP_LOG_TAG,
    BOOTSTRAP_TAG,
    ClusterStatus,
    InstanceStatus,
    VolumeStatus,
    bootstrap_failure,
    cluster_cost,
    cluster_status,
    head_address,
    stopped_itself,
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


def instance(role: str, usd: float | None, hours: float, state: str = "running", lifecycle: str = "on-demand",
             public_ip: str | None = None, instance_type: str = "c5.large") -> InstanceStatus:
    return InstanceStatus(instance_id=f"i-{role}{hours}", role=role, queue=None if role == "head" else "compute",
                          instance_type=instance_type, state=state, availability_zone=ZONE, lifecycle=lifecycle,
                          launch_time=NOW - timedelta(hours=hours), bootstrap="ready", public_ip=public_ip,
                          private_ip=None, usd_per_hour=usd)


def volume(usd_per_month: float | None, hours: float, existing: bool = False, attached_to: str = "i-head",
           size_gib: int = 100) -> VolumeStatus:
    return VolumeStatus(volume_id=f"vol-{attached_to}-{hours}", name=None, size_gib=size_gib, volume_type="gp3",
                        state="in-use", attached_to=attached_to, created=NOW - timedelta(hours=hours),
                        existing=existing, usd_per_month=usd_per_month)


def live(instances: list[InstanceStatus], volumes: list[VolumeStatus]) -> ClusterStatus:
    return ClusterStatus(name="stat", region=REGION, checked_at=NOW, instances=instances, groups=[], volumes=volumes,
                         cost=cluster_cost(instances, volumes, NOW))


def test_cost_counts_running_instances_and_own_volumes_since_they_exist():
    instances = [instance("head", 0.05, 10), instance("compute", 0.10, 2, lifecycle="spot"),
                 instance("compute", 0.10, 5, state="stopped"), instance("compute", None, 1)]
    volumes = [volume(73.0, 10), volume(50.0, 10, existing=True)]

    cost = cluster_cost(instances, volumes, NOW)

    assert (cost.head_node_per_hour, cost.compute_nodes_per_hour) == (pytest.approx(0.05), pytest.approx(0.10))
    assert cost.public_ipv4_per_hour == 0  # none of them has a public address
    assert cost.storage_per_hour == pytest.approx(0.1)  # 73 $/month over 730 h; the user's own volume is not ours
    assert cost.per_hour == pytest.approx(0.25)
    assert cost.since_creation == pytest.approx(0.05 * 10 + 0.10 * 2 + 0.1 * 10)
    assert cost.unpriced == ("c5.large",)
    assert any("spot" in note for note in cost.notes)


def test_each_public_ipv4_address_bills_while_it_is_held():
    """AWS bills every public IPv4 address $0.005/h since 2024-02-01 (AWS News Blog, "New – AWS Public IPv4 Address
    Charge + Public IP Insights"); a stopped instance shows an address only when it is an Elastic IP, still billed."""
    head = instance("head", 0.05, 10, public_ip="198.51.100.1")
    node = instance("compute", 0.10, 2, public_ip="198.51.100.2")
    stopped = instance("compute", 0.10, 5, state="stopped")
    elastic = instance("compute", 0.10, 3, state="stopped", public_ip="198.51.100.3")

    cost = cluster_cost([head, node, stopped, elastic], [volume(73.0, 10)], NOW)

    assert (cost.head_node_per_hour, cost.compute_nodes_per_hour) == (pytest.approx(0.05), pytest.approx(0.10))
    assert cost.public_ipv4_per_hour == pytest.approx(3 * 0.005)
    assert cost.per_hour == pytest.approx(0.15 + 0.015 + 0.1)
    assert cost.since_creation == pytest.approx(0.055 * 10 + 0.105 * 2 + 0.1 * 10)
    assert (head.per_hour, stopped.per_hour, elastic.per_hour) == (pytest.approx(0.055), 0, pytest.approx(0.005))
    assert cost.describe().startswith("$0.265/hour now (head node $0.050, compute nodes $0.100, public IPv4 $0.015")


def test_what_each_teardown_action_saves_counts_addresses_and_the_nodes_root_volumes():
    head = instance("head", 0.05, 10, public_ip="198.51.100.1")
    nodes = [instance("compute", 0.10, hours, public_ip=f"198.51.100.{hours}") for hours in (2, 3)]
    node_roots = [volume(7.3, node_hours, attached_to=node.instance_id, size_gib=40)
                  for node_hours, node in zip((2, 3), nodes, strict=True)]
    head_volumes = [volume(73.0, 10), volume(3.65, 10, size_gib=40), volume(50.0, 10, existing=True)]

    saved = savings(live([head, *nodes], [*node_roots, *head_volumes]))

    assert saved.stop_fleet == pytest.approx(2 * (0.10 + 0.005 + 0.01))  # type, address, root volume
    assert saved.stop_all == pytest.approx(saved.stop_fleet + 0.05 + 0.005)
    assert saved.left_when_stopped == pytest.approx(0.1 + 0.005)  # the head's root and shared volumes stay
    assert saved.destroy == pytest.approx(saved.stop_all + saved.left_when_stopped)


def test_a_cluster_as_the_modules_create_it_costs_its_estimate_running_and_stopped(moto, tmp_path: Path):
    """One rule: the review's, plan's and home screen's $/h (the estimate) is what the dashboard, `clusterwiz
    status` and the teardown menu show (the live cost) for the cluster as created, and stopped with --all."""
    cluster = spec(head_node={"instance_type": "t3.medium", "root_volume_gib": 40},
                   queues=[{"name": "compute", "instance_types": ["c5.large"], "initial_nodes": 2, "max_nodes": 4}],
                   shared_storage=[{"mount_dir": "/shared", "size_gib": 100}])
    catalog = Catalog(AwsSession(region=REGION), cache_dir=tmp_path / "cache")
    head_usd, node_usd = (catalog.price_per_hour(REGION, name).usd for name in ("t3.medium", "c5.large"))
    gp3 = catalog.ebs_price_per_gb_month(REGION, "gp3").usd
    expected = estimate(cluster, catalog)

    head = instance("head", head_usd, 1, public_ip="198.51.100.1", instance_type="t3.medium")
    nodes = [instance("compute", node_usd, hours, public_ip=f"198.51.100.{hours + 1}") for hours in (1, 2)]
    head_volumes = [volume(40 * gp3, 1, size_gib=40), volume(100 * gp3, 1)]
    node_roots = [volume(COMPUTE_ROOT_VOLUME_GIB * gp3, 1, attached_to=node.instance_id,
                         size_gib=COMPUTE_ROOT_VOLUME_GIB) for node in nodes]
    running = live([head, *nodes], [*head_volumes, *node_roots])
    stopped = live([dataclasses.replace(head, state="stopped", public_ip=None)], head_volumes)

    assert running.cost.per_hour == pytest.approx(expected.per_hour_now, abs=1e-4)
    assert running.cost.public_ipv4_per_hour == pytest.approx(3 * PUBLIC_IPV4_USD_PER_HOUR)
    assert savings(running).left_when_stopped == pytest.approx(expected.per_hour_stopped, abs=1e-4)
    assert stopped.cost.per_hour == pytest.approx(expected.per_hour_stopped, abs=1e-4)
    assert expected.per_hour_stopped == pytest.approx(expected.storage_per_month / 730, abs=1e-4)


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
    # moto's default subnet gives every instance a public IPv4 address, as the modules ask for.
    assert all(i.public_ip for i in status.instances)
    assert savings(status).stop_all == pytest.approx(0.04942 + 2 * 0.10098 + 3 * PUBLIC_IPV4_USD_PER_HOUR)
    assert head_address(session, spec()) == by_id[head].public_ip
    assert status.to_json()["instances"][0]["launch_time"].startswith(str(by_id[head].launch_time.year))


def test_a_failed_bootstrap_is_told_with_its_step_log_and_what_to_do() -> None:
    base = instance("compute", 0.1, 1)
    failed = dataclasses.replace(base, bootstrap="failed:packages", bootstrap_log="E: Unable to locate package slurmd")
    note = bootstrap_failure(failed, "stat", sandbox=False)
    assert note is not None and note.startswith(
        f"compute node {failed.instance_id} (queue compute) failed its bootstrap at step packages: E: Unable to "
        "locate package slurmd. Likely cause: the node could not install its packages")
    assert "The scaler on the head node replaces it" in note
    head = dataclasses.replace(instance("head", 0.1, 1), bootstrap="failed:slurmd", bootstrap_log=None)
    told = bootstrap_failure(head, "stat", sandbox=False)
    assert told is not None and "`clusterwiz ssh stat -- sinfo`" in told and "`clusterwiz destroy stat`" in told
    assert bootstrap_failure(base, "stat", sandbox=False) is None
    # In the sandbox, every command it suggests finds the sandbox's cluster.
    in_sandbox = bootstrap_failure(head, "stat", sandbox=True)
    assert in_sandbox is not None and "`clusterwiz ssh stat --sandbox -- sinfo`" in in_sandbox
    assert "`clusterwiz ssh stat --sandbox -- sudo tail -n 50 /var/log/clusterwiz-bootstrap.log`" in in_sandbox
    assert "`clusterwiz destroy stat --sandbox`" in in_sandbox


def test_a_head_node_that_stopped_itself_is_labelled_and_told_with_its_start_command() -> None:
    stopped = dataclasses.replace(instance("head", 0.1, 1), state="stopped",
                                  stopped_by="idle: no job and nobody logged in for 60 min (since 2026-12-01T10:00Z)")
    assert stopped_itself(stopped, "stat", sandbox=True) == (
        "the cluster stopped itself (idle: no job and nobody logged in for 60 min (since 2026-12-01T10:00Z)): only "
        "its volumes bill; `clusterwiz start stat --sandbox` brings it back as it was")
    assert stopped_itself(instance("head", 0.1, 1), "stat", sandbox=True) is None


def test_the_log_tail_tag_is_the_one_the_node_agent_writes(tmp_path: Path) -> None:
    log = tmp_path / "bootstrap.log"
    log.write_text("2026-12-02T10:00:00Z clusterwiz-bootstrap[packages] step packages\n"
                   + "".join(f"Err:{n} http://deb.debian.org/debian ./ InRelease\n" for n in range(200))
                   + "2026-12-02T10:00:09Z clusterwiz-bootstrap[packages] FAILED at step packages (exit 100)\n")
    tail = log_tail(str(log))
    assert len(tail) < TAG_VALUE_LIMIT and tail.endswith("Err:199 http://deb.debian.org/debian ./ InRelease")
    assert "clusterwiz-bootstrap[" not in tail
    assert BOOTSTRAP_LOG_TAG == LOG_TAIL_TAG and BOOTSTRAP_TAG == READINESS_TAG
