"""`clusterwiz sweep` against moto: clusters in two regions, made the way clusterwiz tags them, found with their $/h
from any machine, and removed without touching anything of the user's."""

from __future__ import annotations

import json
import os
import pty
import subprocess

import boto3
import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.cost import PUBLIC_IPV4_USD_PER_HOUR, volume_per_hour
from clusterwiz.core.lifecycle import Workspace
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.sweep import sweep
from clusterwiz.core.teardown import parse_leftover
from tests.support.cli import clusterwiz, clusterwiz_command, clusterwiz_json

pytestmark = pytest.mark.moto

HERE, THERE = "eu-west-2", "us-east-1"
ASSUME_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def tags(cluster: str, **extra: str) -> list[dict[str, str]]:
    return [{"Key": "clusterwiz:cluster", "Value": cluster}, *({"Key": k, "Value": v} for k, v in extra.items())]


def tag_spec(resource_type: str, cluster: str, **extra: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": tags(cluster, **extra)}]


def make_cluster(cluster: str, region: str, cidr: str = "10.0.0.0/16") -> dict[str, str]:
    """What an apply makes, tagged as the modules tag it: network, security group, head node with a shared
    volume, a queue's launch template and group (one node running), the head node's IAM role and profile."""
    zone = f"{region}a"
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=tag_spec("vpc", cluster))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("0.0/16", "1.0/24"), AvailabilityZone=zone,
                               TagSpecifications=tag_spec("subnet", cluster))["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"{cluster}-head", Description="head", VpcId=vpc,
                                      TagSpecifications=tag_spec("security-group", cluster))["GroupId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    head = ec2.run_instances(ImageId=image, InstanceType="t3.medium", MinCount=1, MaxCount=1, SubnetId=subnet,
                             SecurityGroupIds=[group], TagSpecifications=tag_spec(
                                 "instance", cluster, **{"clusterwiz:role": "head"}))["Instances"][0]["InstanceId"]
    shared = ec2.create_volume(AvailabilityZone=zone, Size=100, VolumeType="gp3",
                               TagSpecifications=tag_spec("volume", cluster, Name=f"{cluster}:/shared"))["VolumeId"]
    ec2.attach_volume(VolumeId=shared, InstanceId=head, Device="/dev/sdf")
    template = ec2.create_launch_template(
        LaunchTemplateName=f"{cluster}-compute", LaunchTemplateData={"ImageId": image, "InstanceType": "c5.large"},
        TagSpecifications=tag_spec("launch-template", cluster))["LaunchTemplate"]["LaunchTemplateId"]
    boto3.client("autoscaling", region_name=region).create_auto_scaling_group(
        AutoScalingGroupName=f"{cluster}-compute", MinSize=0, MaxSize=2, DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateId": template}, VPCZoneIdentifier=subnet,
        Tags=[{"Key": "clusterwiz:cluster", "Value": cluster, "PropagateAtLaunch": True}])
    iam = boto3.client("iam")
    role = f"{cluster}-head-{region}"  # the module's name_prefix gives each region's role a name of its own
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=ASSUME_EC2, Tags=tags(cluster))
    iam.create_instance_profile(InstanceProfileName=role, Tags=tags(cluster))
    iam.add_role_to_instance_profile(InstanceProfileName=role, RoleName=role)
    return {"head": head, "shared": shared, "vpc": vpc}


def make_users_own(region: str, attach_to: str | None = None) -> dict[str, str]:
    """An instance and a volume of the user's, untagged; the volume attached to a cluster's head node, as a
    spec's existing volume is."""
    ec2 = boto3.client("ec2", region_name=region)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1)["Instances"][0]
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8)["VolumeId"]
    if attach_to:
        ec2.attach_volume(VolumeId=volume, InstanceId=attach_to, Device="/dev/sdg")
    return {"instance": instance["InstanceId"], "volume": volume}


def register(home, name: str, region: str) -> None:
    Registry(home).create(ClusterSpec.from_yaml(f"name: {name}\nregion: {region}\nos: debian13\nqueues:\n"
                                                "  - name: compute\n    instance_types: [c5.large]\n"))


def expected_per_hour(cluster: str, region: str) -> float:
    """The $/h of what is tagged with the cluster, priced from the catalog independently of the sweep."""
    session, ec2 = AwsSession(region=region), boto3.client("ec2", region_name=region)
    catalog = Catalog(session)
    instances = [i for r in ec2.describe_instances(Filters=[
        {"Name": "tag:clusterwiz:cluster", "Values": [cluster]},
        {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"] for i in r["Instances"]]
    volumes = ec2.describe_volumes(Filters=[{"Name": "tag:clusterwiz:cluster", "Values": [cluster]}])["Volumes"]
    assert len(instances) == 2 and volumes  # the head node and the group's node; the shared volume at least
    total = sum(catalog.price_per_hour(region, i["InstanceType"]).usd + (
        PUBLIC_IPV4_USD_PER_HOUR if i.get("PublicIpAddress") else 0.0) for i in instances)
    total += sum(volume_per_hour(v["Size"] * catalog.ebs_price_per_gb_month(region, v["VolumeType"]).usd)
                 for v in volumes)
    return round(total, 6)


def test_clusters_of_two_regions_are_found_with_their_cost_and_the_unknown_one_is_marked(moto, tmp_path):
    home = tmp_path / "home"
    make_cluster("alpha", HERE)
    make_cluster("beta", THERE)
    register(home, "alpha", HERE)

    found = clusterwiz_json(home, "sweep")

    clusters = {(c["name"], c["region"]): c for c in found["clusters"]}
    assert set(clusters) == {("alpha", HERE), ("beta", THERE)}
    assert clusters["alpha", HERE]["known"] and not clusters["beta", THERE]["known"]
    for (name, region), cluster in clusters.items():
        assert cluster["per_hour"] == pytest.approx(expected_per_hour(name, region))
        kinds = {resource["kind"] for resource in cluster["resources"]}
        assert {"autoscaling-group", "instance", "volume", "launch-template", "security-group", "subnet", "vpc",
                "role", "instance-profile"} <= kinds
    assert found["per_hour"] == pytest.approx(sum(c["per_hour"] for c in clusters.values()))
    assert HERE in found["regions"] and THERE in found["regions"] and found["failures"] == []

    table = clusterwiz(home, "sweep").stdout
    beta_row = next(line for line in table.splitlines() if "beta" in line and THERE in line)
    assert " no " in beta_row and f"{clusters['beta', THERE]['per_hour']:.3f}" in beta_row
    assert "clusterwiz sweep --remove beta" in table  # the example names the cluster this machine does not know
    # --region looks there only.
    assert [c["name"] for c in clusterwiz_json(home, "sweep", "--region", THERE)["clusters"]] == ["beta"]


def test_removing_an_unknown_cluster_leaves_nothing_tagged_and_nothing_of_the_users_is_touched(moto, tmp_path):
    home = tmp_path / "home"
    make_cluster("alpha", HERE)
    beta = make_cluster("beta", THERE)
    own_here, own_there = make_users_own(HERE), make_users_own(THERE, attach_to=beta["head"])
    alpha_before = tagged_resources(AwsSession(region=HERE), HERE, "alpha")

    result = clusterwiz(home, "sweep", "--remove", "beta", "--yes")

    assert "Nothing tagged with beta is left in us-east-1" in result.stdout
    session = AwsSession(region=THERE)
    assert tagged_resources(session, THERE, "beta") == []
    assert tagged_resources(session, HERE, "alpha") == alpha_before  # another cluster: untouched
    for region, own in ((HERE, own_here), (THERE, own_there)):
        ec2 = boto3.client("ec2", region_name=region)
        instance = ec2.describe_instances(InstanceIds=[own["instance"]])["Reservations"][0]["Instances"][0]
        assert instance["State"]["Name"] == "running"
        assert ec2.describe_volumes(VolumeIds=[own["volume"]])["Volumes"][0]["State"] in ("available", "in-use")
    assert [c["name"] for c in clusterwiz_json(home, "sweep")["clusters"]] == ["alpha"]


def test_a_cluster_whose_terraform_state_holds_resources_is_left_to_destroy(moto, tmp_path):
    home = tmp_path / "home"
    made = make_cluster("alpha", HERE)
    register(home, "alpha", HERE)
    state = Registry(home).get("alpha").state_file
    state.write_text(json.dumps({"version": 4, "resources": [{"mode": "managed", "type": "aws_vpc", "name": "this",
                                                             "instances": [{"attributes": {"id": made["vpc"]}}]}]}))

    refused = clusterwiz(home, "sweep", "--remove", "alpha", "--yes", check=False)

    assert refused.returncode == 2 and "clusterwiz destroy alpha" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert len(tagged_resources(AwsSession(region=HERE), HERE, "alpha")) > 5
    assert "yes, Terraform manages it" in clusterwiz(home, "sweep").stdout


def test_removal_asks_for_the_name_typed_and_a_script_must_say_yes(moto, tmp_path):
    home = tmp_path / "home"
    make_cluster("alpha", HERE)
    register(home, "alpha", HERE)  # this machine's, destroyed already: its state holds nothing

    without_terminal = clusterwiz(home, "sweep", "--remove", "alpha", check=False)
    assert without_terminal.returncode == 2 and "pass --yes" in without_terminal.stderr
    wrong = typed_at_a_terminal(home, "alph\n", "sweep", "--remove", "alpha")
    assert wrong.returncode == 2 and "nothing was changed" in wrong.stderr
    assert len(tagged_resources(AwsSession(region=HERE), HERE, "alpha")) > 5

    right = typed_at_a_terminal(home, "alpha\n", "sweep", "--remove", "alpha")

    assert right.returncode == 0, right.stderr
    assert "Type alpha to confirm" in right.stderr and "terminate the instance" in right.stdout
    assert "clusterwiz destroy alpha` forgets it" in right.stdout
    assert tagged_resources(AwsSession(region=HERE), HERE, "alpha") == []


def typed_at_a_terminal(home, typed: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run clusterwiz with a real terminal as its stdin, and type `typed` into it."""
    argv, environment = clusterwiz_command(home, *args)
    controller, terminal = pty.openpty()
    try:
        os.write(controller, typed.encode())
        return subprocess.run(argv, env=environment, stdin=terminal, capture_output=True, text=True, timeout=300,
                              check=False)
    finally:
        os.close(controller)
        os.close(terminal)


def test_a_name_in_two_regions_is_removed_from_the_one_chosen_and_keeps_the_iam_both_may_use(moto, tmp_path):
    home = tmp_path / "home"
    make_cluster("gamma", HERE)
    make_cluster("gamma", THERE)

    ambiguous = clusterwiz(home, "sweep", "--remove", "gamma", "--yes", check=False)
    assert ambiguous.returncode == 2 and "clusterwiz sweep --remove gamma --region" in ambiguous.stderr
    missing = clusterwiz(home, "sweep", "--remove", "delta", "--yes", check=False)
    assert missing.returncode == 2 and "nothing tagged clusterwiz:cluster=delta was found" in missing.stderr

    removal = clusterwiz_json(home, "sweep", "--remove", "gamma", "--region", THERE, "--yes")

    assert removal["left"] == [] and "also has resources in eu-west-2" in removal["kept_because"]
    assert {kept["kind"] for kept in removal["kept"]} == {"role", "instance-profile"}
    left_there = tagged_resources(AwsSession(region=THERE), THERE, "gamma")
    assert left_there and all(":iam::" in arn for arn in left_there)
    here = tagged_resources(AwsSession(region=HERE), HERE, "gamma")
    assert {parse_leftover(arn).kind for arn in here} >= {"instance", "volume", "autoscaling-group", "vpc"}


def test_a_region_that_cannot_be_looked_in_is_reported_and_the_others_are_still_swept(moto, tmp_path):
    make_cluster("alpha", HERE)
    settings = Settings(home=tmp_path / "home")
    session = AwsSession(region=HERE, max_attempts=1)
    workspace = Workspace(settings=settings, registry=Registry(settings.home), session=session,
                          catalog=Catalog(session))

    # moto serves no region of this name, as AWS answers none that is not enabled for the account.
    found = sweep(workspace, regions=[HERE, "xx-void-1"])

    assert [(c.name, c.region) for c in found.clusters] == [("alpha", HERE)]
    assert [failure.region for failure in found.failures] == ["xx-void-1"]
    assert "xx-void-1" in found.failures[0].error
