"""What the sandbox's emulated account holds when it starts: laid out like a real, lived-in account.

The wizard and the pre-flight checks look things up exactly as they do on AWS, so the seed follows
the real publishers' conventions: Debian, Canonical, Amazon and Rocky images under their real owner ids
and naming schemes, the SSM public parameters AWS publishes for Debian, Ubuntu and Amazon Linux (Rocky
publishes none), a default VPC plus a second VPC with a private subnet, a key pair, and two volumes in
different availability zones (so the "volume is in another AZ" check can be seen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clusterwiz.core.aws.images import (
    AMAZON_OWNER,
    CANONICAL_OWNER,
    DEB_ARCHITECTURES,
    DEBIAN_OWNER,
    IMAGE_SOURCES,
    ROCKY_OWNER,
    newest,
)

SANDBOX_REGION = "eu-west-2"
SANDBOX_ACCOUNT = "123456789012"  # moto's account id: every emulated resource ARN carries it
KEY_PAIR_NAME = "workshop"
RESEARCH_VPC_NAME = "research"


@dataclass(frozen=True)
class SeedImage:
    ami_id: str
    os: str
    architecture: str
    name: str
    owner: str
    created: str  # ISO 8601, UTC
    description: str
    root_device_name: str = "/dev/sda1"

    def moto_definition(self) -> dict[str, Any]:
        """The image as one entry of a MOTO_AMIS_PATH file (moto then serves it in every region)."""
        return {
            "ami_id": self.ami_id, "name": self.name, "description": self.description, "owner_id": self.owner,
            "public": True, "virtualization_type": "hvm", "architecture": self.architecture,
            "state": "available", "creation_date": self.created, "hypervisor": "xen",
            "image_location": f"{self.owner}/{self.name}", "root_device_type": "ebs",
            "root_device_name": self.root_device_name, "sriov": "simple", "boot_mode": "uefi-preferred",
        }


def _debian(serial: int, build: str) -> list[SeedImage]:
    created = f"{build[:4]}-{build[4:6]}-{build[6:8]}T{build[9:11]}:{build[11:13]}:00.000Z"
    return [
        SeedImage(ami_id=f"ami-0d3b9e6a{serial:02d}{index}f1c7b4", os="debian13", architecture=architecture,
                  owner=DEBIAN_OWNER, created=created, root_device_name="/dev/xvda",
                  name=f"debian-13-{deb_arch}-{build}", description=f"Debian 13 ({build})")
        for index, (architecture, deb_arch) in enumerate(DEB_ARCHITECTURES.items())
    ]


def _ubuntu(serial: int, version: str, codename: str, image_dir: str, build: str) -> list[SeedImage]:
    created = f"{build[:4]}-{build[4:6]}-{build[6:8]}T09:30:00.000Z"
    return [
        SeedImage(ami_id=f"ami-0c7e1a9b{serial:02d}{index}d4f2e1", os=f"ubuntu{version.replace('.', '')}",
                  architecture=architecture, owner=CANONICAL_OWNER, created=created,
                  name=f"ubuntu/images/{image_dir}/ubuntu-{codename}-{version}-{deb_arch}-server-{build}",
                  description=f"Canonical, Ubuntu, {version}, {deb_arch} {codename} image")
        for index, (architecture, deb_arch) in enumerate(DEB_ARCHITECTURES.items())
    ]


def _al2023(release: str, created: str) -> list[SeedImage]:
    return [
        SeedImage(ami_id=f"ami-0a2f6e3c81{index}b95d7c", os="al2023", architecture=architecture,
                  owner=AMAZON_OWNER, created=created, root_device_name="/dev/xvda",
                  name=f"al2023-ami-{release}-kernel-6.1-{architecture}",
                  description=f"Amazon Linux 2023 AMI {release} {architecture} HVM kernel-6.1")
        for index, architecture in enumerate(("x86_64", "arm64"))
    ]


def _rocky(serial: int, release: str, build: str) -> list[SeedImage]:
    created = f"{build[:4]}-{build[4:6]}-{build[6:8]}T12:00:00.000Z"
    return [
        SeedImage(ami_id=f"ami-0e5d4b1f7{serial}{index}a3c86e", os="rocky9", architecture=architecture,
                  owner=ROCKY_OWNER, created=created,
                  name=f"Rocky-9-EC2-Base-{release}-{build}.0.{rpm_arch}",
                  description=f"Rocky Linux 9 ({release}) EC2 Base image, {rpm_arch}")
        for index, (architecture, rpm_arch) in enumerate((("x86_64", "x86_64"), ("arm64", "aarch64")))
    ]


# Two builds of the OSes clusterwiz boots, so "the current image" is really a choice of the newest.
SEED_IMAGES: tuple[SeedImage, ...] = (
    *_debian(1, "20260601-2219"),
    *_debian(2, "20261012-2305"),
    *_ubuntu(1, "24.04", "noble", "hvm-ssd-gp3", "20260612"),
    *_ubuntu(2, "24.04", "noble", "hvm-ssd-gp3", "20261015"),
    *_ubuntu(3, "22.04", "jammy", "hvm-ssd", "20261001"),
    *_al2023("2023.9.20261020.0", "2026-10-21T00:10:00.000Z"),
    *_rocky(1, "9.5", "20241118"),
    *_rocky(2, "9.6", "20250531"),
)


def moto_ami_definitions() -> list[dict[str, Any]]:
    return [image.moto_definition() for image in SEED_IMAGES]


def current_image(os_name: str, architecture: str) -> SeedImage:
    """The newest seeded image of an OS and architecture, as clusterwiz's catalog picks it."""
    candidates = [image for image in SEED_IMAGES if image.os == os_name and image.architecture == architecture]
    best = newest([{"CreationDate": image.created, "Name": image.name, "image": image} for image in candidates])
    if best is None:
        raise ValueError(f"no seeded image of {os_name} for {architecture}")
    return best["image"]


def public_parameters() -> dict[str, str]:
    """SSM public parameter name -> AMI id, for every OS whose publisher has them (names from core.aws.images)."""
    return {source.ssm_parameter: current_image(source.os, source.architecture).ami_id
            for source in IMAGE_SOURCES if source.ssm_parameter}


@dataclass(frozen=True)
class SeededAccount:
    """Ids of what seed_account created, for tests and for `clusterwiz sandbox status`."""

    default_vpc: str
    research_vpc: str
    public_subnet: str
    private_subnet: str
    key_pair: str
    volumes: dict[str, str]  # Name tag -> volume id


def seed_account(ec2: Any, region: str = SANDBOX_REGION) -> SeededAccount:
    """Create the account's own resources in `ec2`, moto's EC2 backend of `region` (in the emulator's process).

    Directly in the backend rather than through the API: no client to build and no requests to serialise,
    which is a third of the sandbox's start.
    """
    vpc = ec2.create_vpc(cidr_block="10.50.0.0/16").id
    ec2.modify_vpc_attribute(vpc, "enable_dns_hostnames", True)
    public = ec2.create_subnet(vpc_id=vpc, cidr_block="10.50.1.0/24", availability_zone=f"{region}a").id
    ec2.modify_subnet_attribute(public, "map_public_ip_on_launch", True)
    private = ec2.create_subnet(vpc_id=vpc, cidr_block="10.50.2.0/24", availability_zone=f"{region}b").id
    gateway = ec2.create_internet_gateway().id
    ec2.attach_internet_gateway(gateway, vpc)
    route_table = ec2.create_route_table(vpc).id
    ec2.create_route(route_table, "0.0.0.0/0", gateway_id=gateway)
    ec2.associate_route_table(route_table, subnet_id=public)

    # AWS gives every default VPC an internet gateway routed from its main table; moto's has none, and pre-flight
    # would refuse its subnets as having no way to the internet.
    default_vpc = ec2.get_default_vpc().id
    default_gateway = ec2.create_internet_gateway().id
    ec2.attach_internet_gateway(default_gateway, default_vpc)
    main_table = next(table.id for table in ec2.describe_route_tables(filters={"vpc-id": [default_vpc]})
                      if table.main_association_id)
    ec2.create_route(main_table, "0.0.0.0/0", gateway_id=default_gateway)

    ec2.create_key_pair(KEY_PAIR_NAME, "ed25519", tags={})  # its private key is discarded: nodes are emulated

    volumes = {name: ec2.create_volume(size=size, zone_name=zone, encrypted=True, volume_type="gp3").id
               for name, zone, size in (("datasets", f"{region}a", 100), ("results", f"{region}b", 50))}
    names = {vpc: RESEARCH_VPC_NAME, public: "research-public", private: "research-private",
             gateway: RESEARCH_VPC_NAME, route_table: "research-public",
             **{volume: name for name, volume in volumes.items()}}
    for resource, name in names.items():
        ec2.create_tags([resource], {"Name": name})
    return SeededAccount(default_vpc=default_vpc, research_vpc=vpc, public_subnet=public,
                         private_subnet=private, key_pair=KEY_PAIR_NAME, volumes=volumes)
