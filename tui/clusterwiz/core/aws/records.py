"""Typed, immutable records of what the AWS catalog finds; the wizard, validate and cost read these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

PriceSource = Literal["pricing-api", "snapshot"]


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    user_id: str


@dataclass(frozen=True)
class Region:
    name: str
    opt_in_status: str  # opt-in-not-required | opted-in | not-opted-in
    enabled: bool


@dataclass(frozen=True)
class AvailabilityZone:
    name: str
    zone_id: str
    state: str


@dataclass(frozen=True)
class VpcSummary:
    """A VPC as a list shows it: its DNS flags cost two calls each, asked only for the chosen one (Vpc)."""

    vpc_id: str
    name: str | None
    cidr: str
    is_default: bool


@dataclass(frozen=True)
class Vpc:
    vpc_id: str
    name: str | None
    cidr: str
    is_default: bool
    dns_support: bool
    dns_hostnames: bool


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    vpc_id: str
    availability_zone: str
    cidr: str
    free_ips: int
    public_ip_on_launch: bool
    name: str | None


@dataclass(frozen=True)
class OsImage:
    """The current public AMI of a supported OS for one architecture."""

    os: str
    architecture: str
    ami_id: str
    name: str
    source: Literal["ssm", "search"]


@dataclass(frozen=True)
class Image:
    ami_id: str
    name: str
    architecture: str
    root_device_type: str
    state: str
    os_family: str | None  # one of spec.SUPPORTED_OS when the name tells, else None
    owner_id: str


@dataclass(frozen=True)
class InstanceTypeInfo:
    name: str
    vcpus: int
    memory_mib: int
    architectures: tuple[str, ...]
    gpus: int
    network_performance: str
    current_generation: bool
    free_tier_eligible: bool
    spot_supported: bool

    @property
    def architecture(self) -> str:
        """The AMI architecture this type boots (types listing i386 and x86_64 boot x86_64 images)."""
        return "arm64" if "arm64" in self.architectures else "x86_64"

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]


@dataclass(frozen=True)
class Price:
    usd: float | None  # None: neither the Pricing API nor the snapshot knows this item
    source: PriceSource
    as_of: str

    @property
    def is_estimate(self) -> bool:
        return self.source != "pricing-api"


@dataclass(frozen=True)
class KeyPair:
    name: str
    key_type: str  # rsa | ed25519
    key_pair_id: str


@dataclass(frozen=True)
class Volume:
    volume_id: str
    availability_zone: str
    size_gib: int
    volume_type: str
    state: str  # available | in-use | creating | deleting | error
    name: str | None
    encrypted: bool


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    size_gib: int
    state: str
    encrypted: bool


@dataclass(frozen=True)
class VcpuQuotas:
    """Running-instance vCPU limits by Service Quotas code (quotas.py says which code counts which family)."""

    limits: Mapping[str, int]

    def limit(self, code: str) -> int | None:
        """None where Service Quotas did not answer for that code."""
        return self.limits.get(code)


@dataclass(frozen=True)
class RouteTable:
    route_table_id: str
    main: bool  # the VPC's main table: it serves every subnet no table is associated with
    subnet_ids: tuple[str, ...]  # the subnets associated with it explicitly
    default_route: str | None  # what an active 0.0.0.0/0 route leads to (igw-..., nat-..., tgw-...); None: none

    @property
    def public(self) -> bool:
        """True when the default route leads to an internet gateway: public addresses reach and are reached."""
        return (self.default_route or "").startswith("igw-")


@dataclass(frozen=True)
class TaggedResource:
    resource_id: str
    resource_type: str
