"""The sandbox's account looks like a real one to every lookup clusterwiz makes."""

from __future__ import annotations

import os

import boto3
import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.images import AMAZON_OWNER, CANONICAL_OWNER, DEBIAN_OWNER, ROCKY_OWNER, os_family_of
from clusterwiz.core.lifecycle import Workspace, preflight
from clusterwiz.core.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY, sandbox_session
from clusterwiz.core.sandbox_seed import KEY_PAIR_NAME, SANDBOX_REGION, current_image
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from tests.sandbox.specs import sandbox_cluster_yaml

pytestmark = pytest.mark.moto

REGION = SANDBOX_REGION
SUPPORTED = [(os_name, arch) for os_name in ("debian13", "ubuntu2404", "ubuntu2204", "al2023", "rocky9")
             for arch in ("x86_64", "arm64")]


@pytest.fixture(scope="module")
def catalog(seeded, tmp_path_factory):
    catalog = Catalog(sandbox_session(seeded, None), cache_dir=tmp_path_factory.mktemp("cache"))
    yield catalog
    catalog.close()


def test_every_supported_os_has_a_current_image_for_both_architectures(catalog):
    found = {(image.os, image.architecture): image for image in catalog.os_images(REGION)}
    assert sorted(found) == sorted(SUPPORTED)
    for (os_name, arch), image in found.items():
        assert image.ami_id == current_image(os_name, arch).ami_id
        assert os_family_of(image.name) == os_name
        # Where AWS publishes SSM parameters the catalog finds the image there; Rocky is searched by owner.
        assert image.source == ("search" if os_name == "rocky9" else "ssm")
    assert found["ubuntu2404", "x86_64"].name.endswith("-20261015")  # the newer of two builds
    assert found["debian13", "arm64"].name == "debian-13-arm64-20261012-2305"


def test_images_belong_to_their_real_publishers(seeded):
    ec2 = sandbox_session(seeded, None).client("ec2")
    for owner, family in ((DEBIAN_OWNER, "debian13"), (CANONICAL_OWNER, "ubuntu"), (AMAZON_OWNER, "al2023"),
                          (ROCKY_OWNER, "rocky9")):
        images = ec2.describe_images(Owners=[owner])["Images"]
        assert images and all(os_family_of(image["Name"]).startswith(family) for image in images)
        assert {image["Architecture"] for image in images} == {"x86_64", "arm64"}


def test_network_has_a_default_vpc_and_a_second_one_with_a_private_subnet(catalog, seeded):
    vpcs = catalog.vpcs(REGION)
    default = next(vpc for vpc in vpcs if vpc.is_default)
    zones = {zone.name for zone in catalog.availability_zones(REGION)}
    assert {subnet.availability_zone for subnet in catalog.subnets(REGION, default.vpc_id)} == zones

    research = next(vpc for vpc in vpcs if vpc.name == "research")
    assert research.vpc_id == seeded.seed["research_vpc"] and research.dns_hostnames
    subnets = {subnet.name: subnet for subnet in catalog.subnets(REGION, research.vpc_id)}
    assert subnets["research-public"].public_ip_on_launch
    assert not subnets["research-private"].public_ip_on_launch
    assert subnets["research-public"].availability_zone != subnets["research-private"].availability_zone


def test_a_key_pair_and_two_volumes_in_different_zones_exist(catalog):
    assert [key.name for key in catalog.key_pairs(REGION)] == [KEY_PAIR_NAME]
    volumes = {volume.name: volume for volume in catalog.volumes(REGION)}
    assert set(volumes) == {"datasets", "results"}
    assert all(volume.state == "available" and volume.encrypted for volume in volumes.values())
    assert volumes["datasets"].availability_zone != volumes["results"].availability_zone


def test_the_wizard_defaults_are_offered_and_priced(catalog):
    offered = catalog.offerings(REGION)
    for instance_type in ("t3.medium", "c6i.xlarge", "t4g.medium", "c7g.xlarge"):
        assert offered[instance_type], instance_type
        price = catalog.price_per_hour(REGION, instance_type)
        assert price.usd and price.source == "snapshot"  # the emulator has no Pricing API
    assert catalog.ebs_price_per_gb_month(REGION, "gp3").usd


def test_the_zone_checks_can_be_seen_with_the_seeded_volumes(seeded_home, seeded):
    volumes = seeded.seed["volumes"]
    spec = ClusterSpec.from_yaml(sandbox_cluster_yaml("zones", shared_storage=(
        f"[{{mount_dir: /datasets, volume_id: {volumes['datasets']}}}, "
        f"{{mount_dir: /results, volume_id: {volumes['results']}}}]")))
    workspace = Workspace.open(Settings(home=seeded_home, sandbox=True))
    try:
        codes = {finding.code for finding in preflight(workspace, spec)}
    finally:
        workspace.catalog.close()
    assert "VOLUMES_SPLIT" in codes


def test_clusterwiz_calls_use_throwaway_credentials_and_leave_the_environment_alone(seeded_home, seeded,
                                                                                    monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALACCOUNTKEY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://ec2.example.invalid")
    before = dict(os.environ)

    workspace = Workspace.open(Settings(home=seeded_home, sandbox=True))
    workspace.catalog.close()

    assert dict(os.environ) == before
    credentials = workspace.session.boto_session.get_credentials()
    assert (credentials.access_key, credentials.secret_key) == (ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    assert workspace.session.endpoint_url == seeded.endpoint_url and workspace.session.is_emulated
    env = workspace.terraform_environment()
    assert env["AWS_ENDPOINT_URL"] == seeded.endpoint_url
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    assert "real-secret" not in env.values() and "AWS_PROFILE" not in env
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull


def test_real_aws_endpoint_is_untouched_without_sandbox(seeded_home, monkeypatch):
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    workspace = Workspace.open(Settings(home=seeded_home))
    workspace.catalog.close()
    assert workspace.emulator is None and not workspace.session.is_emulated
    assert "AWS_ENDPOINT_URL" not in workspace.terraform_environment()
    assert isinstance(workspace.session.boto_session, boto3.Session)
