"""The cluster spec (cluster.yaml): the one data model every part of clusterwiz shares.

Per-field rules live on the fields; rules that tie fields together live in each model's
after-validator and report every problem they find at once, each against the field to fix.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from clusterwiz.core.constraints import (
    AZ_PATTERN,
    BOOTABLE_OS,
    DEFAULT_IDLE_STOP_MINUTES,
    DEFAULT_OS,
    DEFAULT_SCALEDOWN_IDLE_MINUTES,
    EBS_IOPS_LIMITS,
    EBS_SIZE_LIMITS,
    EBS_THROUGHPUT_LIMITS,
    INSTANCE_TYPE_PATTERN,
    IOPS_VOLUME_TYPES,
    NAME_PATTERN,
    OWN_TAG_KEYS,
    QUEUE_NAME_PATTERN,
    REGION_PATTERN,
    RESERVED_DIRS,
    RESERVED_TAG_PREFIXES,
    SYSTEM_DIRS,
    TAG_CHARACTER_CATEGORIES,
    TAG_KEY_MAX_CHARS,
    TAG_SYMBOLS,
    TAG_VALUE_MAX_CHARS,
    TAGS_PER_RESOURCE,
    THROUGHPUT_VOLUME_TYPES,
    UNSUPPORTED_OS,
)
from clusterwiz.core.errors import SpecError
from clusterwiz.core.spec_yaml import (
    SHOWN_CHARS,
    InputRefused,
    dump_spec_yaml,
    load_spec_yaml,
    read_spec_text,
    shown,
)

SPEC_VERSION = 1
CIDR_MAX_CHARS = 43  # an IPv6 address with its /128

FIXES = {
    "name": "use 1-31 lowercase letters, digits or '-', starting with a letter (e.g. 'demo')",
    "region": "use an AWS region code such as eu-west-2",
    "availability_zone": "use an availability zone code such as eu-west-2a, or null to let clusterwiz choose",
    "instance_type": "use an EC2 instance type such as c6i.xlarge",
    "queue_name": "use 1-25 lowercase letters, digits or '-', starting with a letter (it becomes a Slurm partition)",
}


class Problems(ValueError):
    """Several problems found by one cross-field rule, each as (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


def _raise_if(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise Problems(problems)


def _pattern_checker(pattern: str, what: str, fix: str):
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{shown(value)} is not a valid {what}; {fix}")
        return value

    return check


def _aws_id_checker(prefix: str, example: str):
    compiled = re.compile(rf"^{prefix}-([0-9a-f]{{8}}|[0-9a-f]{{17}})$")

    def check(value: str | None) -> str | None:
        if value is not None and not compiled.match(value):
            raise ValueError(
                f"{shown(value)} is not a valid {prefix} id; it looks like {example} (copy it from the AWS console)"
            )
        return value

    return check


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, str_strip_whitespace=True)


ScaledownIdleMinutes = Annotated[int, Field(ge=1, le=1440)]
IdleStopMinutes = Annotated[int, Field(ge=5, le=10080)]


def idle_stop_too_early(idle_stop_minutes: int | None, scaledown_idle_minutes: int) -> str | None:
    """Why an idle stop the scaler would reach before its own scale-down cannot be: the cluster would stop with
    nodes the scale-down was about to remove."""
    if idle_stop_minutes is None or idle_stop_minutes > scaledown_idle_minutes:
        return None
    return (f"is {idle_stop_minutes} but idle nodes are removed after {scaledown_idle_minutes} minutes "
            f"(scaledown_idle_minutes); the cluster would stop before its nodes scale down: use more than "
            f"{scaledown_idle_minutes}")


class IdleTimes(_Model):
    """The spec's two idle times and the rule that ties them, on their own: the wizard asks only for the idle stop
    and checks it by the spec's own rules."""

    scaledown_idle_minutes: ScaledownIdleMinutes = DEFAULT_SCALEDOWN_IDLE_MINUTES
    idle_stop_minutes: IdleStopMinutes | None = DEFAULT_IDLE_STOP_MINUTES

    @model_validator(mode="after")
    def _check_order(self) -> IdleTimes:
        problem = idle_stop_too_early(self.idle_stop_minutes, self.scaledown_idle_minutes)
        _raise_if([("idle_stop_minutes", problem)] if problem else [])
        return self


class Network(_Model):
    vpc_id: str | None = Field(None, description="Existing VPC; null: clusterwiz creates one and removes it on destroy")
    subnet_id: str | None = Field(None, description="Existing subnet in vpc_id; required with vpc_id")
    vpc_cidr: str = Field("10.0.0.0/16", max_length=CIDR_MAX_CHARS, description="Address range of a new VPC")
    availability_zone: str | None = Field(
        None, description="AZ of a new VPC's subnet; null: first AZ offering every type")
    ssh_cidr: str | None = Field(None, max_length=CIDR_MAX_CHARS,
                                 description="Who may SSH in; null: the caller's public IP/32")

    _check_vpc = field_validator("vpc_id")(_aws_id_checker("vpc", "vpc-0a1b2c3d4e5f67890"))
    _check_subnet = field_validator("subnet_id")(_aws_id_checker("subnet", "subnet-0a1b2c3d4e5f67890"))

    @field_validator("availability_zone")
    @classmethod
    def _check_az(cls, value: str | None) -> str | None:
        if value is None:
            return value
        return _pattern_checker(AZ_PATTERN, "availability zone", FIXES["availability_zone"])(value)

    @field_validator("vpc_cidr")
    @classmethod
    def _check_vpc_cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IPv4 network ({exc}); use a range such as 10.0.0.0/16") from None
        if not 16 <= network.prefixlen <= 24:
            raise ValueError(
                f"{value} has a /{network.prefixlen} prefix; AWS VPCs need /16 to /28 and a cluster needs room "
                "for its nodes: use /16 to /24, e.g. 10.0.0.0/16"
            )
        if not network.is_private:
            raise ValueError(f"{value} is a public address range; use a private one such as 10.0.0.0/16")
        return value

    @field_validator("ssh_cidr")
    @classmethod
    def _check_ssh_cidr(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not an address range ({exc}); use your public IP as a.b.c.d/32, "
                "or null to let clusterwiz find it"
            ) from None
        return value

    @model_validator(mode="after")
    def _check_network(self) -> Network:
        problems = []
        if self.vpc_id and not self.subnet_id:
            problems.append(("subnet_id", f"a subnet is required with vpc_id {self.vpc_id}; add the id of a subnet "
                             "in that VPC, or remove vpc_id to let clusterwiz create a VPC"))
        if self.subnet_id and not self.vpc_id:
            problems.append(("vpc_id", f"subnet {self.subnet_id} needs the VPC it belongs to; add vpc_id"))
        if self.vpc_id and "availability_zone" in self.model_fields_set and self.availability_zone:
            problems.append(("availability_zone", "applies only to a VPC clusterwiz creates; with vpc_id the "
                             "subnet decides the zone: remove availability_zone"))
        if self.vpc_id and "vpc_cidr" in self.model_fields_set:
            problems.append(("vpc_cidr", "applies only to a VPC clusterwiz creates; remove vpc_cidr when you "
                             "give vpc_id"))
        _raise_if(problems)
        return self

    @model_serializer(mode="wrap")
    def _omit_new_vpc_fields(self, handler: Any) -> dict[str, Any]:
        """With an existing VPC, the new-VPC fields are not written, so the output reads back as it was."""
        data = handler(self)
        if self.vpc_id:
            data.pop("vpc_cidr", None)
            data.pop("availability_zone", None)
        return data

    @property
    def creates_vpc(self) -> bool:
        return self.vpc_id is None

    @property
    def ssh_open_to_world(self) -> bool:
        return self.ssh_cidr is not None and ipaddress.ip_network(self.ssh_cidr).prefixlen == 0


InstanceType = Annotated[str, Field(min_length=3, max_length=40)]


def _check_instance_type(value: str) -> str:
    return _pattern_checker(INSTANCE_TYPE_PATTERN, "instance type", FIXES["instance_type"])(value)


class HeadNode(_Model):
    instance_type: InstanceType = Field("t3.medium", description="EC2 type of the Slurm controller and NFS server")
    root_volume_gib: int = Field(40, ge=20, le=16384, description="Root volume size (GiB)")

    @field_validator("instance_type")
    @classmethod
    def _check_type(cls, value: str) -> str:
        return _check_instance_type(value)


class Queue(_Model):
    name: str = Field(description="Slurm partition name")
    instance_types: list[InstanceType] = Field(min_length=1, max_length=10, description="EC2 types of the nodes")
    capacity: Literal["ondemand", "spot"] = Field("ondemand", description="On-demand or spot capacity")
    min_nodes: int = Field(0, ge=0, le=1000, description="Nodes kept running (v2 maintain_initial_size)")
    initial_nodes: int = Field(0, ge=0, le=1000, description="Nodes started at create")
    max_nodes: int = Field(4, ge=1, le=1000, description="Upper bound of the queue's size")

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        return _pattern_checker(QUEUE_NAME_PATTERN, "queue name", FIXES["queue_name"])(value)

    @field_validator("instance_types")
    @classmethod
    def _check_types(cls, values: list[str]) -> list[str]:
        for value in values:
            _check_instance_type(value)
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"{', '.join(duplicates)} listed twice; list each instance type once")
        return values

    @model_validator(mode="after")
    def _check_sizes(self) -> Queue:
        problems = []
        if self.min_nodes > self.initial_nodes:
            problems.append(("initial_nodes", f"is {self.initial_nodes} but min_nodes is {self.min_nodes}; a queue "
                             f"starts with at least its minimum: set initial_nodes to {self.min_nodes} or more"))
        if self.initial_nodes > self.max_nodes:
            problems.append(("max_nodes", f"is {self.max_nodes} but initial_nodes is {self.initial_nodes}; raise "
                             f"max_nodes to {self.initial_nodes} or lower initial_nodes"))
        elif self.min_nodes > self.max_nodes:
            problems.append(("max_nodes", f"is {self.max_nodes} but min_nodes is {self.min_nodes}; raise max_nodes "
                             "or lower min_nodes"))
        _raise_if(problems)
        return self


NEW_VOLUME_FIELDS = ("size_gib", "volume_type", "iops", "throughput", "encrypted", "snapshot_id")
DEFAULT_NEW_VOLUME_GIB = 100


class SharedVolume(_Model):
    mount_dir: str = Field("/shared", description="Where the volume is mounted on every node")
    volume_id: str | None = Field(None, description="An existing volume: attached, never deleted by clusterwiz")
    size_gib: int | None = Field(None, ge=1, le=65536, description="Size of a new volume (GiB)")
    volume_type: Literal["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"] = Field("gp3")
    iops: int | None = Field(None, ge=100, le=256000, description="Provisioned IOPS (gp3, io1, io2)")
    throughput: int | None = Field(None, ge=125, le=2000, description="Throughput in MiB/s (gp3)")
    encrypted: bool = Field(True, description="Encrypt a new volume at rest")
    snapshot_id: str | None = Field(None, description="Create the new volume from this snapshot")

    _check_volume = field_validator("volume_id")(_aws_id_checker("vol", "vol-0a1b2c3d4e5f67890"))
    _check_snapshot = field_validator("snapshot_id")(_aws_id_checker("snap", "snap-0a1b2c3d4e5f67890"))

    @field_validator("mount_dir")
    @classmethod
    def _check_mount_dir(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{shown(value)} is not an absolute path; start it with '/', e.g. /shared")
        normalized = os.path.normpath(value)
        if normalized != (value.rstrip("/") or "/") or "//" in value or not re.fullmatch(r"[A-Za-z0-9_./-]+", value):
            raise ValueError(f"{shown(value)} is not a plain path; use letters, digits, '_', '-', '.' and '/', "
                             "e.g. /shared/data")
        if normalized in RESERVED_DIRS:
            raise ValueError(f"{normalized} is a system directory; mount below it or elsewhere, e.g. /shared")
        for system_dir in SYSTEM_DIRS:
            if normalized == system_dir or normalized.startswith(system_dir + "/"):
                reason = ("clusterwiz already shares /home from the head node" if system_dir == "/home"
                          else "mounting there would hide part of the operating system")
                raise ValueError(f"{normalized} is inside {system_dir}: {reason}; choose e.g. /shared or /data")
        return normalized

    @model_validator(mode="after")
    def _check_volume_fields(self) -> SharedVolume:
        problems = []
        if self.volume_id:
            given = [f for f in NEW_VOLUME_FIELDS if f in self.model_fields_set and getattr(self, f) is not None]
            for field in given:
                problems.append((field, f"applies only to a new volume, but volume_id {self.volume_id} names an "
                                 f"existing one: remove {field}, or remove volume_id to create a new volume"))
            _raise_if(problems)
            return self
        if self.size_gib is None and self.snapshot_id is None:
            self.size_gib = DEFAULT_NEW_VOLUME_GIB
        low, high = EBS_SIZE_LIMITS[self.volume_type]
        if self.size_gib is not None and not low <= self.size_gib <= high:
            problems.append(("size_gib", f"{self.volume_type} volumes are {low} to {high} GiB; {self.size_gib} "
                             "is outside that range"))
        if self.iops is not None:
            if self.volume_type not in IOPS_VOLUME_TYPES:
                problems.append(("iops", f"{self.volume_type} volumes do not take provisioned IOPS; remove iops "
                                 "or use volume_type gp3, io1 or io2"))
            else:
                low, high = EBS_IOPS_LIMITS[self.volume_type]
                if not low <= self.iops <= high:
                    problems.append(("iops", f"{self.volume_type} takes {low} to {high} IOPS; {self.iops} is "
                                     "outside that range"))
        elif self.volume_type in ("io1", "io2"):
            problems.append(("iops", f"{self.volume_type} volumes need provisioned IOPS; set iops (e.g. 3000) "
                             "or use volume_type gp3"))
        if self.throughput is not None:
            if self.volume_type not in THROUGHPUT_VOLUME_TYPES:
                problems.append(("throughput", f"{self.volume_type} volumes do not take a throughput setting; "
                                 "remove throughput or use volume_type gp3"))
            else:
                low, high = EBS_THROUGHPUT_LIMITS[self.volume_type]
                if not low <= self.throughput <= high:
                    problems.append(("throughput", f"gp3 takes {low} to {high} MiB/s; {self.throughput} is "
                                     "outside that range"))
        _raise_if(problems)
        return self

    @model_serializer(mode="wrap")
    def _omit_new_volume_fields(self, handler: Any) -> dict[str, Any]:
        """An existing volume is written as mount_dir + volume_id, so the output reads back as it was."""
        data = handler(self)
        if self.volume_id:
            for field in NEW_VOLUME_FIELDS:
                data.pop(field, None)
        return data

    @property
    def is_existing(self) -> bool:
        return self.volume_id is not None


# Tags reach AWS as written: a space at either end is part of the value, not stripped like other fields'.
ExactText = Annotated[str, StringConstraints(strip_whitespace=False)]


def _tag_problems(key: str, value: str) -> Iterator[str]:
    """Why AWS would refuse a tag (the rules in constraints, next to TAG_KEY_MAX_CHARS)."""
    if not 1 <= len(key) <= TAG_KEY_MAX_CHARS:
        yield f"tag key {shown(key)} must be 1 to {TAG_KEY_MAX_CHARS} characters"
    if key.lower().startswith(RESERVED_TAG_PREFIXES):
        yield f"tag key {shown(key)} uses a reserved prefix (aws:, clusterwiz:); rename it"
    elif key in OWN_TAG_KEYS:
        yield (f"tag key {shown(key)}: clusterwiz names each resource itself (e.g. <cluster>-head), which would "
               "replace your value; use another key")
    if len(value) > TAG_VALUE_MAX_CHARS:
        yield f"tag {shown(key)} has a value longer than {TAG_VALUE_MAX_CHARS} characters; shorten it"
    for what, text in ((f"tag key {shown(key)} holds", key), (f"tag {shown(key)} has a value holding", value)):
        refused = sorted({char for char in text if not _tag_character(char)})
        if refused:
            listed = " ".join(repr(char) for char in refused[:10])
            yield (f"{what} {listed}, which AWS refuses in tags (IAM takes letters, digits, spaces and "
                   f"{' '.join(TAG_SYMBOLS)}); remove or replace them")
        elif unicodedata.normalize("NFC", text) != text:
            yield (f"{what} text not in Unicode's composed form (NFC), which Terraform would turn it into; write "
                   "it composed, so AWS gets it as written")


def _tag_character(char: str) -> bool:
    return char in TAG_SYMBOLS or unicodedata.category(char)[0] in TAG_CHARACTER_CATEGORIES


class ClusterSpec(_Model):
    version: Literal[1] = Field(SPEC_VERSION, description="Spec format version")
    name: str = Field(description="Cluster name, unique in the registry")
    region: str = Field(description="AWS region")
    os: Literal["debian13", "ubuntu2404", "ubuntu2204", "al2023", "rocky9"] = Field(DEFAULT_OS)
    ami_id: str | None = Field(None, description="Custom AMI of the chosen OS family")
    key_pair: str | None = Field(None, min_length=1, max_length=255, description="Existing EC2 key pair")
    ssh_key_file: str | None = Field(None, description="Local private key for `clusterwiz ssh`")
    network: Network = Field(default_factory=Network)
    head_node: HeadNode = Field(default_factory=HeadNode)
    queues: list[Queue] = Field(min_length=1, max_length=10)
    scaledown_idle_minutes: ScaledownIdleMinutes = Field(DEFAULT_SCALEDOWN_IDLE_MINUTES,
                                                         description="Idle minutes before a node is removed")
    idle_stop_minutes: IdleStopMinutes | None = Field(DEFAULT_IDLE_STOP_MINUTES,
                                                      description="Minutes with no job and nobody logged in before "
                                                                  "the whole cluster stops itself (only storage "
                                                                  "bills); null: never")
    expires_at: datetime | None = Field(None, description="When the head node stops the whole cluster by itself, "
                                                          "running jobs included (a UTC time); null: never")
    budget_usd: float | None = Field(None, description="The most the cluster may cost since its creation, in US "
                                                        "dollars: its head node warns at 80% and stops the cluster "
                                                        "at 100%; null: no budget")
    shared_storage: list[SharedVolume] = Field(default_factory=list, max_length=5)
    tags: dict[ExactText, ExactText] = Field(default_factory=dict, description="Extra tags on every resource")

    _check_ami = field_validator("ami_id")(_aws_id_checker("ami", "ami-0a1b2c3d4e5f67890"))

    @field_validator("os")
    @classmethod
    def _check_os_supported(cls, value: str) -> str:
        reason = UNSUPPORTED_OS.get(value)
        if reason:
            raise ValueError(f"{value} is not supported yet: {reason}; use os: {' or '.join(BOOTABLE_OS)}")
        return value

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        return _pattern_checker(NAME_PATTERN, "cluster name", FIXES["name"])(value)

    @field_validator("region")
    @classmethod
    def _check_region(cls, value: str) -> str:
        return _pattern_checker(REGION_PATTERN, "region", FIXES["region"])(value)

    @field_validator("expires_at", mode="before")
    @classmethod
    def _check_expiry(cls, value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{shown(str(value))} is not a time; write it in UTC, e.g. 2026-12-04T18:00:00Z "
                                 "(or give `--expires 8h` to render), or null for never") from None
        if moment is None:
            return None
        if moment.tzinfo is None:
            raise ValueError("has no time zone; write it in UTC with a Z, e.g. 2026-12-04T18:00:00Z")
        return moment.astimezone(UTC).replace(microsecond=0)

    @field_validator("budget_usd")
    @classmethod
    def _check_budget(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value < float("inf"):
            raise ValueError(f"is {value:g}, but a budget is the most the cluster may cost: give a positive amount "
                             "of US dollars, e.g. 50, or null for no budget")
        return value

    @field_validator("ssh_key_file")
    @classmethod
    def _check_key_file(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("is empty; give the path of your private key, or null")
        return value

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, tags: dict[str, str]) -> dict[str, str]:
        problems = [problem for key, value in tags.items() for problem in _tag_problems(key, value)]
        by_case: dict[str, str] = {}
        for key in tags:
            other = by_case.setdefault(key.casefold(), key)
            if other != key:
                problems.append(f"tag keys {shown(other)} and {shown(key)} differ only in case, which IAM takes "
                                "for one key; keep one")
        total = len(set(tags) | set(OWN_TAG_KEYS))
        if total > TAGS_PER_RESOURCE:
            problems.append(f"{len(tags)} tags and clusterwiz's own {len(OWN_TAG_KEYS)} ({', '.join(OWN_TAG_KEYS)}) "
                            f"make {total} on a compute node, but AWS allows {TAGS_PER_RESOURCE} per resource; keep "
                            f"at most {TAGS_PER_RESOURCE - len(OWN_TAG_KEYS)}")
        if problems:
            raise ValueError("; ".join(problems))
        return tags

    @model_validator(mode="before")
    @classmethod
    def _idle_stop_after_the_scale_down(cls, data: Any) -> Any:
        """Left out, the idle stop comes DEFAULT_IDLE_STOP_MINUTES after the nodes scale down, at the earliest."""
        if isinstance(data, dict) and "idle_stop_minutes" not in data:
            scaledown = data.get("scaledown_idle_minutes")
            if isinstance(scaledown, int) and scaledown >= DEFAULT_IDLE_STOP_MINUTES:
                return {**data, "idle_stop_minutes": scaledown + DEFAULT_IDLE_STOP_MINUTES}
        return data

    @model_validator(mode="after")
    def _check_cluster(self) -> ClusterSpec:
        problems = []
        seen_queues: set[str] = set()
        for index, queue in enumerate(self.queues):
            if queue.name in seen_queues:
                problems.append((f"queues.{index}.name", f"queue {shown(queue.name)} appears twice; give each queue "
                                 "its own name"))
            seen_queues.add(queue.name)
        seen_dirs: set[str] = set()
        seen_volumes: set[str] = set()
        for index, volume in enumerate(self.shared_storage):
            if volume.mount_dir in seen_dirs:
                problems.append((f"shared_storage.{index}.mount_dir", f"{volume.mount_dir} is used by two "
                                 "volumes; give each volume its own mount_dir"))
            for other in seen_dirs:
                if volume.mount_dir.startswith(other + "/") or other.startswith(volume.mount_dir + "/"):
                    problems.append((f"shared_storage.{index}.mount_dir", f"{volume.mount_dir} and {other} are "
                                     "nested; mount volumes side by side, e.g. /shared and /data"))
            seen_dirs.add(volume.mount_dir)
            if volume.volume_id:
                if volume.volume_id in seen_volumes:
                    problems.append((f"shared_storage.{index}.volume_id", f"{volume.volume_id} is listed twice; "
                                     "a volume can be mounted once"))
                seen_volumes.add(volume.volume_id)
        too_early = idle_stop_too_early(self.idle_stop_minutes, self.scaledown_idle_minutes)
        if too_early:
            problems.append(("idle_stop_minutes", f"{too_early}, or null for never"))
        if self.network.availability_zone and not self.network.availability_zone.startswith(self.region):
            problems.append(("network.availability_zone", f"{self.network.availability_zone} is not in region "
                             f"{self.region}; use a zone such as {self.region}a"))
        _raise_if(problems)
        return self

    # -- conveniences shared by render, catalog and the front-ends --------------------------------

    @property
    def instance_types(self) -> list[str]:
        """Every instance type the cluster uses, head node first, without repeats."""
        seen = [self.head_node.instance_type]
        for queue in self.queues:
            seen.extend(t for t in queue.instance_types if t not in seen)
        return seen

    def to_yaml(self) -> str:
        return dump_spec_yaml(self.model_dump(mode="json"))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "cluster spec") -> ClusterSpec:
        if not isinstance(data, dict):
            raise SpecError(source, [f"the file must hold a mapping of keys (name:, region:, queues: ...), "
                                     f"not {type(data).__name__}"])
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SpecError(source, describe_validation_error(exc)) from None

    @classmethod
    def from_yaml(cls, text: str, source: str = "cluster spec") -> ClusterSpec:
        try:
            data = load_spec_yaml(text)
        except InputRefused as refused:
            raise SpecError(source, [str(refused)]) from None
        if data is None:
            raise SpecError(source, ["the file is empty; start from the example in README.md"])
        return cls.from_mapping(data, source)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ClusterSpec:
        path = Path(path)
        try:
            text = read_spec_text(path)
        except FileNotFoundError:
            raise SpecError(str(path), ["the file does not exist; check the path"]) from None
        except InputRefused as refused:
            raise SpecError(str(path), [str(refused)]) from None
        except OSError as exc:
            raise SpecError(str(path), [f"cannot be read ({exc.strerror or exc})"]) from None
        return cls.from_yaml(text, str(path))


def _location(loc: tuple[Any, ...]) -> str:
    # A key is echoed as it was written unless it is long (a hostile file's may be huge).
    return ".".join(part if len(part) <= SHOWN_CHARS else shown(part) for part in map(str, loc)
                    if not part.startswith(("function-", "literal[")))


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at loc, to suggest spellings of unknown keys."""
    model: Any = ClusterSpec
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return model


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One line per problem: the field, what is wrong, and the fix."""
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        where = _location(loc) or "(top level)"
        kind = error["type"]
        original = (error.get("ctx") or {}).get("error")
        if isinstance(original, Problems):
            for field, message in original.problems:
                lines.append(f"{_location((*loc, field))}: {message}")
            continue
        if kind == "extra_forbidden":
            model = _model_at(loc)
            known = list(model.model_fields) if model else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys here: {', '.join(known)}"
            lines.append(f"{where}: unknown key; remove it ({hint})")
        elif kind == "missing":
            lines.append(f"{where}: is required; add it (see the example in README.md)")
        elif kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            lines.append(f"{where}: {shown(error['input'])} is not allowed; use one of {expected}")
        elif kind == "value_error":
            lines.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            expected = kind.split("_")[0]
            names = {"int": "a whole number", "bool": "true or false", "string": "text", "list": "a list",
                     "dict": "a mapping", "model": "a mapping of keys", "float": "a number"}
            lines.append(f"{where}: {shown(error['input'])} is not {names.get(expected, expected)}; "
                         f"write it as {names.get(expected, expected)}")
        elif kind in ("too_short", "too_long"):
            lines.append(f"{where}: {error['msg'].lower()}")
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            lines.append(f"{where}: {shown(error['input'])} is out of range; "
                         f"{error['msg'].lower().replace('input should', 'it should')}")
        else:
            lines.append(f"{where}: {error['msg']}")
    return lines
