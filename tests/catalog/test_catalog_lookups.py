"""Catalog lookups against moto's server holding a realistic account."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.quotas import UNKNOWN_QUOTAS
from clusterwiz.core.aws.session import AwsSession
from tests.catalog.account import ACCOUNT, REGION, Account


def test_identity_regions_and_zones(catalog: Catalog, account: Account) -> None:
    assert catalog.caller_identity().account == ACCOUNT
    regions = catalog.regions()
    enabled = [r.enabled for r in regions]
    assert enabled == sorted(enabled, reverse=True), "enabled regions come first"
    assert any(r.name == REGION and r.enabled for r in regions)
    assert any(not r.enabled and r.opt_in_status == "not-opted-in" for r in regions)
    assert [z.name for z in catalog.availability_zones(REGION)] == [f"{REGION}a", f"{REGION}b", f"{REGION}c"]


def test_vpcs_report_names_and_dns_flags(catalog: Catalog, account: Account) -> None:
    vpcs = {v.vpc_id: v for v in catalog.vpcs(REGION)}
    assert catalog.vpcs(REGION)[0].is_default
    assert vpcs[account.hpc_vpc].name == "hpc" and vpcs[account.hpc_vpc].dns_hostnames
    assert vpcs[account.no_dns_vpc].dns_support and not vpcs[account.no_dns_vpc].dns_hostnames


def test_subnets_of_one_vpc_with_zone_and_free_addresses(catalog: Catalog, account: Account) -> None:
    subnets = {s.subnet_id: s for s in catalog.subnets(REGION, account.hpc_vpc)}
    assert set(subnets) == {account.subnet_a, account.subnet_b, account.tiny_subnet}
    assert subnets[account.subnet_a].public_ip_on_launch and subnets[account.subnet_a].name == "hpc-a"
    assert subnets[account.tiny_subnet].availability_zone == f"{REGION}c"
    assert subnets[account.tiny_subnet].free_ips == 11
    assert catalog.subnets(REGION, account.no_dns_vpc)[0].subnet_id == account.no_dns_subnet


def test_os_images_pick_the_newest_build_of_the_real_publisher(catalog: Catalog, account: Account) -> None:
    images = {(i.os, i.architecture): i for i in catalog.os_images(REGION)}
    assert images[("debian13", "x86_64")].ami_id == account.images["debian13-x86"]  # not the older build
    assert images[("debian13", "arm64")].ami_id == account.images["debian13-arm"]
    assert images[("ubuntu2404", "x86_64")].ami_id == account.images["ubuntu2404-x86"]  # not the squatter
    assert images[("ubuntu2404", "arm64")].ami_id == account.images["ubuntu2404-arm"]
    assert images[("ubuntu2204", "x86_64")].ami_id == account.images["ubuntu2204-x86"]
    assert images[("rocky9", "x86_64")].ami_id == account.images["rocky9-x86"]
    assert images[("rocky9", "arm64")].source == "search"
    # moto holds none of Debian's SSM parameters (AWS does): its images are found by owner and name.
    assert images[("debian13", "x86_64")].source == "search"
    # moto publishes Amazon Linux's SSM parameters, as AWS does.
    assert images[("al2023", "x86_64")].source == "ssm"
    assert images[("al2023", "arm64")].name.endswith("arm64")


def test_image_check_and_own_images(catalog: Catalog, account: Account) -> None:
    own = catalog.image(REGION, account.own_arm_image)
    assert own is not None and own.architecture == "arm64" and own.os_family is None
    rocky = catalog.image(REGION, account.images["rocky9-arm"])
    assert rocky is not None and rocky.os_family == "rocky9" and rocky.root_device_type == "ebs"
    debian = catalog.image(REGION, account.images["debian13-arm"])
    assert debian is not None and debian.os_family == "debian13" and debian.architecture == "arm64"
    assert catalog.image(REGION, "ami-0000000000000dead") is None
    assert [i.ami_id for i in catalog.own_images(REGION)] == [account.own_arm_image]


def test_instance_types_filtered_by_zone_and_architecture(catalog: Catalog) -> None:
    everything = catalog.instance_types(REGION)
    assert len(everything) > 300
    c6i = catalog.instance_type(REGION, "c6i.xlarge")
    assert c6i is not None and (c6i.vcpus, c6i.memory_mib, c6i.architecture) == (4, 8192, "x86_64")
    assert c6i.spot_supported and c6i.current_generation
    arm_in_c = catalog.instance_types(REGION, availability_zone=f"{REGION}c", architecture="arm64")
    offered = catalog.offerings(REGION)
    assert arm_in_c and all("arm64" in t.architectures and f"{REGION}c" in offered[t.name] for t in arm_in_c)
    assert any(t.gpus for t in everything)
    assert [t.vcpus for t in arm_in_c] == sorted(t.vcpus for t in arm_in_c)


def test_key_pairs_volumes_and_snapshots(catalog: Catalog, account: Account) -> None:
    pairs = {k.name: k.key_type for k in catalog.key_pairs(REGION)}
    assert pairs == {account.key_rsa: "rsa", account.key_ed25519: "ed25519"}  # the deleted one is gone
    volumes = {v.volume_id: v for v in catalog.volumes(REGION)}
    assert volumes[account.volume_b].availability_zone == f"{REGION}b"
    assert volumes[account.volume_in_use].state == "in-use"
    assert volumes[account.volume_a].name == "scratch-a" and volumes[account.volume_a].encrypted
    assert catalog.volumes(REGION)[0].state == "available", "available volumes are listed first"
    snapshot = catalog.snapshot(REGION, account.snapshot)
    assert snapshot is not None and snapshot.size_gib == 50
    assert catalog.snapshot(REGION, "snap-0123456789abcdef0") is None


def test_emulator_has_no_quota_or_pricing_api(catalog: Catalog, account: Account) -> None:
    quotas = catalog.vcpu_quotas(REGION)
    assert quotas == UNKNOWN_QUOTAS
    price = catalog.price_per_hour(REGION, "c6i.xlarge")
    assert price.source == "snapshot" and price.is_estimate and price.usd and price.usd > 0.17


def test_tagged_resources_ignore_terminated_instances(catalog: Catalog, account: Account) -> None:
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION)
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "clusterwiz:cluster", "Value": "gone"}]}]
    instance = ec2.run_instances(ImageId=account.images["ubuntu2404-x86"], MinCount=1, MaxCount=1,
                                 TagSpecifications=tags)["Instances"][0]["InstanceId"]
    ec2.terminate_instances(InstanceIds=[instance])
    assert catalog.tagged_resources(REGION, "gone") == []
    ec2.create_tags(Resources=[account.volume_a], Tags=[{"Key": "clusterwiz:cluster", "Value": "live"}])
    assert [r.resource_id for r in catalog.tagged_resources(REGION, "live")] == [account.volume_a]


def _tag(name: str) -> list[dict[str, str]]:
    return [{"Key": "clusterwiz:cluster", "Value": name}]


def test_name_check_finds_what_a_cluster_leaves_in_each_api(catalog: Catalog, account: Account) -> None:
    import boto3

    from clusterwiz.core.aws.inventory import tagged_resources

    ec2 = boto3.client("ec2", region_name=REGION)
    # A queue's launch template and its auto scaling group, named and tagged as the compute_fleet module makes
    # them, left without anything else (moto's tagging API sees neither).
    template = ec2.create_launch_template(LaunchTemplateName="leftover-compute", LaunchTemplateData={
        "ImageId": account.images["ubuntu2404-x86"]}, TagSpecifications=[
        {"ResourceType": "launch-template", "Tags": _tag("leftover")}])["LaunchTemplate"]["LaunchTemplateId"]
    boto3.client("autoscaling", region_name=REGION).create_auto_scaling_group(
        AutoScalingGroupName="leftover-compute", MinSize=0, MaxSize=1, VPCZoneIdentifier=account.subnet_a,
        LaunchTemplate={"LaunchTemplateName": "leftover-compute"},
        Tags=[{"Key": "clusterwiz:cluster", "Value": "leftover", "PropagateAtLaunch": True}])
    # A live cluster of another region shows here only in IAM (global): its instance profile and role.
    iam = boto3.client("iam")
    iam.create_role(RoleName="elsewhere-head-0001", AssumeRolePolicyDocument="{}", Tags=_tag("elsewhere"))
    iam.create_instance_profile(InstanceProfileName="elsewhere-head-0002", Tags=_tag("elsewhere"))
    iam.add_role_to_instance_profile(InstanceProfileName="elsewhere-head-0002", RoleName="elsewhere-head-0001")
    # A look-alike name that starts the same is another cluster's.
    iam.create_instance_profile(InstanceProfileName="elsewhere2-head-0003", Tags=_tag("elsewhere2"))

    def found(name: str) -> list[tuple[str, str]]:
        return [(r.resource_type, r.resource_id) for r in catalog.tagged_resources(REGION, name)]

    # The group's name is taken through its launch template; the leftover sweep lists the group itself too.
    assert found("leftover") == [("launch-template", template)]
    assert any(":autoScalingGroup:" in arn and arn.endswith("/leftover-compute")
               for arn in tagged_resources(catalog.session, REGION, "leftover"))
    assert found("elsewhere") == [("instance-profile", "elsewhere-head-0002"), ("role", "elsewhere-head-0001")]
    assert found("free") == []


def test_name_check_takes_two_calls_when_the_name_is_free(catalog: Catalog, account: Account) -> None:
    sent: list[str] = []
    catalog.session.boto_session.events.register("before-send", lambda request, **_: sent.append(request.url))
    assert catalog.tagged_resources(REGION, "free") == []
    assert len(sent) == 2, sent


def test_prefetch_runs_lookups_once_and_caches_them(catalog: Catalog, account: Account) -> None:
    calls: list[str] = []
    catalog.session.boto_session.events.register("before-send.ec2.*", lambda request, **_: calls.append(
        request.body.decode() if isinstance(request.body, bytes) else str(request.body)))
    futures = catalog.prefetch_region(REGION)
    for future in futures.values():
        future.result(timeout=30)
    before = len(calls)
    catalog.vpc_summaries(REGION), catalog.key_pairs(REGION), catalog.volumes(REGION), catalog.os_images(REGION)
    assert len(calls) == before, "prefetched lookups are answered from memory"
    assert sum("Action=DescribeVpcs" in body for body in calls) == 1


def test_disk_cache_serves_instance_types_to_a_new_session(moto: str, tmp_path: Path) -> None:
    first = Catalog(AwsSession(region=REGION), cache_dir=tmp_path)
    assert first.instance_type(REGION, "t3.medium") is not None
    first.offerings(REGION)
    first.close()
    second = Catalog(AwsSession(region=REGION), cache_dir=tmp_path)
    sent: list[object] = []
    second.session.boto_session.events.register("before-send", lambda request, **_: sent.append(request))
    assert second.instance_type(REGION, "t3.medium").vcpus == 2
    assert f"{REGION}a" in second.offerings(REGION)["t3.medium"]
    assert sent == []
    second.close()


def test_lookup_errors_are_not_cached(moto: str, tmp_path: Path) -> None:
    from clusterwiz.core.errors import AwsError

    catalog = Catalog(AwsSession(region=REGION, endpoint_url="http://127.0.0.1:9", max_attempts=1,
                                 connect_timeout=0.5), cache_dir=None)
    with pytest.raises(AwsError, match="cannot reach"):
        catalog.key_pairs(REGION)
    catalog.session.endpoint_url = moto
    catalog.session._clients.clear()
    assert catalog.key_pairs(REGION) == []
    catalog.close()


def test_tiny_thread_pools_do_not_deadlock(moto: str, account: Account) -> None:
    # Leaf calls never wait on other leaf calls, so even one worker per pool finishes every lookup.
    catalog = Catalog(AwsSession(region=REGION), cache_dir=None, max_workers=1)
    futures = catalog.prefetch_region(REGION, cluster_name="demo")
    assert all(future.result(timeout=60) is not None for future in futures.values())
    assert len(catalog.vpcs(REGION)) == 3 and catalog.vpc(REGION, account.hpc_vpc).dns_hostnames
    catalog.close()
