"""A cluster applied with clusterwiz for the twins to boot, and what the twin tests and benchmark ask of it."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import boto3

from clusterwiz.core.spec import ClusterSpec
from tests.support.cli import clusterwiz
from tests.support.moto_server import TEST_REGION
from tests.twins.harness import TwinHarness, wait_until

ZONE = f"{TEST_REGION}a"
READY_TIMEOUT_S = 180


def bootstrap_tags(cluster: str) -> dict[str, str]:
    """instance id -> clusterwiz:bootstrap, for the cluster's running instances."""
    ec2 = boto3.client("ec2", region_name=TEST_REGION)
    reservations = ec2.describe_instances(Filters=[{"Name": "tag:clusterwiz:cluster", "Values": [cluster]},
                                                   {"Name": "instance-state-name", "Values": ["running"]}])
    tags = {}
    for reservation in reservations["Reservations"]:
        for instance in reservation["Instances"]:
            values = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}
            tags[instance["InstanceId"]] = values.get("clusterwiz:bootstrap", "")
    return tags


def existing_volume_with_data(twins: TwinHarness, data: str) -> str:
    """A volume the user made earlier, formatted, holding a file: clusterwiz must attach it and keep the file."""
    ec2 = boto3.client("ec2", region_name=TEST_REGION)
    volume_id = ec2.create_volume(AvailabilityZone=ZONE, Size=1, VolumeType="gp3")["VolumeId"]
    backing = twins.volume_file(volume_id, 1)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "results", str(backing)], check=True)
    source = backing.with_suffix(".txt")
    source.write_text(data)
    for request in (f"write {source} earlier.txt", "sif earlier.txt mode 0100644"):
        subprocess.run(["debugfs", "-w", "-R", request, str(backing)], check=True, capture_output=True)
    return volume_id


@dataclass(frozen=True)
class TwinCluster:
    name: str
    home: Path  # the clusterwiz home it is registered in
    key: Path  # the private key of its key pair
    existing_volume: str
    applied_at: float  # time.monotonic() when `clusterwiz apply` returned
    ready_at: float  # ... and when both nodes had tagged themselves ready


def apply_twin_cluster(twins: TwinHarness, directory: Path, name: str, queues: list[dict],
                       existing_data: str) -> TwinCluster:
    """A Debian 13 cluster with a new and an existing volume, applied with clusterwiz; returns once its head node
    and its initial compute node tag themselves ready."""
    key = directory / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    ec2 = boto3.client("ec2", region_name=TEST_REGION)
    ec2.import_key_pair(KeyName="lab", PublicKeyMaterial=key.with_suffix(".pub").read_bytes())
    # moto's own image stands in for Debian's AMI: the twin boots the Debian 13 image whatever the AMI id says.
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    existing = existing_volume_with_data(twins, existing_data)
    spec = ClusterSpec.model_validate({
        "name": name, "region": TEST_REGION, "os": "debian13", "ami_id": ami_id, "key_pair": "lab",
        "ssh_key_file": str(key),
        "network": {"availability_zone": ZONE, "ssh_cidr": "203.0.113.7/32"},
        "head_node": {"instance_type": "t3.medium"},
        "queues": queues,
        "scaledown_idle_minutes": 10,
        "shared_storage": [{"mount_dir": "/shared", "size_gib": 4}, {"mount_dir": "/data", "volume_id": existing}],
    })
    (directory / "cluster.yaml").write_text(spec.to_yaml())
    home = directory / "home"
    clusterwiz(home, "render", "--config", str(directory / "cluster.yaml"))
    clusterwiz(home, "--json", "apply", name, "--yes")
    applied = time.monotonic()
    initial = 1 + sum(queue.get("initial_nodes", 0) for queue in queues)

    def both_ready() -> bool:
        twins.check()
        tags = bootstrap_tags(name)
        if any(value.startswith("failed:") for value in tags.values()):
            raise AssertionError(f"a bootstrap failed: {tags}\n{twins.describe()}")
        return len(tags) == initial and all(value == "ready" for value in tags.values())

    wait_until(both_ready, READY_TIMEOUT_S, "the head and compute nodes to tag themselves ready",
               describe=twins.describe)
    return TwinCluster(name=name, home=home, key=key, existing_volume=existing, applied_at=applied,
                       ready_at=time.monotonic())


def group_members(cluster: str, queue: str) -> list[str]:
    autoscaling = boto3.client("autoscaling", region_name=TEST_REGION)
    (group,) = autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=[f"{cluster}-{queue}"])["AutoScalingGroups"]
    return [i["InstanceId"] for i in group["Instances"] if not i["LifecycleState"].startswith("Termin")]


def group_sizes(cluster: str) -> dict[str, tuple[int, int, int]]:
    """Each queue's group as (min, desired, max)."""
    autoscaling = boto3.client("autoscaling", region_name=TEST_REGION)
    groups = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    return {g["AutoScalingGroupName"].removeprefix(f"{cluster}-"): (g["MinSize"], g["DesiredCapacity"], g["MaxSize"])
            for g in groups if g["AutoScalingGroupName"].startswith(f"{cluster}-")}


def slurm_node_state(head, node: str) -> str:
    result = head.run("scontrol", "-o", "show", "node", node, check=False)
    fields = dict(field.split("=", 1) for field in result.stdout.split() if "=" in field)
    return fields.get("State", "") if result.returncode == 0 else ""
