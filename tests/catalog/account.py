"""A moto account laid out the way a real one is: several VPCs and subnets across AZs, volumes in the
wrong AZ or in use, public OS images of several owners and architectures, a key pair that was deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3

from clusterwiz.core.aws.images import CANONICAL_OWNER, DEBIAN_OWNER, ROCKY_OWNER

REGION = "eu-west-2"
ACCOUNT = "123456789012"
NOBLE = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-"
JAMMY = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-"


@dataclass
class Account:
    """Ids of what build_account created, for tests to point a spec at."""

    default_vpc: str = ""
    hpc_vpc: str = ""
    hpc_gateway: str = ""  # the hpc VPC's internet gateway: its main route table sends 0.0.0.0/0 there
    no_dns_vpc: str = ""
    subnet_a: str = ""  # hpc VPC, eu-west-2a, public IPs on launch (the hpc subnets route to the internet gateway)
    subnet_b: str = ""  # hpc VPC, eu-west-2b
    tiny_subnet: str = ""  # hpc VPC, eu-west-2c, a /28: 11 free addresses
    no_dns_subnet: str = ""
    volume_a: str = ""  # available, eu-west-2a
    volume_b: str = ""  # available, eu-west-2b
    volume_in_use: str = ""  # attached to an instance, eu-west-2a
    snapshot: str = ""  # 50 GiB
    key_rsa: str = "lab-rsa"
    key_ed25519: str = "lab-ed25519"
    deleted_key: str = "old-laptop"
    images: dict[str, str] = field(default_factory=dict)  # label -> ami id
    own_arm_image: str = ""


def add_image(ami_id: str, name: str, owner: str, architecture: str, created: str, public: bool = True,
              state: str = "available", root_device_type: str = "ebs", region: str = REGION) -> str:
    """Place an AMI in moto's EC2 backend: public ones owned by a publisher (Debian, Canonical, Rocky), or our own.

    No AWS API can create an image owned by someone else (and moto's RegisterImage ignores the
    architecture), so it is added where moto keeps its own public AMIs; the API then serves it like those.
    """
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.amis import Ami

    backend = ec2_backends[ACCOUNT][region]
    backend.amis[ami_id] = Ami(
        backend, ami_id, name=name, owner_id=owner, public=public,
        architecture=architecture, virtualization_type="hvm", root_device_type=root_device_type, state=state,
        root_device_name="/dev/sda1", creation_date=datetime.fromisoformat(created).replace(tzinfo=UTC),
    )
    return ami_id


def add_os_images(account: Account) -> None:
    """Public images as their publishers name them; older builds too, so 'newest' is really chosen."""
    rows = [
        ("ubuntu2404-x86-old", "ami-0a1b2c3d4e5f60001", NOBLE + "amd64-server-20260601",
         CANONICAL_OWNER, "x86_64", "2026-06-01T10:00:00"),
        ("ubuntu2404-x86", "ami-0a1b2c3d4e5f60002", NOBLE + "amd64-server-20261015",
         CANONICAL_OWNER, "x86_64", "2026-10-15T10:00:00"),
        ("ubuntu2404-arm", "ami-0a1b2c3d4e5f60003", NOBLE + "arm64-server-20261015",
         CANONICAL_OWNER, "arm64", "2026-10-15T10:00:00"),
        ("ubuntu2204-x86", "ami-0a1b2c3d4e5f60004", JAMMY + "amd64-server-20261001",
         CANONICAL_OWNER, "x86_64", "2026-10-01T10:00:00"),
        ("rocky9-x86-old", "ami-0a1b2c3d4e5f60005", "Rocky-9-EC2-Base-9.5-20241118.0.x86_64",
         ROCKY_OWNER, "x86_64", "2024-11-18T10:00:00"),
        ("rocky9-x86", "ami-0a1b2c3d4e5f60006", "Rocky-9-EC2-Base-9.6-20250531.0.x86_64",
         ROCKY_OWNER, "x86_64", "2025-05-31T10:00:00"),
        ("rocky9-arm", "ami-0a1b2c3d4e5f60007", "Rocky-9-EC2-Base-9.6-20250531.0.aarch64",
         ROCKY_OWNER, "arm64", "2025-05-31T10:00:00"),
        # Someone else's image with a Canonical-like name: must never be offered as Ubuntu.
        ("squatter", "ami-0a1b2c3d4e5f60008", NOBLE + "amd64-server-20991231",
         "999988887777", "x86_64", "2026-11-01T10:00:00"),
    ]
    for label, ami_id, name, owner, architecture, created in rows:
        account.images[label] = add_image(ami_id, name, owner, architecture, created)


def add_debian_images(account: Account) -> None:
    """Debian's images, added after the rest of the account: moto draws an id for each image's root snapshot, and
    the wizard's snapshot tests show the ids of what was made before (VPCs, subnets, volumes)."""
    rows = [
        ("debian13-x86-old", "ami-0a1b2c3d4e5f60010", "debian-13-amd64-20260601-2219", "x86_64", "2026-06-01T22:19:00"),
        ("debian13-x86", "ami-0a1b2c3d4e5f60011", "debian-13-amd64-20261012-2305", "x86_64", "2026-10-12T23:05:00"),
        ("debian13-arm", "ami-0a1b2c3d4e5f60012", "debian-13-arm64-20261012-2305", "arm64", "2026-10-12T23:05:00"),
    ]
    for label, ami_id, name, architecture, created in rows:
        account.images[label] = add_image(ami_id, name, DEBIAN_OWNER, architecture, created)


def build_account(region: str = REGION) -> Account:
    ec2 = boto3.client("ec2", region_name=region)
    account = Account()
    add_os_images(account)
    account.default_vpc = next(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])

    hpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "hpc"}]}])["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=hpc, EnableDnsHostnames={"Value": True})
    account.hpc_vpc = hpc
    account.subnet_a = _subnet(ec2, hpc, "10.20.1.0/24", f"{region}a", "hpc-a")
    ec2.modify_subnet_attribute(SubnetId=account.subnet_a, MapPublicIpOnLaunch={"Value": True})
    account.subnet_b = _subnet(ec2, hpc, "10.20.2.0/24", f"{region}b", "hpc-b")
    account.tiny_subnet = _subnet(ec2, hpc, "10.20.3.0/28", f"{region}c", "hpc-tiny")

    # A VPC made with the API's defaults: DNS hostnames off.
    account.no_dns_vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    account.no_dns_subnet = _subnet(ec2, account.no_dns_vpc, "10.30.1.0/24", f"{region}a", "legacy")

    account.volume_a = _volume(ec2, f"{region}a", 200, "gp3", "scratch-a")
    account.volume_b = _volume(ec2, f"{region}b", 100, "gp2", "data-b")
    account.volume_in_use = _volume(ec2, f"{region}a", 50, "gp3", "attached")
    instance = ec2.run_instances(ImageId=account.images["ubuntu2404-x86"], InstanceType="t3.micro", MinCount=1,
                                 MaxCount=1, SubnetId=account.subnet_a)["Instances"][0]["InstanceId"]
    ec2.attach_volume(VolumeId=account.volume_in_use, InstanceId=instance, Device="/dev/sdf")
    account.snapshot = ec2.create_snapshot(VolumeId=_volume(ec2, f"{region}a", 50, "gp3", "source"))["SnapshotId"]

    ec2.create_key_pair(KeyName=account.key_rsa, KeyType="rsa")
    ec2.create_key_pair(KeyName=account.key_ed25519, KeyType="ed25519")
    ec2.create_key_pair(KeyName=account.deleted_key, KeyType="rsa")
    ec2.delete_key_pair(KeyName=account.deleted_key)

    account.own_arm_image = add_image("ami-0f1e2d3c4b5a60009", "lab-graviton-build-2026-11", ACCOUNT, "arm64",
                                      "2026-11-02T09:00:00", public=False)
    add_debian_images(account)
    account.hpc_gateway = _internet_gateway(ec2, hpc)
    return account


def _internet_gateway(ec2, vpc_id: str) -> str:
    """An internet gateway and the main table's default route to it, as a public VPC has. Made last: the wizard's
    snapshot tests show the ids of what was made before, drawn from moto's seeded generator."""
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    return gateway


def _subnet(ec2, vpc_id: str, cidr: str, zone: str, name: str) -> str:
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=[
        {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}])["Subnet"]["SubnetId"]


def _volume(ec2, zone: str, size: int, volume_type: str, name: str) -> str:
    return ec2.create_volume(AvailabilityZone=zone, Size=size, VolumeType=volume_type, Encrypted=True,
                             TagSpecifications=[{"ResourceType": "volume",
                                                 "Tags": [{"Key": "Name", "Value": name}]}])["VolumeId"]


def set_snapshot_state(snapshot_id: str, state: str, region: str = REGION) -> None:
    """moto completes snapshots at once; a real one stays 'pending' for minutes."""
    from moto.ec2.models import ec2_backends

    ec2_backends[ACCOUNT][region].snapshots[snapshot_id].status = state
