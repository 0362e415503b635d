"""The whole headless lifecycle of a full cluster, applied for real by Terraform against moto's server."""

from __future__ import annotations

import json

import boto3
import pytest
import yaml
from tests.support.cli import clusterwiz, clusterwiz_json
from tests.support.specs import FULL_CLUSTER_YAML

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

REGION = "eu-west-2"
ZONE = "eu-west-2a"


def full_spec(ami_id: str, existing_volume: str) -> str:
    """The foundation issue's full cluster, with an AMI and an existing volume of this emulated account."""
    data = yaml.safe_load(FULL_CLUSTER_YAML)
    data["ami_id"] = ami_id
    data["shared_storage"][1]["volume_id"] = existing_volume
    return yaml.safe_dump(data)


def live_tagged(cluster: str) -> list[str]:
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    arns = [
        item["ResourceARN"]
        for item in tagging.get_resources(TagFilters=[{"Key": "clusterwiz:cluster", "Values": [cluster]}])[
            "ResourceTagMappingList"
        ]
    ]
    ec2 = boto3.client("ec2", region_name=REGION)
    instance_ids = [arn.rsplit("/", 1)[-1] for arn in arns if ":instance/" in arn]
    gone = set()
    if instance_ids:
        for reservation in ec2.describe_instances(InstanceIds=instance_ids)["Reservations"]:
            gone |= {i["InstanceId"] for i in reservation["Instances"] if i["State"]["Name"] == "terminated"}
    return [arn for arn in arns if arn.rsplit("/", 1)[-1] not in gone]


def test_full_cluster_render_plan_apply_output_destroy(moto, terraform_cli_config, tmp_path):
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.import_key_pair(
        KeyName="workshop",
        PublicKeyMaterial=b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEQQ5ZTtzDtq test",
    )
    existing = ec2.create_volume(AvailabilityZone=ZONE, Size=10, VolumeType="gp3")["VolumeId"]
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    home = tmp_path / "home"
    config = tmp_path / "cluster.yaml"
    config.write_text(full_spec(ami_id, existing))

    clusterwiz(home, "render", "--config", str(config))
    workdir = home / "aws" / "clusters" / "full" / "workdir"
    assert (workdir / "modules" / "cluster" / "main.tf").is_file()
    rendered = "".join(path.read_text() for path in workdir.glob("*.tf*"))
    assert moto not in rendered and "127.0.0.1:" not in rendered and "endpoints" not in rendered

    plan = clusterwiz(home, "plan", "full")
    assert "to add" in plan.stdout

    events = [json.loads(line) for line in clusterwiz(home, "--json", "apply", "full").stdout.splitlines()]
    done = [e for e in events if e["type"] == "ResourceDone"]
    summaries = [e for e in events if e["type"] == "ChangeSummary" and e["operation"] == "apply"]
    assert summaries and summaries[-1]["add"] == len([e for e in done if e["action"] == "create"])

    outputs = clusterwiz_json(home, "output", "full")
    assert outputs["head_node_instance_id"].startswith("i-")
    assert set(outputs["queue_groups"]) == {"compute", "spot"}
    assert outputs["shared_volume_ids"]["/data"] == existing
    assert existing not in outputs["created_volume_ids"]

    # Planning an applied cluster again finds its own resources, not a name taken by another cluster.
    assert "Plan:" in clusterwiz(home, "plan", "full").stdout

    listing = clusterwiz_json(home, "list")
    assert [(row["name"], row["status"]) for row in listing] == [("full", "applied")]

    # Every resource carries the cluster tag, the instances the fleet launched included.
    autoscaling = boto3.client("autoscaling", region_name=REGION)
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["full-compute"])["AutoScalingGroups"][0]
    fleet_ids = [instance["InstanceId"] for instance in group["Instances"]]
    assert fleet_ids
    for reservation in ec2.describe_instances(InstanceIds=fleet_ids)["Reservations"]:
        for instance in reservation["Instances"]:
            assert {"Key": "clusterwiz:cluster", "Value": "full"} in instance["Tags"]
    head = ec2.describe_instances(InstanceIds=[outputs["head_node_instance_id"]])["Reservations"][0]["Instances"][0]
    head_tags = {tag["Key"]: tag["Value"] for tag in head["Tags"]}
    assert head_tags["project"] == yaml.safe_load(FULL_CLUSTER_YAML)["tags"]["project"]

    clusterwiz(home, "destroy", "full", "--yes")
    assert live_tagged("full") == []
    assert ec2.describe_volumes(VolumeIds=[existing])["Volumes"][0]["State"] == "available"
    assert clusterwiz_json(home, "list") == []
