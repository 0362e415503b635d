"""Leftovers of a cluster, made directly in moto the way a half-finished apply leaves them, found and removed."""

from __future__ import annotations

import json

import boto3
import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.status import cluster_status
from clusterwiz.core.teardown import (
    SNAPSHOT_OF_TAG,
    cluster_snapshots,
    find_leftovers,
    parse_leftover,
    remove_leftovers,
    snapshot_before_destroy,
    snapshot_offer,
)
from tests.support.cli import clusterwiz, clusterwiz_json

pytestmark = pytest.mark.moto

REGION = "eu-west-2"
ZONE = "eu-west-2a"
CLUSTER = "lefty"


def cluster_tags(**extra: str) -> list[dict[str, str]]:
    return [{"Key": "clusterwiz:cluster", "Value": CLUSTER}, *({"Key": k, "Value": v} for k, v in extra.items())]


def tag_spec(resource_type: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": cluster_tags()}]


def make_leftovers() -> dict[str, str]:
    """One of each kind a cluster creates, tagged, with the dependencies that make the order matter."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tag_spec("vpc"))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=ZONE,
                               TagSpecifications=tag_spec("subnet"))["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway"))
    gateway_id = gateway["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=tag_spec("route-table"))["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    head_group = ec2.create_security_group(GroupName=f"{CLUSTER}-head", Description="head", VpcId=vpc,
                                           TagSpecifications=tag_spec("security-group"))["GroupId"]
    intra_group = ec2.create_security_group(GroupName=f"{CLUSTER}-intra", Description="intra", VpcId=vpc,
                                            TagSpecifications=tag_spec("security-group"))["GroupId"]
    # Each group admits the other: neither can be deleted while the other refers to it.
    ec2.authorize_security_group_ingress(GroupId=head_group, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": intra_group}]}])
    ec2.authorize_security_group_ingress(GroupId=intra_group, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": head_group}]}])
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet,
                                 SecurityGroupIds=[head_group],
                                 TagSpecifications=tag_spec("instance"))["Instances"][0]["InstanceId"]
    volume = ec2.create_volume(AvailabilityZone=ZONE, Size=5, TagSpecifications=tag_spec("volume"))["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device="/dev/sdf")
    template = ec2.create_launch_template(
        LaunchTemplateName=f"{CLUSTER}-compute", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
        TagSpecifications=tag_spec("launch-template"))["LaunchTemplate"]["LaunchTemplateId"]
    autoscaling = boto3.client("autoscaling", region_name=REGION)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"{CLUSTER}-compute", MinSize=0, MaxSize=2, DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateId": template}, VPCZoneIdentifier=subnet,
        Tags=[{"Key": "clusterwiz:cluster", "Value": CLUSTER, "PropagateAtLaunch": True}])
    iam = boto3.client("iam")
    iam.create_role(RoleName=f"{CLUSTER}-node", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}), Tags=cluster_tags())
    iam.put_role_policy(RoleName=f"{CLUSTER}-node", PolicyName="tag-self", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}]}))
    iam.create_instance_profile(InstanceProfileName=f"{CLUSTER}-node", Tags=cluster_tags())
    iam.add_role_to_instance_profile(InstanceProfileName=f"{CLUSTER}-node", RoleName=f"{CLUSTER}-node")
    return {"vpc": vpc, "instance": instance, "volume": volume}


def test_every_kind_of_leftover_is_found_in_removal_order_and_removed(moto):
    made = make_leftovers()
    session = AwsSession(region=REGION)

    leftovers = find_leftovers(session, REGION, CLUSTER)
    kinds = [leftover.kind for leftover in leftovers]
    assert kinds.index("autoscaling-group") < kinds.index("instance") < kinds.index("volume") < kinds.index("vpc")
    assert {"launch-template", "security-group", "route-table", "internet-gateway", "subnet", "role",
            "instance-profile"} <= set(kinds)
    assert all(leftover.kind != "other" for leftover in leftovers)
    by_id = {leftover.resource_id: leftover for leftover in leftovers}
    assert by_id[made["instance"]].action == "terminate the instance"

    results = remove_leftovers(session, REGION, CLUSTER)

    assert [r.error for r in results if not r.removed] == []
    assert tagged_resources(session, REGION, CLUSTER) == []
    assert boto3.client("ec2", region_name=REGION).describe_vpcs(
        Filters=[{"Name": "vpc-id", "Values": [made["vpc"]]}])["Vpcs"] == []


def test_a_leftover_aws_refuses_to_remove_is_reported_and_the_rest_still_go(moto):
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=tag_spec("vpc"))["Vpc"]["VpcId"]
    # An untagged subnet the user added keeps the VPC from being deleted.
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone=ZONE)
    volume = ec2.create_volume(AvailabilityZone=ZONE, Size=1, TagSpecifications=tag_spec("volume"))["VolumeId"]
    session = AwsSession(region=REGION)

    results = {r.leftover.resource_id: r for r in remove_leftovers(session, REGION, CLUSTER)}

    assert results[volume].removed
    assert not results[vpc].removed
    assert "remove it in the AWS console" in results[vpc].error and vpc in results[vpc].error
    assert [parse_leftover(arn).resource_id for arn in tagged_resources(session, REGION, CLUSTER)] == [vpc]


def test_an_unknown_resource_kind_is_named_with_its_arn_for_the_console():
    leftover = parse_leftover("arn:aws:elasticfilesystem:eu-west-2:123456789012:file-system/fs-1")
    assert leftover.kind == "other"
    assert leftover.action == "remove it in the AWS console"
    assert parse_leftover("arn:aws:iam::123456789012:role/team/lefty-node").resource_id == "lefty-node"
    assert parse_leftover("arn:aws:autoscaling:eu-west-2:1:autoScalingGroup:abc:autoScalingGroupName/lefty-gpu"
                          ).resource_id == "lefty-gpu"


def test_snapshots_cover_only_created_shared_volumes_and_are_not_tagged_as_the_cluster(moto, tmp_path):
    ec2 = boto3.client("ec2", region_name=REGION)
    # As the storage and head_node modules tag them: a shared volume <cluster>:<mount dir>, a root volume.
    created = ec2.create_volume(AvailabilityZone=ZONE, Size=3, TagSpecifications=[{"ResourceType": "volume", "Tags": [
        *cluster_tags(), {"Key": "Name", "Value": f"{CLUSTER}:/shared"}]}])["VolumeId"]
    ec2.create_volume(AvailabilityZone=ZONE, Size=40, TagSpecifications=[{"ResourceType": "volume", "Tags": [
        *cluster_tags(), {"Key": "Name", "Value": f"{CLUSTER}-head-root"}]}])
    # The user's own volume, even tagged and named as if clusterwiz made it, is never snapshotted as the cluster's.
    existing = ec2.create_volume(AvailabilityZone=ZONE, Size=4, TagSpecifications=[{"ResourceType": "volume", "Tags": [
        *cluster_tags(), {"Key": "Name", "Value": f"{CLUSTER}:/data"}]}])["VolumeId"]
    spec = ClusterSpec.model_validate({
        "name": CLUSTER, "region": REGION, "queues": [{"name": "compute", "instance_types": ["c5.large"]}],
        "shared_storage": [{"mount_dir": "/shared", "size_gib": 3}, {"mount_dir": "/data", "volume_id": existing}],
        "tags": {"project": "genomics"},
    })
    session = AwsSession(region=REGION)
    catalog = Catalog(session, cache_dir=tmp_path / "cache")
    assert snapshot_offer(cluster_status(session, catalog, spec)) == ["/shared (3 GiB)"]

    taken = snapshot_before_destroy(session, catalog, spec)

    assert [(s.volume_id, s.mount_dir, s.state) for s in taken] == [(created, "/shared", "completed")]
    kept = cluster_snapshots(session, REGION, CLUSTER)
    assert [s["SnapshotId"] for s in kept] == [taken[0].snapshot_id]
    tags = {tag["Key"]: tag["Value"] for tag in kept[0]["Tags"]}
    assert tags[SNAPSHOT_OF_TAG] == CLUSTER and tags["project"] == "genomics"
    assert "clusterwiz:cluster" not in tags
    assert all(":snapshot/" not in arn for arn in tagged_resources(session, REGION, CLUSTER))


def test_clusterwiz_leftovers_lists_each_with_its_action_and_removes_them_once_confirmed(moto, tmp_path):
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                 TagSpecifications=tag_spec("instance"))["Instances"][0]["InstanceId"]
    volume = ec2.create_volume(AvailabilityZone=ZONE, Size=1, TagSpecifications=tag_spec("volume"))["VolumeId"]
    home = tmp_path / "home"
    Registry(home).create(ClusterSpec.model_validate({
        "name": CLUSTER, "region": REGION, "queues": [{"name": "compute", "instance_types": ["c5.large"]}]}))

    listed = clusterwiz_json(home, "leftovers", CLUSTER)
    assert [(row["kind"], row["id"], row["action"]) for row in listed] == [
        ("instance", instance, "terminate the instance"),
        ("volume", volume, "detach and delete the volume (its data is lost)")]
    unconfirmed = clusterwiz(home, "leftovers", CLUSTER, "--remove", check=False)
    assert unconfirmed.returncode == 2 and "pass --yes" in unconfirmed.stderr

    removed = clusterwiz(home, "leftovers", CLUSTER, "--remove", "--yes")

    assert f"removed  instance {instance}" in removed.stdout and "Nothing tagged" in removed.stdout
    assert clusterwiz_json(home, "leftovers", CLUSTER) == []


def test_a_root_volume_gone_with_its_instance_is_removed_not_failed(moto):
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                 TagSpecifications=[*tag_spec("instance"), *tag_spec("volume")])["Instances"][0]
    [root] = [m["Ebs"]["VolumeId"] for m in ec2.describe_instances(InstanceIds=[instance["InstanceId"]])[
        "Reservations"][0]["Instances"][0]["BlockDeviceMappings"]]
    session = AwsSession(region=REGION)
    found = find_leftovers(session, REGION, CLUSTER)
    assert [(f.kind, f.resource_id) for f in found] == [("instance", instance["InstanceId"]), ("volume", root)]

    # The instance goes first and takes its root volume (DeleteOnTermination): AWS then says InvalidVolume.NotFound.
    results = remove_leftovers(session, REGION, CLUSTER, found)

    assert [(r.leftover.kind, r.removed, r.error) for r in results] == [("instance", True, None),
                                                                        ("volume", True, None)]
