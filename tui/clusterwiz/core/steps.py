"""The wizard's questions, defined once. The Textual wizard and the plain prompts both render STEPS.

A step holds fields. A field says how to get its choices from the catalog, its default, how to check
an answer and what to warn about; a step says how its answer writes the spec, how to read it back from
a spec, and which later steps an answer invalidates. An answer to a step is a mapping field id -> value;
a repeated step (queues, shared storage) answers with a list of such mappings, one per item.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from clusterwiz.core.aws.pricing import load_snapshot
from clusterwiz.core.aws.quotas import quota_for
from clusterwiz.core.aws.regions import location, other_partition
from clusterwiz.core.constraints import (
    BOOTABLE_OS,
    DEFAULT_IDLE_STOP_MINUTES,
    DEFAULT_OS,
    EBS_SIZE_LIMITS,
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    QUEUE_NAME_MAX_LENGTH,
    SUPPORTED_OS,
    UNSUPPORTED_OS,
)
from clusterwiz.core.errors import AwsError, ClusterwizError
from clusterwiz.core.suggest import cli

if TYPE_CHECKING:
    from pydantic import BaseModel

    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.aws.records import InstanceTypeInfo
    from clusterwiz.core.spec import ClusterSpec

FieldKind = Literal["choice", "multichoice", "text", "int", "bool"]
Item = dict[str, Any]
Answer = Item | list[Item]

NEW = "new"
CUSTOM = "custom"
CREATE = "create"
KEY_NAME_MAX_LENGTH = 255  # EC2's limit on a key pair's name
KEY_NAME_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{KEY_NAME_MAX_LENGTH - 1}}}$"
OS_TITLES = {
    "debian13": "Debian 13",
    "ubuntu2404": "Ubuntu 24.04 LTS",
    "ubuntu2204": "Ubuntu 22.04 LTS",
    "al2023": "Amazon Linux 2023",
    "rocky9": "Rocky Linux 9",
}
NEW_VOLUME_TYPES = ("gp3", "gp2", "st1", "sc1")
VOLUME_TYPE_NOTES = {
    "gp3": "general purpose SSD (recommended)",
    "gp2": "older general purpose SSD",
    "st1": "throughput HDD, big sequential files, 125 GiB or more",
    "sc1": "cold HDD, cheapest, rarely read data, 125 GiB or more",
}
PREFERRED_HEAD_TYPES = {"x86_64": ("t3.medium", "t3a.medium", "m5.large"), "arm64": ("t4g.medium", "m6g.large")}
PREFERRED_COMPUTE_TYPES = {"x86_64": ("c6i.xlarge", "c5.xlarge", "m5.xlarge"), "arm64": ("c7g.xlarge", "c6g.xlarge")}


@dataclass(frozen=True)
class Choice:
    """One row a user can pick: the value written to the answer and the cells shown per column."""

    value: str
    cells: tuple[str, ...]
    disabled: str | None = None  # why it cannot be chosen; None: it can


@dataclass(frozen=True)
class Problem:
    """An answer a step cannot take: which field (and item of a repeated step) and what to do."""

    field: str
    message: str
    item: int | None = None

    def __str__(self) -> str:
        where = self.field if self.item is None else f"{self.field} (#{self.item + 1})"
        return f"{where}: {self.message}"


@dataclass
class Context:
    """What the steps read besides the answer being checked: the catalog, the other answers, the registry."""

    catalog: Catalog
    answers: dict[str, Answer] = field(default_factory=dict)
    registry_names: frozenset[str] = frozenset()
    default_region: str | None = None
    profile: str | None = None
    sandbox: bool = False
    # The registered cluster whose spec the answers replace when saved (None: the wizard makes a new cluster).
    editing: str | None = None
    # The other items of the repeated step being answered, so defaults do not repeat a name.
    siblings: list[Item] = field(default_factory=list)

    def value(self, step_id: str, field_id: str, default: Any = None) -> Any:
        answer = self.answers.get(step_id)
        return answer.get(field_id, default) if isinstance(answer, dict) else default

    @property
    def region(self) -> str:
        region = self.value("region", "region")
        if not region:
            raise ClusterwizError("the region is not chosen yet; answer the Region step first")
        return region

    def availability_zone(self) -> str | None:
        """The zone the cluster runs in: the new VPC's zone, or the chosen subnet's."""
        vpc = self.value("network", "vpc")
        if vpc is None:
            return None
        if vpc == NEW:
            return self.value("network", "availability_zone")
        subnet_id = self.value("network", "subnet")
        subnet = next((s for s in self.catalog.subnets(self.region, vpc) if s.subnet_id == subnet_id), None)
        return subnet.availability_zone if subnet else None

    def architecture(self) -> str | None:
        image = self.value("os", "image")
        if image is None:
            return None
        if image == CUSTOM:
            ami = self.value("os", "ami_id")
            found = self.catalog.image(self.region, ami) if ami else None
            return found.architecture if found else None
        return image.split("/", 1)[1]


ChoicesFn = Callable[[Context, Item], list[Choice]]
CheckFn = Callable[[Any, Context, Item], str | None]


def _always(item: Item) -> bool:
    return True


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    kind: FieldKind
    help: str = ""
    columns: tuple[str, ...] = ()
    choices: ChoicesFn | None = None
    default: Callable[[Context, Item], Any] | None = None
    validate: CheckFn | None = None
    warn: CheckFn | None = None
    describe: Callable[[Any, Context, Item], str] | None = None  # detail for the highlighted/chosen value
    visible: Callable[[Item], bool] = _always
    refreshes: bool = False  # a change alters which fields show or what they offer
    show_disabled: bool = True  # list choices that cannot be picked, with why (else hide them)
    # The detail may wait on AWS for seconds (a sign-in): a form shows without it and fills it in when it comes.
    slow_detail: bool = False
    max_length: int = 0  # of a text field, as the spec allows; 0: no limit


@dataclass(frozen=True)
class Repeat:
    """A step answered by a list of items (queues, volumes)."""

    noun: str
    min_items: int
    max_items: int
    initial_items: int


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    help: str
    fields: tuple[Field, ...]
    write: Callable[[dict[str, Any], Answer, Context], None]
    read: Callable[[ClusterSpec], Answer]
    spec_paths: tuple[str, ...] = ()  # spec fields this step sets, to send a finding back to its step
    check: Callable[[Answer, Context], list[Problem]] | None = None
    repeat: Repeat | None = None
    invalidates: tuple[str, ...] = ()
    invalidation_key: Callable[[Answer, Context], Hashable] | None = None

    def visible_fields(self, item: Item) -> list[Field]:
        return [f for f in self.fields if f.visible(item)]

    def field(self, field_id: str) -> Field:
        return next(f for f in self.fields if f.id == field_id)

    def place_of(self, problem: Problem) -> str:
        """Where a problem is, in the form's words: "Minimum nodes of queue 1", "Where to build"."""
        label = next((f.label for f in self.fields if f.id == problem.field), problem.field.capitalize())
        if self.repeat and problem.item is not None:
            return f"{label} of {self.repeat.noun} {problem.item + 1}"
        return label

    def in_words(self, problem: Problem) -> str:
        """A problem as one line a person answering the wizard reads, wherever it is shown."""
        return f"{self.place_of(problem)}: {in_user_words(problem.message)}"


# -- lookups shared by several fields ----------------------------------------------------------------


def _instance_type_choices(context: Context, item: Item,
                           order: Callable[[InstanceTypeInfo], Any] | None = None) -> list[Choice]:
    region = context.region
    zone = context.availability_zone()
    architecture = context.architecture()
    offered = context.catalog.offerings(region)
    prices = load_snapshot()
    choices = []
    types = context.catalog.instance_types(region)
    for info in sorted(types, key=order) if order else types:
        disabled = None
        if architecture and architecture not in info.architectures:
            disabled = (f"{info.name} is {'/'.join(info.architectures)} but the chosen image is {architecture}; "
                        f"pick an {architecture} type, or change the operating system")
        elif zone and zone not in offered.get(info.name, frozenset()):
            disabled = f"{info.name} is not offered in {zone}; pick another type or another zone"
        # The bundled price snapshot, not the Pricing API: one API call per row of hundreds would be slow;
        # the review prices the chosen types live.
        usd = prices.instance(region, info.name)
        cells = (info.name, str(info.vcpus), f"{info.memory_mib / 1024:g}", info.architecture,
                 f"{usd:.4f}" if usd is not None else "?")
        choices.append(Choice(info.name, cells, disabled))
    return choices


ACCELERATED_FAMILIES = ("p", "g", "inf", "trn", "f", "dl", "vt")  # GPU, Inferentia, Trainium, FPGA, video
GENERAL_PURPOSE_FAMILIES = ("t", "m", "a1")
HEAD_NODE_MIN_MEMORY_MIB = 4096  # slurmctld and the NFS server of /home side by side, as t3.medium has


def head_node_rank(info: InstanceTypeInfo) -> tuple[Any, ...]:
    """Where a type stands in the head node's list. The head node schedules and serves /home: general-purpose
    types with the memory for it come first, then smaller ones, then compute-, memory- and storage-optimised
    types, and a GPU or other accelerator last, where nobody takes one by accident; within each, current
    generations first, then the smallest."""
    family = info.family
    if info.gpus or family.startswith(ACCELERATED_FAMILIES):
        kind = 3
    elif family.startswith(GENERAL_PURPOSE_FAMILIES) and not family.startswith("mac"):
        kind = 0 if info.memory_mib >= HEAD_NODE_MIN_MEMORY_MIB else 1
    else:
        kind = 2
    return kind, not info.current_generation, info.vcpus, info.memory_mib, info.name


def _head_node_choices(context: Context, item: Item) -> list[Choice]:
    return _instance_type_choices(context, item, order=head_node_rank)


def _first_preferred(choices: list[Choice], preferred: tuple[str, ...]) -> str | None:
    enabled = [c.value for c in choices if c.disabled is None]
    return next((p for p in preferred if p in enabled), enabled[0] if enabled else None)


def _default_type(preferred: Mapping[str, tuple[str, ...]]) -> Callable[[Context, Item], str | None]:
    def default(context: Context, item: Item) -> str | None:
        return _first_preferred(_instance_type_choices(context, item), preferred.get(context.architecture() or "",
                                                                                      ()))
    return default


def pick_allowed(value: Any, choices: list[Choice], what: str) -> str | None:
    """None when value is one of the choices that can be picked; else what is wrong and what to do."""
    by_value = {c.value: c for c in choices}
    chosen = by_value.get(value)
    if chosen is None:
        offered = [c.value for c in choices if c.disabled is None]
        listed = ", ".join(offered[:12]) + (f" (and {len(offered) - 12} more)" if len(offered) > 12 else "")
        return f"{value!r} is not one of the {what} offered here; pick one of: {listed or '(none available)'}"
    return chosen.disabled


def load_answer_checks() -> None:
    """Import what checking answers needs: pydantic and the spec's models (~0.1 s). The first screen is shown
    without them; a front-end calls this while the user reads it, so the first check does not wait."""
    import clusterwiz.core.spec  # noqa: F401


def _validated(model: type[BaseModel], data: Item, item: int | None) -> tuple[Any, list[Problem]]:
    """`data` as one of the spec's models, or None and each problem against its field."""
    from pydantic import ValidationError

    from clusterwiz.core.spec import describe_validation_error

    try:
        return model.model_validate(data), []
    except ValidationError as error:
        problems = []
        for line in describe_validation_error(error):
            where, _, message = line.partition(": ")
            problems.append(Problem(where.rsplit(".", 1)[-1], message, item))
        return None, problems


# -- 1. account ---------------------------------------------------------------------------------------


def _account_choices(context: Context, item: Item) -> list[Choice]:
    # Nothing is looked up here: the first screen must not wait for boto3 and a sign-in. Who the credentials
    # belong to is the choice's detail, shown when it comes; Next checks that they work.
    sandbox = ("Practice in the sandbox", "nothing is billed")
    if context.sandbox:
        return [Choice("sandbox", sandbox)]
    credentials = f"profile {context.profile}" if context.profile else "default credentials"
    return [
        Choice("aws", ("Your AWS account", credentials)),
        Choice("sandbox", sandbox,
               "restart as `clusterwiz --sandbox` to practise without an AWS account"),
    ]


def _describe_account(value: Any, context: Context, item: Item) -> str:
    try:
        identity = context.catalog.caller_identity()
    except AwsError as error:
        return f"Not signed in: {error}"
    where = "the sandbox's emulated account" if value == "sandbox" else "account"
    return f"Signed in to {where} {identity.account} as {identity.arn}"


def _check_account(value: Any, context: Context, item: Item) -> str | None:
    try:
        context.catalog.caller_identity()
    except AwsError as error:
        if value == "sandbox":
            return f"the sandbox is not reachable: {error}"
        return f"{error}; or, to practise without an AWS account, restart as `clusterwiz --sandbox`"
    return None


def _first_enabled(choices_fn: ChoicesFn) -> Callable[[Context, Item], str | None]:
    def default(context: Context, item: Item) -> str | None:
        return next((c.value for c in choices_fn(context, item) if c.disabled is None), None)
    return default


ACCOUNT = Step(
    id="account",
    title="Account",
    help=("clusterwiz creates the cluster in an AWS account and bills go to that account. It uses the same "
          "credentials as the AWS CLI (`aws configure`, or the AWS_PROFILE variable). If you have no account yet, "
          "practise in the sandbox: an emulated AWS on this computer where nothing costs money."),
    fields=(Field("mode", "Where to build", "choice", columns=("Where", "Details"), choices=_account_choices,
                  default=_first_enabled(_account_choices), validate=_check_account, describe=_describe_account,
                  slow_detail=True),),
    write=lambda spec, answer, context: None,
    read=lambda spec: {"mode": "aws"},
)


# -- 2. name ------------------------------------------------------------------------------------------


def _check_name(value: Any, context: Context, item: Item) -> str | None:
    if not isinstance(value, str) or not re.match(NAME_PATTERN, value):
        return (f"{value!r} is not a valid cluster name; use 1-{NAME_MAX_LENGTH} lowercase letters, digits or '-', "
                "starting with a letter (e.g. 'demo')")
    if context.editing is not None and value != context.editing:
        return (f"this is cluster {context.editing!r}, whose resources AWS knows by that name: it keeps it. For "
                "another cluster, start a new one (n on the cluster list)")
    if value in context.registry_names and value != context.editing:
        return f"a cluster named {value!r} already exists; choose another name or remove that cluster first"
    return None


def _default_name(context: Context, item: Item) -> str:
    candidates = ["demo", *(f"demo-{n}" for n in range(2, 100))]
    return next(n for n in candidates if n not in context.registry_names)


NAME = Step(
    id="name",
    title="Name",
    help=("A short name for the cluster. It appears on every AWS resource clusterwiz creates (as the tag "
          "clusterwiz:cluster), so you can find them in the console, and you use it in commands such as "
          "`clusterwiz ssh demo`."),
    fields=(Field("name", "Cluster name", "text", help="lowercase letters, digits and '-'",
                  default=_default_name, validate=_check_name, max_length=NAME_MAX_LENGTH),),
    write=lambda spec, answer, context: spec.update(name=answer["name"]),
    read=lambda spec: {"name": spec.name},
    spec_paths=("name",),
)


# -- 3. region ----------------------------------------------------------------------------------------


def _region_choices(context: Context, item: Item) -> list[Choice]:
    ranked = []
    for r in context.catalog.regions():
        partition = other_partition(r.name)
        if partition:
            rank, status, disabled = 2, "other account", f"{r.name} is in {partition}; pick another region"
        elif r.enabled:
            rank, status, disabled = 0, "enabled", None
        else:
            rank, status = 1, "needs opt-in"
            disabled = (f"{r.name} is not enabled for your account; enable it in the AWS console "
                        "(Account > AWS Regions) or pick another region")
        ranked.append((rank, Choice(r.name, (r.name, location(r.name), status), disabled)))
    # What can be picked first, then what the account can enable, then what needs another account; the catalog
    # sorts by name within each.
    return [choice for _, choice in sorted(ranked, key=lambda entry: entry[0])]


def _default_region(context: Context, item: Item) -> str | None:
    enabled = [c.value for c in _region_choices(context, item) if c.disabled is None]
    configured = context.default_region or context.catalog.session.boto_session.region_name
    for preferred in (configured, "us-east-1"):
        if preferred in enabled:
            return preferred
    return enabled[0] if enabled else None


def prefetch_region(context: Context, region: str) -> None:
    """Start everything the later steps and the review ask about a region, the cluster name's check included."""
    context.catalog.prefetch_region(region, cluster_name=context.value("name", "name"))


def _describe_region(value: Any, context: Context, item: Item) -> str:
    zones = [z.name for z in context.catalog.availability_zones(value) if z.state == "available"]
    return f"{value}: {len(zones)} availability zones ({', '.join(zones)})"


REGION = Step(
    id="region",
    title="Region",
    help=("A region is a group of AWS data centres in one part of the world, such as eu-west-2 (London). "
          "Pick one near you or your data: prices differ a little between regions, and everything of one "
          "cluster lives in one region. Each region has several availability zones, separate buildings."),
    fields=(Field("region", "Region", "choice", columns=("Region", "Location", "Status"), choices=_region_choices,
                  default=_default_region, describe=_describe_region),),
    write=lambda spec, answer, context: spec.update(region=answer["region"]),
    read=lambda spec: {"region": spec.region},
    spec_paths=("region",),
    invalidates=("network", "storage", "key_pair"),
)


# -- 4. network ---------------------------------------------------------------------------------------


def _vpc_choices(context: Context, item: Item) -> list[Choice]:
    # DNS flags cost two AWS calls per VPC: only the chosen VPC's are asked for (_check_vpc, _describe_vpc).
    choices = [Choice(NEW, ("Create a new VPC for me", "recommended; removed on destroy", "10.0.0.0/16", ""))]
    choices += [Choice(vpc.vpc_id, (vpc.vpc_id, vpc.name or "", vpc.cidr, "default" if vpc.is_default else ""))
                for vpc in context.catalog.vpc_summaries(context.region)]
    return choices


def _missing_dns(context: Context, vpc_id: str) -> list[str]:
    vpc = context.catalog.vpc(context.region, vpc_id)
    if vpc is None:
        return []  # pick_allowed has said it is not offered
    return [what for what, on in (("DNS support", vpc.dns_support), ("DNS hostnames", vpc.dns_hostnames)) if not on]


def _check_vpc(value: Any, context: Context, item: Item) -> str | None:
    missing = _missing_dns(context, value) if value and value != NEW else []
    if missing:
        return (f"{value} has {' and '.join(missing)} turned off and the nodes find each other by name; turn "
                "both on (VPC > Actions > Edit VPC settings) or let clusterwiz create a VPC")
    return None


def _describe_vpc(value: Any, context: Context, item: Item) -> str:
    if value == NEW:
        return ""
    return _check_vpc(value, context, item) or "DNS support and DNS hostnames are on, as the nodes need"


def _zone_choices(context: Context, item: Item) -> list[Choice]:
    return [Choice(z.name, (z.name, z.zone_id, z.state),
                   None if z.state == "available" else f"{z.name} is {z.state}; pick another zone")
            for z in context.catalog.availability_zones(context.region)]


MIN_FREE_SUBNET_IPS = 16  # head node + a few compute nodes; a /24 has 251


def _subnet_choices(context: Context, item: Item) -> list[Choice]:
    choices = []
    for s in context.catalog.subnets(context.region, item["vpc"]):
        disabled = None
        if s.free_ips < MIN_FREE_SUBNET_IPS:
            disabled = (f"{s.subnet_id} has only {s.free_ips} free addresses and every node needs one; pick a "
                        "bigger subnet (a /24 has 251) or let clusterwiz create a VPC")
        choices.append(Choice(s.subnet_id, (s.subnet_id, s.availability_zone, s.cidr, str(s.free_ips),
                                            "yes" if s.public_ip_on_launch else "no", s.name or ""), disabled))
    return choices


def _check_ssh_cidr(value: Any, context: Context, item: Item) -> str | None:
    if not value:
        return None
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        return (f"{value!r} is not an address range ({error}); use your public IP as a.b.c.d/32, "
                "or leave it empty to use the address you connect from")
    return None


def _warn_ssh_cidr(value: Any, context: Context, item: Item) -> str | None:
    if value and ipaddress.ip_network(value, strict=False).prefixlen == 0:
        return ("anyone on the internet will be able to try to log in to the head node; prefer your own "
                "address (leave empty) unless you really need this")
    return None


def _write_network(spec: dict[str, Any], answer: Answer, context: Context) -> None:
    assert isinstance(answer, dict)
    network: dict[str, Any] = {"ssh_cidr": answer.get("ssh_cidr") or None}
    if answer["vpc"] == NEW:
        network["availability_zone"] = answer.get("availability_zone")
    else:
        network.update(vpc_id=answer["vpc"], subnet_id=answer["subnet"])
    spec["network"] = network


def _read_network(spec: ClusterSpec) -> Item:
    network = spec.network
    if network.vpc_id:
        return {"vpc": network.vpc_id, "subnet": network.subnet_id, "ssh_cidr": network.ssh_cidr or ""}
    return {"vpc": NEW, "availability_zone": network.availability_zone, "ssh_cidr": network.ssh_cidr or ""}


NETWORK = Step(
    id="network",
    title="Network",
    help=("A VPC is your private network in AWS and a subnet is a slice of it in one availability zone. "
          "Unless your organisation gave you one, let clusterwiz create a VPC: it is made for the cluster and "
          "removed with it. You also choose who may connect with SSH: by default only the address you use now."),
    fields=(
        Field("vpc", "VPC", "choice", columns=("VPC", "Name", "CIDR", "Default"), choices=_vpc_choices,
              default=lambda context, item: NEW, validate=_check_vpc, describe=_describe_vpc, refreshes=True),
        Field("availability_zone", "Availability zone of the new VPC", "choice",
              columns=("Zone", "Zone id", "State"), choices=_zone_choices, default=_first_enabled(_zone_choices),
              visible=lambda item: item.get("vpc") == NEW),
        Field("subnet", "Subnet", "choice", columns=("Subnet", "Zone", "CIDR", "Free IPs", "Public IPs", "Name"),
              choices=_subnet_choices, default=_first_enabled(_subnet_choices),
              visible=lambda item: item.get("vpc") not in (None, NEW)),
        Field("ssh_cidr", "Who may SSH in", "text",
              help="empty: only your current public address; or a range such as 203.0.113.0/24",
              default=lambda context, item: "", validate=_check_ssh_cidr, warn=_warn_ssh_cidr),
    ),
    write=_write_network,
    read=_read_network,
    spec_paths=("network",),
    invalidates=("storage",),
    invalidation_key=lambda answer, context: context.availability_zone(),
)


# -- 5. operating system ------------------------------------------------------------------------------


def _image_choices(context: Context, item: Item) -> list[Choice]:
    # The systems a cluster boots on first, in BOOTABLE_OS's order; after them, greyed out, those it cannot boot
    # yet, each saying so where its AMI would be and why after it (they are not selectable).
    order = (*BOOTABLE_OS, *UNSUPPORTED_OS)
    images = sorted((i for i in context.catalog.os_images(context.region) if i.os in order),
                    key=lambda i: (order.index(i.os), i.architecture))
    choices = []
    for i in images:
        why_not = UNSUPPORTED_OS.get(i.os)
        cells = (OS_TITLES[i.os], i.architecture, *(("unavailable", why_not) if why_not else (i.ami_id, i.name)))
        choices.append(Choice(f"{i.os}/{i.architecture}", cells,
                              f"{OS_TITLES[i.os]} cannot be chosen yet: {why_not}" if why_not else None))
    choices.append(Choice(CUSTOM, ("Custom AMI", "", "your own image", "give its id below")))
    return choices


def _default_image(context: Context, item: Item) -> str:
    values = [c.value for c in _image_choices(context, item) if c.disabled is None]
    return next((v for v in (f"{DEFAULT_OS}/x86_64", *values) if v in values), CUSTOM)


def _check_ami(value: Any, context: Context, item: Item) -> str | None:
    if not isinstance(value, str) or not re.match(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$", value):
        return f"{value!r} is not an AMI id; it looks like ami-0a1b2c3d4e5f67890 (copy it from the EC2 console)"
    image = context.catalog.image(context.region, value)
    if image is None:
        return f"{value} does not exist in {context.region} (or is not shared with you); check the id and region"
    if image.state != "available":
        return f"{value} is {image.state}; wait until it is available or pick another image"
    if image.os_family not in SUPPORTED_OS:
        return (f"cannot tell which operating system {value} ({image.name}) runs; clusterwiz supports images "
                f"based on {', '.join(OS_TITLES[o] for o in BOOTABLE_OS)}")
    if image.os_family in UNSUPPORTED_OS:
        return f"{value} runs {OS_TITLES[image.os_family]}, not supported yet: {UNSUPPORTED_OS[image.os_family]}"
    return None


def _describe_ami(value: Any, context: Context, item: Item) -> str:
    image = context.catalog.image(context.region, value) if value else None
    return f"{image.name}: {image.os_family}, {image.architecture}" if image else ""


def _write_os(spec: dict[str, Any], answer: Answer, context: Context) -> None:
    assert isinstance(answer, dict)
    if answer["image"] == CUSTOM:
        image = context.catalog.image(context.region, answer["ami_id"])
        spec.update(os=image.os_family if image else None, ami_id=answer["ami_id"])
    else:
        spec.update(os=answer["image"].split("/", 1)[0], ami_id=None)


def _read_os(spec: ClusterSpec) -> Item:
    if spec.ami_id:
        return {"image": CUSTOM, "ami_id": spec.ami_id}
    architecture = "arm64" if spec.head_node.instance_type.split(".")[0].endswith("g") else "x86_64"
    return {"image": f"{spec.os}/{architecture}"}


OPERATING_SYSTEM = Step(
    id="os",
    title="Operating system",
    help=("Every node runs the same Linux. Debian 13 is a safe choice. An AMI (Amazon Machine Image) is the "
          "disk image a machine starts from; x86_64 images run on Intel/AMD types, arm64 images on AWS Graviton "
          "types (names with a 'g', such as c7g), which are often cheaper. You can also give your own AMI."),
    fields=(
        Field("image", "Operating system", "choice", columns=("System", "Arch", "Current AMI", "Name"),
              choices=_image_choices, default=_default_image, refreshes=True),
        Field("ami_id", "Custom AMI id", "text", help="e.g. ami-0a1b2c3d4e5f67890", default=lambda c, i: "",
              validate=_check_ami, describe=_describe_ami, visible=lambda item: item.get("image") == CUSTOM),
    ),
    write=_write_os,
    read=_read_os,
    spec_paths=("os", "ami_id"),
    invalidates=("head_node", "queues"),
    invalidation_key=lambda answer, context: context.architecture(),
)


# -- 6. head node -------------------------------------------------------------------------------------

INSTANCE_COLUMNS = ("Type", "vCPU", "GiB", "Arch", "≈$/h")

HEAD_NODE = Step(
    id="head_node",
    title="Head node",
    help=("The head node is the machine you log in to. It runs the Slurm scheduler and shares /home with the "
          "compute nodes; it does not run your jobs, so a small type is enough. vCPU is the number of "
          "processor threads; $/h is the on-demand price while it runs."),
    fields=(Field("instance_type", "Head node type", "choice", columns=INSTANCE_COLUMNS,
                  choices=_head_node_choices, default=_default_type(PREFERRED_HEAD_TYPES),
                  show_disabled=False),),
    write=lambda spec, answer, context: spec.update(head_node={"instance_type": answer["instance_type"]}),
    read=lambda spec: {"instance_type": spec.head_node.instance_type},
    spec_paths=("head_node",),
)


# -- 7. queues ----------------------------------------------------------------------------------------

CAPACITY_CHOICES = (
    Choice("ondemand", ("On-demand", "you pay the full price; nodes run until Slurm releases them")),
    Choice("spot", ("Spot", "spare AWS capacity, often 60-90% cheaper, but AWS may reclaim a node with two "
                    "minutes' notice, stopping its job")),
)


def _default_queue_name(context: Context, item: Item) -> str:
    taken = {q.get("name") for q in context.siblings}
    return next(n for n in ("compute", *(f"queue{i}" for i in range(2, 20))) if n not in taken)


def _default_queue_types(context: Context, item: Item) -> list[str]:
    chosen = _default_type(PREFERRED_COMPUTE_TYPES)(context, item)
    return [chosen] if chosen else []


def _check_queue_types(value: Any, context: Context, item: Item) -> str | None:
    if not value:
        return "pick at least one instance type for the queue's nodes"
    choices = _instance_type_choices(context, item)
    for instance_type in value:
        problem = pick_allowed(instance_type, choices, "instance types")
        if problem:
            return problem
    return None


def _quota_for(context: Context, item: Item) -> tuple[int | None, int]:
    """(the vCPU quota that bounds this queue's largest type, bought as the queue buys it; vCPUs of the queue at
    max size)."""
    infos = {i.name: i for i in context.catalog.instance_types(context.region)}
    known = [infos[t] for t in item.get("instance_types") or [] if t in infos]
    if not known:
        return None, 0
    largest = max(known, key=lambda info: info.vcpus)
    quota = quota_for(largest.name, item.get("capacity") or "ondemand")
    limit = context.catalog.vcpu_quotas(context.region).limit(quota.code) if quota else None
    return limit, largest.vcpus * int(item.get("max_nodes") or 0)


def _describe_max(value: Any, context: Context, item: Item) -> str:
    limit, vcpus = _quota_for(context, item)
    quota = "unknown (AWS did not say)" if limit is None else f"{limit:g}"
    return f"at most {vcpus} vCPUs at max size; your vCPU quota here: {quota}"


def _warn_max(value: Any, context: Context, item: Item) -> str | None:
    limit, vcpus = _quota_for(context, item)
    if limit is not None and vcpus > limit:
        return (f"{vcpus} vCPUs at max size exceed your quota of {limit:g}; AWS will refuse the extra nodes. "
                "Lower max nodes or request a quota increase (Service Quotas console)")
    return None


def _check_queues(answer: Answer, context: Context) -> list[Problem]:
    assert isinstance(answer, list)
    from clusterwiz.core.spec import Queue

    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(answer):
        problems.extend(_validated(Queue, item, index)[1])
        if item.get("name") in seen:
            problems.append(Problem("name", f"queue {item['name']!r} appears twice; give each queue its own name",
                                    index))
        seen.add(item.get("name"))
    return problems


def _read_queues(spec: ClusterSpec) -> list[Item]:
    return [queue.model_dump() for queue in spec.queues]


def _int_field(field_id: str, label: str, default: int, help: str, **extra: Any) -> Field:
    return Field(field_id, label, "int", help=help, default=lambda context, item: default, **extra)


QUEUES = Step(
    id="queues",
    title="Queues",
    help=("Jobs wait in a queue (a Slurm partition) until nodes are free. clusterwiz starts compute nodes when "
          "jobs wait and removes them when idle, between the minimum and maximum you set, so an empty cluster "
          "costs only its head node. Add a second queue for, e.g., GPU or spot nodes."),
    fields=(
        Field("name", "Queue name", "text", help="becomes the Slurm partition name", default=_default_queue_name,
              max_length=QUEUE_NAME_MAX_LENGTH),
        Field("instance_types", "Node types", "multichoice", columns=INSTANCE_COLUMNS,
              choices=_instance_type_choices, default=_default_queue_types, validate=_check_queue_types,
              show_disabled=False),
        Field("capacity", "Capacity", "choice", columns=("Capacity", "What it means"),
              choices=lambda context, item: list(CAPACITY_CHOICES), default=lambda context, item: "ondemand"),
        _int_field("min_nodes", "Minimum nodes", 0, "kept running even when idle (they cost money)"),
        _int_field("initial_nodes", "Initial nodes", 0, "started when the cluster is created"),
        _int_field("max_nodes", "Maximum nodes", 4, "the queue never grows beyond this",
                   describe=_describe_max, warn=_warn_max),
    ),
    write=lambda spec, answer, context: spec.update(queues=list(answer)),
    read=_read_queues,
    spec_paths=("queues",),
    check=_check_queues,
    repeat=Repeat(noun="queue", min_items=1, max_items=10, initial_items=1),
)


# -- 8. shared storage --------------------------------------------------------------------------------


def _volume_choices(context: Context, item: Item) -> list[Choice]:
    zone = context.availability_zone()
    choices = [Choice(NEW, ("Create a new volume", "", zone or "", "", "", ""))]
    for volume in context.catalog.volumes(context.region):
        disabled = None
        if volume.state != "available":
            disabled = f"{volume.volume_id} is {volume.state} (attached elsewhere?); detach it first or pick another"
        elif zone and volume.availability_zone != zone:
            disabled = (f"{volume.volume_id} is in {volume.availability_zone} but the cluster runs in {zone}; a "
                        f"volume can only attach in its own zone: pick a volume in {zone}, or change the Network "
                        "step's zone")
        choices.append(Choice(volume.volume_id, (volume.volume_id, volume.name or "", volume.availability_zone,
                                                 str(volume.size_gib), volume.volume_type, volume.state), disabled))
    return choices


def _default_mount_dir(context: Context, item: Item) -> str:
    taken = {v.get("mount_dir") for v in context.siblings}
    return next(d for d in ("/shared", "/data", *(f"/data{i}" for i in range(2, 10))) if d not in taken)


def _is_new_volume(item: Item) -> bool:
    return item.get("source") == NEW


def _volume_model_item(item: Item) -> Item:
    if _is_new_volume(item):
        return {"mount_dir": item.get("mount_dir"), "size_gib": item.get("size_gib"),
                "volume_type": item.get("volume_type"), "encrypted": item.get("encrypted", True)}
    return {"mount_dir": item.get("mount_dir"), "volume_id": item.get("source")}


def _check_storage(answer: Answer, context: Context) -> list[Problem]:
    assert isinstance(answer, list)
    from clusterwiz.core.spec import SharedVolume

    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(answer):
        volume, volume_problems = _validated(SharedVolume, _volume_model_item(item), index)
        if volume is None:
            problems.extend(replace(p, field="source") if p.field == "volume_id" else p for p in volume_problems)
            continue
        if volume.mount_dir in seen:
            problems.append(Problem("mount_dir", f"{volume.mount_dir} is used by two volumes; give each its own",
                                    index))
        seen.add(volume.mount_dir)
    return problems


def _check_size(value: Any, context: Context, item: Item) -> str | None:
    low, high = EBS_SIZE_LIMITS.get(item.get("volume_type") or "gp3", (1, 16384))
    if not isinstance(value, int) or not low <= value <= high:
        return f"{item.get('volume_type')} volumes are {low} to {high} GiB; enter a size in that range"
    return None


def _read_storage(spec: ClusterSpec) -> list[Item]:
    items = []
    for volume in spec.shared_storage:
        if volume.volume_id:
            items.append({"source": volume.volume_id, "mount_dir": volume.mount_dir})
        else:
            items.append({"source": NEW, "mount_dir": volume.mount_dir, "size_gib": volume.size_gib,
                          "volume_type": volume.volume_type, "encrypted": volume.encrypted})
    return items


STORAGE = Step(
    id="storage",
    title="Shared storage",
    help=("/home is already shared from the head node to every compute node. Add EBS volumes (network disks) "
          "for data that should survive the cluster: an existing volume is attached and never deleted by "
          "clusterwiz; a new one is created for you. A volume lives in one availability zone, so only volumes "
          "in the cluster's zone can be attached. Leave the list empty if you do not need one."),
    fields=(
        Field("source", "Volume", "choice", columns=("Volume", "Name", "Zone", "Size GiB", "Type", "State"),
              choices=_volume_choices, default=lambda context, item: NEW, refreshes=True),
        Field("mount_dir", "Mount directory", "text", help="where it appears on every node, e.g. /shared",
              default=_default_mount_dir),
        # The type before the size: the sizes a volume may have depend on its type.
        Field("volume_type", "Volume type", "choice", columns=("Type", "Good for"),
              choices=lambda context, item: [Choice(t, (t, VOLUME_TYPE_NOTES[t])) for t in NEW_VOLUME_TYPES],
              default=lambda context, item: "gp3", visible=_is_new_volume),
        _int_field("size_gib", "Size (GiB)", 100, "you pay per GiB per month, used or not",
                   validate=_check_size, visible=_is_new_volume),
        Field("encrypted", "Encrypted", "bool", help="encrypt the data at rest (no extra cost)",
              default=lambda context, item: True, visible=_is_new_volume),
    ),
    write=lambda spec, answer, context: spec.update(shared_storage=[_volume_model_item(i) for i in answer]),
    read=_read_storage,
    spec_paths=("shared_storage",),
    check=_check_storage,
    repeat=Repeat(noun="volume", min_items=0, max_items=5, initial_items=0),
)


# -- 9. key pair --------------------------------------------------------------------------------------


def _key_choices(context: Context, item: Item) -> list[Choice]:
    choices = [Choice(CREATE, ("Create a new key pair", "the private key is saved for you", ""))]
    choices += [Choice(k.name, (k.name, k.key_type or "", k.key_pair_id or ""))
                for k in context.catalog.key_pairs(context.region)]
    return choices


def _check_new_key_name(value: Any, context: Context, item: Item) -> str | None:
    if not isinstance(value, str) or not re.match(KEY_NAME_PATTERN, value):
        return f"{value!r} is not a valid key pair name; use letters, digits, '.', '_' and '-'"
    if value in {k.name for k in context.catalog.key_pairs(context.region)}:
        return f"a key pair named {value!r} already exists in {context.region}; pick it above or choose another name"
    return None


def _check_key_file(value: Any, context: Context, item: Item) -> str | None:
    if value and not Path(value).expanduser().is_file():
        return f"{value} does not exist; give the path of the private key (.pem) or leave it empty"
    return None


def _write_key(spec: dict[str, Any], answer: Answer, context: Context) -> None:
    assert isinstance(answer, dict)
    if answer["key"] == CREATE:
        spec.update(key_pair=answer["new_key_name"], ssh_key_file=None)
    else:
        spec.update(key_pair=answer["key"], ssh_key_file=answer.get("ssh_key_file") or None)


KEY_PAIR = Step(
    id="key_pair",
    title="Key pair",
    help=("SSH logs you in with a key pair instead of a password: AWS keeps the public half and puts it on the "
          "head node; you keep the private half. If you have none here, let clusterwiz create one: it saves "
          "the private key (readable only by you) next to the cluster and uses it for `clusterwiz ssh`."),
    fields=(
        Field("key", "Key pair", "choice", columns=("Key pair", "Type", "Id"), choices=_key_choices,
              default=lambda context, item: CREATE, refreshes=True),
        Field("new_key_name", "Name of the new key pair", "text",
              default=lambda context, item: f"{context.value('name', 'name', 'cluster')}-key",
              validate=_check_new_key_name, visible=lambda item: item.get("key") == CREATE,
              max_length=KEY_NAME_MAX_LENGTH),
        Field("ssh_key_file", "Private key file (optional)", "text", help="e.g. ~/.ssh/mykey.pem",
              default=lambda context, item: "", validate=_check_key_file,
              visible=lambda item: item.get("key") not in (None, CREATE)),
    ),
    write=_write_key,
    read=lambda spec: {"key": spec.key_pair or CREATE, "ssh_key_file": spec.ssh_key_file or ""},
    spec_paths=("key_pair", "ssh_key_file"),
)


# -- 10. cost limits ----------------------------------------------------------------------------------


def _stops_when_idle(item: Item) -> bool:
    return item.get("stop_when_idle") is True


def _check_idle_stop(value: Any, context: Context, item: Item) -> str | None:
    from clusterwiz.core.spec import IdleTimes

    # The wizard does not ask for the scale-down time: the spec's default is the one the cluster gets.
    problems = _validated(IdleTimes, {"idle_stop_minutes": value}, None)[1]
    return "; ".join(problem.message for problem in problems) or None


def _describe_idle_stop(value: Any, context: Context, item: Item) -> str:
    if not isinstance(value, int):
        return ""  # being typed; Next says what is wrong with it
    start = cli("start", context.value("name", "name", "NAME"), sandbox=context.sandbox)
    return (f"no job and nobody logged in for {value} minutes: the whole cluster stops itself, only its storage "
            f"bills; `{start}` brings it back")


def _expiry(value: Any) -> datetime | None:
    """The expiry an answer gives (ExpiryError when it gives none that can be used)."""
    from clusterwiz.core.expiry import now_utc, parse_expires

    return parse_expires(str(value), now_utc()) if value not in (None, "") else None


def _check_expiry(value: Any, context: Context, item: Item) -> str | None:
    from clusterwiz.core.expiry import ExpiryError

    try:
        _expiry(value)
    except ExpiryError as refused:
        return str(refused)
    return None


def _describe_expiry(value: Any, context: Context, item: Item) -> str:
    from clusterwiz.core.expiry import ExpiryError, describe_expiry, now_utc

    try:
        expires_at = _expiry(value)
    except ExpiryError:
        return ""  # being typed; Next says what is wrong with it
    extend = cli("extend", context.value("name", "name", "NAME"), "--by", "8h", sandbox=context.sandbox)
    return (f"the whole cluster stops {describe_expiry(expires_at, now_utc())}, running jobs included; "
            f"`{extend}` moves it") if expires_at else ""


def _write_cost_limits(spec: dict[str, Any], answer: Answer, context: Context) -> None:
    from clusterwiz.core.expiry import tag_value

    assert isinstance(answer, dict)
    expires_at = _expiry(answer.get("expires"))
    spec.update(idle_stop_minutes=answer.get("idle_stop_minutes") if _stops_when_idle(answer) else None,
                expires_at=None if expires_at is None else tag_value(expires_at))


def _read_cost_limits(spec: ClusterSpec) -> Item:
    from clusterwiz.core.expiry import tag_value

    expires = "" if spec.expires_at is None else tag_value(spec.expires_at)
    if spec.idle_stop_minutes is None:
        return {"stop_when_idle": False, "expires": expires}
    return {"stop_when_idle": True, "idle_stop_minutes": spec.idle_stop_minutes, "expires": expires}


COST_LIMITS = Step(
    id="cost_limits",
    title="Cost limits",
    help=("A cluster someone forgot bills by the hour until somebody acts. With idle stop on, a cluster with no job "
          "and nobody logged in for the time you set stops itself, compute nodes and head node, and only its "
          "storage bills. Anyone logged in is warned a few minutes before. Starting it again brings it back as it "
          "was. An expiry (for a workshop or a deadline) stops it at a set time whatever runs."),
    fields=(
        Field("stop_when_idle", "Stop when unused", "bool", default=lambda context, item: True, refreshes=True),
        _int_field("idle_stop_minutes", "Stop after (minutes)", DEFAULT_IDLE_STOP_MINUTES, "",
                   validate=_check_idle_stop, describe=_describe_idle_stop, visible=_stops_when_idle),
        Field("expires", "Expires", "text", help="8h, 2d, a time such as 2026-12-04T18:00Z; empty: never",
              default=lambda context, item: "", validate=_check_expiry, describe=_describe_expiry),
    ),
    write=_write_cost_limits,
    read=_read_cost_limits,
    spec_paths=("idle_stop_minutes", "expires_at"),
)


STEPS: tuple[Step, ...] = (ACCOUNT, NAME, REGION, NETWORK, OPERATING_SYSTEM, HEAD_NODE, QUEUES, STORAGE,
                           KEY_PAIR, COST_LIMITS)
STEPS_BY_ID = {step.id: step for step in STEPS}
REVIEW_TITLE = "Review"


def step_for_field(path: str) -> Step | None:
    """The step whose answer sets a spec field such as 'queues.0.max_nodes', to send a finding back there."""
    for step in STEPS:
        if any(path == p or path.startswith(p + ".") for p in step.spec_paths):
            return step
    return None


# -- answering ----------------------------------------------------------------------------------------


def parse_value(field_: Field, raw: Any) -> Any:
    """A typed value from what a user typed or an answers file held; ValueError says how to write it."""
    if field_.kind == "int":
        if isinstance(raw, bool):
            raise ValueError(f"{field_.label}: {raw!r} is not a whole number; write e.g. 4")
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(f"{field_.label}: {raw!r} is not a whole number; write e.g. 4") from None
    if field_.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        raise ValueError(f"{field_.label}: {raw!r} is not yes or no")
    if field_.kind == "multichoice":
        values = [raw] if isinstance(raw, str) else list(raw or [])
        return [str(v).strip() for v in values]
    return "" if raw is None else str(raw).strip()


def default_item(step: Step, context: Context, given: Mapping[str, Any] | None = None,
                 siblings: list[Item] | None = None) -> Item:
    """An item with the given values and defaults for every other visible field, in field order."""
    item: Item = {}
    given = given or {}
    context.siblings = siblings or []
    for field_ in step.fields:
        if not field_.visible(item):
            continue
        if field_.id in given:
            item[field_.id] = parse_value(field_, given[field_.id])
        elif field_.default is not None:
            item[field_.id] = field_.default(context, item)
    return item


def default_answer(step: Step, context: Context) -> Answer:
    if step.repeat:
        items: list[Item] = []
        for _ in range(step.repeat.initial_items):
            items.append(default_item(step, context, siblings=items))
        return items
    return default_item(step, context)


def check_item(step: Step, item: Item, context: Context, index: int | None = None) -> list[Problem]:
    problems = []
    for field_ in step.visible_fields(item):
        value = item.get(field_.id)
        message = None
        if field_.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            message = f"{value!r} is not a whole number; enter e.g. 4"
        elif field_.kind == "choice":
            message = pick_allowed(value, field_.choices(context, item), field_.label.lower() + "s") \
                if field_.choices else None
        if message is None and field_.validate is not None:
            message = field_.validate(value, context, item)
        if message:
            problems.append(Problem(field_.id, message, index))
    return problems


def check_answer(step: Step, answer: Answer, context: Context) -> list[Problem]:
    """Every problem with a step's answer; empty when the step is done."""
    if step.repeat:
        assert isinstance(answer, list)
        problems = []
        if len(answer) < step.repeat.min_items:
            problems.append(Problem(step.repeat.noun, f"add at least {step.repeat.min_items} {step.repeat.noun}"))
        if len(answer) > step.repeat.max_items:
            problems.append(Problem(step.repeat.noun, f"at most {step.repeat.max_items} of them; remove some"))
        for index, item in enumerate(answer):
            problems.extend(check_item(step, item, context, index))
    else:
        assert isinstance(answer, dict)
        problems = check_item(step, answer, context)
    if not problems and step.check:
        problems = step.check(answer, context)
    return problems


# cluster.yaml's names a message may hold that no step's field carries under the same id (a step asks for "vpc",
# the spec holds "vpc_id").
SPEC_FIELD_LABELS = {"vpc_id": "VPC", "subnet_id": "Subnet", "key_pair": "Key pair", "volume_id": "Volume",
                     "root_volume_gib": "Root volume size", "scaledown_idle_minutes": "Node scale-down time"}


def _user_words() -> dict[str, str]:
    """Each identifier a message may name, and the label the wizard shows for it. Only names written as
    identifiers (with an underscore): a one-word id such as name or image is also a word of a sentence."""
    words = {f.id: f.label for step in STEPS for f in step.fields if "_" in f.id}
    return {**words, **SPEC_FIELD_LABELS}


def _phrase(label: str) -> str:
    # Mid-sentence, a label starts in lower case unless it starts with an acronym (VPC, AMI).
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


USER_WORDS = _user_words()
# A name with the path it may be written under (queues.0.max_nodes, network.ssh_cidr); longest names first.
USER_WORDS_PATTERN = re.compile(
    r"\b(?:[a-z_]+\.(?:\d+\.)?)*(?P<name>" + "|".join(sorted(USER_WORDS, key=len, reverse=True)) + r")\b")


def in_user_words(text: str) -> str:
    """A message of a check or of pre-flight, which speak cluster.yaml's language (network.ssh_cidr, min_nodes, as
    an answers file does), in the words of the wizard's fields (who may SSH in, minimum nodes)."""
    return USER_WORDS_PATTERN.sub(lambda match: _phrase(USER_WORDS[match.group("name")]), text)


def in_labels(problems: list[Problem]) -> list[Problem]:
    """Problems as a person answering the wizard or the prompts reads them."""
    return [replace(problem, message=in_user_words(problem.message)) for problem in problems]


def warnings_for(step: Step, answer: Answer, context: Context) -> list[Problem]:
    items = answer if isinstance(answer, list) else [answer]
    warnings = []
    for index, item in enumerate(items):
        for field_ in step.visible_fields(item):
            message = field_.warn(item.get(field_.id), context, item) if field_.warn else None
            if message:
                warnings.append(Problem(field_.id, message, index if step.repeat else None))
    return warnings


def _shown(step: Step, answer: Answer) -> list[Item]:
    """Each item of an answer as a form shows it: its visible fields only (a spec read back holds more)."""
    items = answer if isinstance(answer, list) else [answer]
    return [{f.id: item.get(f.id) for f in step.visible_fields(item)} for item in items]


def completed(step: Step, draft: Answer, context: Context) -> Answer:
    """A draft with a default for each field it lacks that its values make visible (a form not yet rebuilt for
    the pick that shows them)."""
    if step.repeat:
        assert isinstance(draft, list)
        items: list[Item] = []
        for item in draft:
            items.append(default_item(step, context, item, siblings=items))
        return items
    assert isinstance(draft, dict)
    return default_item(step, context, draft)


class WizardState:
    """The answers so far, and what an answer does to the answers after it."""

    def __init__(self, context: Context):
        self.context = context
        # Answered steps the user left with an edit that is not valid: not done until it is fixed, and the answer
        # they had stays for what later steps were built on.
        self.unfinished: set[str] = set()

    @property
    def answers(self) -> dict[str, Answer]:
        return self.context.answers

    def edited(self, step_id: str, draft: Answer) -> bool:
        """Whether a form's draft differs from the step's answer, in the fields the form shows."""
        recorded = self.answers.get(step_id)
        if recorded is None:
            return False  # never answered: the draft waits for Next
        step = STEPS_BY_ID[step_id]
        return _shown(step, recorded) != _shown(step, draft)

    def set_aside(self, step_id: str) -> None:
        """The user left an answered step with an edit that is not valid: the step is not done until fixed."""
        if step_id in self.answers:
            self.unfinished.add(step_id)

    def answer(self, step_id: str, answer: Answer) -> list[Step]:
        """Record an answer; return the later steps it cleared (their answers no longer fit)."""
        step = STEPS_BY_ID[step_id]
        previous = self.answers.get(step_id)
        old_key = self._invalidation_key(step, previous) if previous is not None else None
        self.answers[step_id] = answer
        self.unfinished.discard(step_id)
        if previous is None or not step.invalidates:
            return []
        if self._invalidation_key(step, answer) == old_key:
            return []
        cleared = [STEPS_BY_ID[dep] for dep in step.invalidates if self.answers.pop(dep, None) is not None]
        return cleared

    def _invalidation_key(self, step: Step, answer: Answer) -> Hashable:
        if step.invalidation_key is None:
            return repr(answer)
        saved = self.answers.get(step.id)
        self.answers[step.id] = answer
        try:
            return step.invalidation_key(answer, self.context)
        finally:
            self.answers[step.id] = saved

    def is_done(self, step_id: str) -> bool:
        return step_id in self.answers and step_id not in self.unfinished

    def first_unanswered(self) -> Step | None:
        return next((s for s in STEPS if not self.is_done(s.id)), None)

    def spec_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for step in STEPS:
            if step.id in self.answers:
                step.write(data, self.answers[step.id], self.context)
        return data

    def spec(self) -> ClusterSpec:
        missing = [s.title for s in STEPS if not self.is_done(s.id)]
        if missing:
            raise ClusterwizError(f"the wizard is not finished: answer {', '.join(missing)} first")
        from clusterwiz.core.spec import ClusterSpec

        return ClusterSpec.from_mapping(self.spec_data(), "the wizard's answers")

    def load_spec(self, spec: ClusterSpec) -> None:
        """Start from an existing spec (clusterwiz new --from FILE): every step answered as the spec says."""
        for step in STEPS:
            self.answers[step.id] = step.read(spec)


class AnswersError(ClusterwizError):
    """An answers file (clusterwiz new --answers) holds an answer a step refuses; one line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} has answers the wizard cannot take; fix them and run again:\n{lines}")


def answers_from_mapping(data: Any, context: Context, source: str) -> WizardState:
    """Run every step non-interactively from an answers file; fail with the step's own message."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AnswersError(source, ["the file must be a mapping of step ids (name:, region:, ...) to answers"])
    unknown = sorted(set(data) - set(STEPS_BY_ID))
    if unknown:
        raise AnswersError(source, [f"{key}: unknown step; known steps: {', '.join(STEPS_BY_ID)}"
                                    for key in unknown])
    state = WizardState(context)
    for step in STEPS:
        given = data.get(step.id)
        try:
            answer = _answer_from(step, given, context)
        except ValueError as error:
            raise AnswersError(source, [f"{step.id} ({step.title}): {error}"]) from None
        problems = check_answer(step, answer, context)
        if problems:
            raise AnswersError(source, [f"{step.id} ({step.title}): {p}" for p in problems])
        state.answer(step.id, answer)
    return state


def _answer_from(step: Step, given: Any, context: Context) -> Answer:
    if given is None:
        return default_answer(step, context)
    if step.repeat:
        if not isinstance(given, list):
            raise ValueError(f"give a list of {step.repeat.noun}s (one mapping each)")
        items: list[Item] = []
        for entry in given:
            if not isinstance(entry, dict):
                raise ValueError(f"each {step.repeat.noun} is a mapping of {', '.join(f.id for f in step.fields)}")
            _reject_unknown(step, entry)
            items.append(default_item(step, context, entry, siblings=items))
        return items
    if not isinstance(given, dict):
        given = {step.fields[0].id: given}  # a plain value answers the step's first (main) field
    _reject_unknown(step, given)
    return default_item(step, context, given)


def _reject_unknown(step: Step, given: Mapping[str, Any]) -> None:
    unknown = sorted(set(given) - {f.id for f in step.fields})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(f.id for f in step.fields)}")


@dataclass(frozen=True)
class PreparedStep:
    """What a front-end needs to show a step: the answer to start from and each field's choices and detail.

    Keys of choices/details are (item index, field id); a plain step has item index 0.
    """

    step: Step
    answer: Answer
    choices: dict[tuple[int, str], list[Choice]]
    details: dict[tuple[int, str], str]
    inputs: Mapping[str, Answer | None]  # step id -> its answer, for each answer read to build this (its own too)

    def fits(self, answers: Mapping[str, Answer]) -> bool:
        """Whether these answers would give what this shows: each answer it was built from is unchanged."""
        return all(answers.get(step_id) == answer for step_id, answer in self.inputs.items())

    def accepted(self, answer: Answer) -> PreparedStep:
        """This, once the answer it shows is taken as the step's answer: it fits the answers from then on."""
        return replace(self, inputs={**self.inputs, self.step.id: answer})


class _ReadAnswers(dict):
    """A copy of the answers that notes every answer read from it: the inputs of what is built from it."""

    def __init__(self, answers: Mapping[str, Answer]):
        super().__init__(answers)
        self.read: dict[str, Answer | None] = {}

    def get(self, step_id: str, default: Any = None) -> Any:
        self._note(step_id)
        return super().get(step_id, default)

    def __getitem__(self, step_id: str) -> Any:
        self._note(step_id)
        return super().__getitem__(step_id)

    def _note(self, step_id: str) -> None:
        if step_id not in self.read:  # a snapshot: what was read once is what was read every time
            self.read[step_id] = copy.deepcopy(super().get(step_id))


def prepare_step(step: Step, context: Context, draft: Answer | None = None) -> PreparedStep:
    """Look up everything a step shows (this calls AWS; run it off the UI thread).

    draft: the answer being edited, e.g. after a field that changes what others offer; None starts from the
    recorded answer, else the defaults.
    """
    answers = _ReadAnswers(context.answers)
    recorded = answers.get(step.id)
    # Built from `reading`, so what it was built from is known; a prefetch is not part of what it shows.
    reading = replace(context, answers=answers)
    if draft is None:
        answer = recorded
        if answer is None:
            answer = default_answer(step, reading)
    else:
        answer = completed(step, draft, reading)
    if step is REGION and isinstance(answer, dict) and answer.get("region"):
        # The step opens (or is prepared ahead) with a region preselected, which most users keep: what the later
        # steps will ask about it loads while they read. Another pick starts its own prefetch when answered.
        prefetch_region(context, answer["region"])
    choices: dict[tuple[int, str], list[Choice]] = {}
    details: dict[tuple[int, str], str] = {}
    items = answer if isinstance(answer, list) else [answer]
    for index, item in enumerate(items):
        for field_ in step.visible_fields(item):
            if field_.choices is not None:
                choices[index, field_.id] = field_.choices(reading, item)
            if field_.describe is not None and not field_.slow_detail and item.get(field_.id) not in (None, ""):
                details[index, field_.id] = field_.describe(item.get(field_.id), reading, item)
    return PreparedStep(step, answer, choices, details, answers.read)
