"""The cluster module applied for real against moto: every resource is tagged, destroy leaves nothing behind.

The root has no provider default_tags on purpose: the modules alone must tag everything.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

import boto3
import pytest
from tests.support.module_workspace import copy_modules, terraform

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

CLUSTER = "modtest"
ZONE = "eu-west-2a"
TAG_KEY = "clusterwiz:cluster"
CONTRACT_OUTPUTS = {
    "head_node_instance_id", "head_node_public_ip", "head_node_public_dns", "head_node_private_ip", "ssh_user",
    "vpc_id", "subnet_id", "availability_zone", "security_group_ids", "queue_groups", "shared_volume_ids",
    "created_volume_ids",
}
# Resources whose AWS API has no tags (they are parts of a tagged resource).
UNTAGGABLE = {"aws_route", "aws_route_table_association", "aws_volume_attachment", "aws_iam_role_policy"}


def tiny_agent_archive() -> str:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
        script = b"#!/bin/sh\nexit 0\n"
        info = tarfile.TarInfo("bootstrap.sh")
        info.size, info.mode = len(script), 0o755
        archive.addfile(info, io.BytesIO(script))
    return base64.b64encode(buffer.getvalue()).decode()


def write_root(directory: Path, modules: Path, ami_id: str, existing_volume_id: str) -> None:
    """A root module in JSON syntax, so no value needs HCL quoting."""
    cluster = {
        # Relative: an absolute path would make the cluster module its own package, cut off from ../network.
        "source": f"../{modules.name}/cluster",
        "cluster_name": CLUSTER,
        "os": "ubuntu2404",
        "ami_id": ami_id,
        "network": {"availability_zone": ZONE},
        "ssh_cidr": "203.0.113.7/32",
        "head_node": {"instance_type": "t3.medium"},
        "queues": [
            {"name": "compute", "instance_types": ["c5.large"], "initial_nodes": 1, "max_nodes": 3},
            {"name": "spot", "instance_types": ["c5.xlarge", "c5a.xlarge"], "capacity": "spot", "max_nodes": 2},
        ],
        "shared_storage": [
            {"mount_dir": "/shared", "size_gib": 20},
            {"mount_dir": "/data", "volume_id": existing_volume_id},
        ],
        "tags": {"team": "hpc"},
        "node_agent_archive": tiny_agent_archive(),
    }
    root = {
        "provider": {"aws": {}},
        "module": {"cluster": cluster},
        "output": {name: {"value": f"${{module.cluster.{name}}}"} for name in sorted(CONTRACT_OUTPUTS)},
    }
    directory.mkdir()
    (directory / "main.tf.json").write_text(json.dumps(root, indent=2))


def untagged_resources(state: dict) -> list[str]:
    untagged = []
    modules = [state["values"]["root_module"]]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        for resource in module.get("resources", []):
            if resource["mode"] != "managed" or resource["type"] in UNTAGGABLE:
                continue
            values = resource["values"]
            # Auto scaling groups hold their tags as `tag` blocks (with propagate_at_launch).
            tags = values.get("tags") or {tag["key"]: tag["value"] for tag in values.get("tag") or []}
            if tags.get(TAG_KEY) != CLUSTER:
                untagged.append(resource["address"])
    return untagged


def remaining_tagged_resources() -> list[str]:
    tagging = boto3.client("resourcegroupstaggingapi")
    ec2 = boto3.client("ec2")
    pages = tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": TAG_KEY, "Values": [CLUSTER]}])
    arns = [item["ResourceARN"] for page in pages for item in page["ResourceTagMappingList"]]
    # The tagging API still lists terminated instances; they cost nothing and vanish on their own.
    instance_ids = [arn.rsplit("/", 1)[1] for arn in arns if ":instance/" in arn]
    terminated = set()
    if instance_ids:
        reservations = ec2.describe_instances(InstanceIds=instance_ids)["Reservations"]
        terminated = {instance["InstanceId"] for reservation in reservations for instance in reservation["Instances"]
                      if instance["State"]["Name"] == "terminated"}
    return [arn for arn in arns if not any(arn.endswith(f"/{instance}") for instance in terminated)]


def test_cluster_applies_tagged_and_destroys_to_nothing(moto: str, terraform_cli_config: Path,
                                                       tmp_path: Path) -> None:
    ec2 = boto3.client("ec2")
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    existing = ec2.create_volume(AvailabilityZone=ZONE, Size=5, VolumeType="gp3",
                                 TagSpecifications=[{"ResourceType": "volume",
                                                     "Tags": [{"Key": "owner", "Value": "user"}]}])["VolumeId"]
    root = tmp_path / "root"
    write_root(root, copy_modules(tmp_path), ami_id, existing)

    terraform("init", "-input=false", cwd=root)
    try:
        terraform("apply", "-auto-approve", "-input=false", cwd=root)
        outputs = {name: value["value"] for name, value in
                   json.loads(terraform("output", "-json", cwd=root).stdout).items()}
        assert set(outputs) == CONTRACT_OUTPUTS
        assert outputs["queue_groups"] == {"compute": f"{CLUSTER}-compute", "spot": f"{CLUSTER}-spot"}
        assert outputs["shared_volume_ids"]["/data"] == existing
        assert outputs["created_volume_ids"] == [outputs["shared_volume_ids"]["/shared"]]
        assert outputs["availability_zone"] == ZONE and outputs["ssh_user"] == "ubuntu"

        state = json.loads(terraform("show", "-json", cwd=root).stdout)
        assert untagged_resources(state) == []

        head = ec2.describe_instances(InstanceIds=[outputs["head_node_instance_id"]])["Reservations"][0]
        assert head["Instances"][0]["MetadataOptions"]["HttpTokens"] == "required"
        fleet = ec2.describe_instances(Filters=[{"Name": "tag:aws:autoscaling:groupName",
                                                 "Values": [f"{CLUSTER}-compute"]}])["Reservations"]
        nodes = [instance for reservation in fleet for instance in reservation["Instances"]]
        assert len(nodes) == 1, "initial_nodes = 1 starts one node"
        node_tags = {tag["Key"]: tag["Value"] for tag in nodes[0]["Tags"]}
        assert node_tags[TAG_KEY] == CLUSTER and node_tags["clusterwiz:queue"] == "compute"
    finally:
        terraform("destroy", "-auto-approve", "-input=false", cwd=root)

    assert remaining_tagged_resources() == []
    assert boto3.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []
    assert ec2.describe_launch_templates()["LaunchTemplates"] == []
    assert [role["RoleName"] for role in boto3.client("iam").list_roles()["Roles"]
            if role["RoleName"].startswith(f"{CLUSTER}-")] == []
    survivor = ec2.describe_volumes(VolumeIds=[existing])["Volumes"][0]
    assert survivor["State"] == "available"
