"""Pre-flight checks: everything that would make a create fail or surprise, found from live AWS data first.

Each finding names the spec field to change, says what is wrong and how to fix it, and has a stable code
(tests and the UI key on codes, never on wording).
"""

from __future__ import annotations

import base64
import difflib
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.quotas import VcpuQuota, quota_for
from clusterwiz.core.aws.records import InstanceTypeInfo, Subnet, VcpuQuotas
from clusterwiz.core.resolve import common_zones, image_for
from clusterwiz.core.spec import ClusterSpec, SharedVolume

Level = Literal["error", "warning", "info"]
# Provisioned IOPS per GiB of volume, and MiB/s per provisioned IOPS (gp3), as EBS enforces them.
MAX_IOPS_PER_GIB = {"gp3": 500, "io1": 50, "io2": 1000}
GP3_BASELINE_IOPS = 3000
GP3_MIBPS_PER_IOPS = 0.25
# Addresses a cluster needs besides its nodes: one per node plus the head node.
ADDRESSES_PER_NODE = 1


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    field: str
    message: str
    fix: str


def has_blocking(findings: Iterable[Finding]) -> bool:
    """True when a create would fail: plan/apply refuse unless --force."""
    return any(finding.level == "error" for finding in findings)


@dataclass
class _Context:
    spec: ClusterSpec
    catalog: Catalog
    types: dict[str, InstanceTypeInfo]  # the spec's types that exist in the region
    subnet: Subnet | None  # the spec's existing subnet, when it exists
    zone: str | None  # where the nodes will run, when already decided by the spec or its volumes
    updating: bool = False  # the cluster exists: its tagged resources and attached volumes are its own

    @property
    def region(self) -> str:
        return self.spec.region


def validate(spec: ClusterSpec, catalog: Catalog, registry_names: Iterable[str] = (),
             updating: bool = False) -> list[Finding]:
    """Pre-flight findings. `updating`: the cluster exists already, so resources tagged with its name are its
    own (not another cluster's) and its existing volumes are attached to its head node."""
    region = spec.region
    regions = {r.name: r for r in catalog.regions()}
    if region not in regions:
        return [Finding("error", "REGION_UNKNOWN", "region", f"{region} is not an AWS region your account sees",
                        f"use one of {', '.join(sorted(r for r in regions if regions[r].enabled))}")]
    if not regions[region].enabled:
        return [Finding("error", "REGION_DISABLED", "region", f"{region} is not enabled for your account",
                        "enable it in the AWS console (Account > AWS Regions) or choose an enabled region")]
    # Independent lookups run together; the checks below then read them from the catalog's cache.
    catalog.prefetch("_instance_type_table", "offerings", "availability_zones", "key_pairs", "vcpu_quotas",
                     region=region)
    if not updating:
        catalog.prefetch("tagged_resources", region=region, cluster_name=spec.name)
    if spec.ami_id:
        catalog.prefetch("image", region=region, ami_id=spec.ami_id)
    else:
        catalog.prefetch("os_images", region=region)
    # Subnets serve the network checks and choose where the launch is dry-run, for a new VPC too.
    catalog.prefetch("_raw_vpcs", "_all_subnets", region=region)
    if spec.network.vpc_id:
        catalog.prefetch("vpc", "route_tables", region=region, vpc_id=spec.network.vpc_id)
    if any(volume.volume_id for volume in spec.shared_storage):
        catalog.prefetch("volumes", region=region)
    for volume in spec.shared_storage:
        if volume.snapshot_id:
            catalog.prefetch("snapshot", region=region, snapshot_id=volume.snapshot_id)

    types = {name: info for name in spec.instance_types if (info := catalog.instance_type(region, name))}
    subnet = catalog.subnet(region, spec.network.subnet_id) if spec.network.subnet_id else None
    context = _Context(spec=spec, catalog=catalog, types=types, subnet=subnet,
                       zone=_decided_zone(spec, catalog, subnet), updating=updating)
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(context))
    findings.extend(_check_name(context, set(registry_names)))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda finding: order[finding.level])


def _decided_zone(spec: ClusterSpec, catalog: Catalog, subnet: Subnet | None) -> str | None:
    if subnet is not None:
        return subnet.availability_zone
    if spec.network.availability_zone:
        return spec.network.availability_zone
    if spec.network.vpc_id:
        return None
    volumes = [catalog.volume(spec.region, v.volume_id) for v in spec.shared_storage if v.volume_id]
    return next((volume.availability_zone for volume in volumes if volume is not None), None)


def _type_fields(spec: ClusterSpec) -> Iterator[tuple[str, str, str]]:
    """(field, instance type, capacity) for the head node and every queue type."""
    yield "head_node.instance_type", spec.head_node.instance_type, "ondemand"
    for index, queue in enumerate(spec.queues):
        for name in queue.instance_types:
            yield f"queues.{index}.instance_types", name, queue.capacity


# -- instance types and architecture ------------------------------------------------------------------------

def _check_types(ctx: _Context) -> Iterator[Finding]:
    known = None
    for field, name, capacity in _type_fields(ctx.spec):
        info = ctx.types.get(name)
        if info is None:
            known = known or [t.name for t in ctx.catalog.instance_types(ctx.region)]
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "pick one the wizard lists"
            yield Finding("error", "TYPE_UNKNOWN", field, f"{name} is not an instance type in {ctx.region}",
                          f"use an existing type ({hint})")
        elif capacity == "spot" and not info.spot_supported:
            yield Finding("error", "SPOT_UNSUPPORTED", field, f"{name} cannot run as spot capacity",
                          "set the queue's capacity to ondemand, or choose a type that supports spot")


def _check_zones(ctx: _Context) -> Iterator[Finding]:
    offered = ctx.catalog.offerings(ctx.region)
    if ctx.zone is None:
        if ctx.spec.network.creates_vpc and ctx.types and not common_zones(ctx.spec, ctx.catalog):
            where = "; ".join(f"{name}: {', '.join(sorted(offered.get(name, ()))) or 'nowhere'}"
                              for name in ctx.types)
            yield Finding("error", "NO_COMMON_ZONE", "queues",
                          f"no availability zone of {ctx.region} offers every chosen type ({where})",
                          "choose instance types offered in one common zone")
        return
    how = ("choose a subnet in one of those zones" if ctx.subnet is not None
           else "set network.availability_zone to one of those zones")
    for field, name, _ in _type_fields(ctx.spec):
        zones = offered.get(name)
        if name in ctx.types and zones is not None and ctx.zone not in zones:
            listed = ", ".join(sorted(zones)) or "no zone of this region"
            yield Finding("error", "TYPE_NOT_IN_ZONE", field,
                          f"{name} is not offered in {ctx.zone}; it is offered in {listed}",
                          f"{how}, or choose another instance type")


def _check_architecture(ctx: _Context) -> Iterator[Finding]:
    head = ctx.types.get(ctx.spec.head_node.instance_type)
    if head is None:
        return
    for field, name, _ in _type_fields(ctx.spec):
        info = ctx.types.get(name)
        if info is not None and info.architecture != head.architecture:
            yield Finding("error", "ARCH_MISMATCH", field,
                          f"{name} is {info.architecture} but the head node ({head.name}) is {head.architecture}; "
                          "one image boots every node", f"use {head.architecture} types everywhere, or change "
                          "the head node to a type of the other architecture")


# -- image --------------------------------------------------------------------------------------------------

def _check_image(ctx: _Context) -> Iterator[Finding]:
    spec = ctx.spec
    head = ctx.types.get(spec.head_node.instance_type)
    architecture = head.architecture if head else None
    if not spec.ami_id:
        if architecture and image_for(spec, ctx.catalog, architecture) is None:
            yield Finding("error", "OS_IMAGE_MISSING", "os", f"no current {spec.os} image for {architecture} "
                          f"was found in {ctx.region}", "choose another os, or set ami_id to an image you trust")
        return
    image = ctx.catalog.image(ctx.region, spec.ami_id)
    if image is None:
        yield Finding("error", "AMI_NOT_FOUND", "ami_id", f"{spec.ami_id} does not exist in {ctx.region} (or is "
                      "not shared with your account)", "copy the AMI to this region, or remove ami_id to use the "
                      f"current {spec.os} image")
        return
    if image.state != "available":
        yield Finding("error", "AMI_NOT_AVAILABLE", "ami_id", f"{spec.ami_id} is {image.state}, not available",
                      "wait until the image is available, or use another one")
    if image.root_device_type != "ebs":
        yield Finding("error", "AMI_ROOT_DEVICE", "ami_id", f"{spec.ami_id} boots from {image.root_device_type}, "
                      "but cluster nodes need an EBS-backed image", "use an EBS-backed image")
    if architecture and image.architecture != architecture:
        yield Finding("error", "AMI_ARCH", "ami_id", f"{spec.ami_id} is an {image.architecture} image but "
                      f"{spec.head_node.instance_type} needs {architecture}", "use an image of the nodes' "
                      "architecture, or instance types of the image's")
    if image.os_family is None:
        yield Finding("warning", "AMI_OS_UNKNOWN", "ami_id", f"cannot tell from its name ({image.name!r}) that "
                      f"{spec.ami_id} is {spec.os}", f"make sure it is built from {spec.os}; bootstrap fails on "
                      "another OS")
    elif image.os_family != spec.os:
        yield Finding("error", "AMI_OS_MISMATCH", "ami_id", f"{spec.ami_id} ({image.name}) is {image.os_family}, "
                      f"but os is {spec.os}", f"set os to {image.os_family}, or use a {spec.os} image")


# -- key pair -----------------------------------------------------------------------------------------------

def _check_key_pair(ctx: _Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.key_pair is None:
        yield Finding("warning", "KEY_PAIR_NONE", "key_pair", "no key pair: nobody can SSH to the head node",
                      "set key_pair to an EC2 key pair of this region (the wizard can create one)")
        return
    pairs = {pair.name: pair for pair in ctx.catalog.key_pairs(ctx.region)}
    pair = pairs.get(spec.key_pair)
    if pair is None:
        existing = ", ".join(sorted(pairs)) or "none"
        yield Finding("error", "KEY_PAIR_MISSING", "key_pair", f"key pair {spec.key_pair!r} does not exist in "
                      f"{ctx.region} (existing: {existing})", "choose an existing key pair, or create or import "
                      "one in this region (the wizard can create one)")
    if spec.ssh_key_file:
        yield from _check_key_file(Path(spec.ssh_key_file).expanduser(), pair.key_type if pair else None)


def private_key_type(text: str) -> str | None:
    """'rsa' or 'ed25519' for a PEM or OpenSSH private key file's content; None when it cannot tell."""
    if "BEGIN RSA PRIVATE KEY" in text:
        return "rsa"
    if "BEGIN OPENSSH PRIVATE KEY" not in text:
        return None
    body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
    try:
        blob = base64.b64decode(body)
    except ValueError:
        return None
    # openssh-key-v1 holds the public key's algorithm name in clear, even when the private part is encrypted.
    if b"ssh-ed25519" in blob:
        return "ed25519"
    if b"ssh-rsa" in blob:
        return "rsa"
    return None


def _check_key_file(path: Path, pair_type: str | None) -> Iterator[Finding]:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as error:
        yield Finding("warning", "KEY_FILE_MISSING", "ssh_key_file", f"{path} cannot be read ({error.strerror})",
                      "point ssh_key_file at the private key of the key pair")
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        yield Finding("warning", "KEY_FILE_PERMISSIONS", "ssh_key_file", f"{path} is readable by others "
                      f"(mode {oct(mode & 0o777)}); ssh refuses such keys", f"run: chmod 600 {path}")
    file_type = private_key_type(text)
    if file_type and pair_type and file_type != pair_type:
        yield Finding("warning", "KEY_TYPE_MISMATCH", "ssh_key_file", f"{path} is an {file_type} key but the key "
                      f"pair is {pair_type}: it cannot be the pair's private key", "point ssh_key_file at the "
                      "key pair's private key")


# -- network ------------------------------------------------------------------------------------------------

def _nodes_at_max(spec: ClusterSpec) -> int:
    return 1 + sum(queue.max_nodes for queue in spec.queues)


def _check_network(ctx: _Context) -> Iterator[Finding]:
    network = ctx.spec.network
    if network.ssh_open_to_world:
        yield Finding("warning", "SSH_OPEN_WORLD", "network.ssh_cidr", f"{network.ssh_cidr} lets the whole "
                      "internet try to log in to the head node", "use your own address range, e.g. your public "
                      "IP as a.b.c.d/32 (leave ssh_cidr empty to use it automatically)")
    if not network.vpc_id:
        return
    vpc = ctx.catalog.vpc(ctx.region, network.vpc_id)
    if vpc is None:
        yield Finding("error", "VPC_NOT_FOUND", "network.vpc_id", f"{network.vpc_id} does not exist in "
                      f"{ctx.region}", "choose an existing VPC, or remove vpc_id to let clusterwiz create one")
        return
    missing = [what for what, on in (("DNS support", vpc.dns_support), ("DNS hostnames", vpc.dns_hostnames))
               if not on]
    if missing:
        flags = " ".join(f"--enable-dns-{w.split()[1]}" for w in missing)
        yield Finding("error", "VPC_DNS_OFF", "network.vpc_id", f"{network.vpc_id} has {' and '.join(missing)} "
                      "turned off; nodes find each other by DNS name", f"turn them on (aws ec2 "
                      f"modify-vpc-attribute --vpc-id {network.vpc_id} {flags}, one flag per call), or use "
                      "another VPC")
    subnet = ctx.subnet
    if subnet is None:
        yield Finding("error", "SUBNET_NOT_FOUND", "network.subnet_id", f"{network.subnet_id} does not exist in "
                      f"{ctx.region}", f"choose a subnet of {network.vpc_id}")
        return
    if subnet.vpc_id != network.vpc_id:
        yield Finding("error", "SUBNET_NOT_IN_VPC", "network.subnet_id", f"{subnet.subnet_id} belongs to "
                      f"{subnet.vpc_id}, not {network.vpc_id}", f"choose a subnet of {network.vpc_id}, or set "
                      f"vpc_id to {subnet.vpc_id}")
    needed = _nodes_at_max(ctx.spec) * ADDRESSES_PER_NODE
    if subnet.free_ips < needed:
        yield Finding("error", "SUBNET_TOO_SMALL", "network.subnet_id", f"{subnet.subnet_id} has {subnet.free_ips} "
                      f"free addresses but the cluster needs {needed} at full size", "choose a larger subnet, "
                      "or lower the queues' max_nodes")
    yield from _check_subnet_route(ctx, subnet)


def _check_subnet_route(ctx: _Context, subnet: Subnet) -> Iterator[Finding]:
    # Every node has a public IPv4 address and the cluster has no NAT (the modules set associate_public_ip_address,
    # so the subnet's MapPublicIpOnLaunch plays no part): only a default route to an internet gateway lets nodes
    # reach package mirrors at boot and lets SSH from the user's machine reach the head node and answer.
    table = ctx.catalog.route_table_of(ctx.region, subnet)
    if table is not None and table.public:
        return
    public = [s.subnet_id for s in ctx.catalog.subnets(ctx.region, subnet.vpc_id)
              if (routes := ctx.catalog.route_table_of(ctx.region, s)) is not None and routes.public]
    choose = (f"set subnet_id to a public subnet of {subnet.vpc_id} ({', '.join(public)})" if public else
              f"{subnet.vpc_id} has no public subnet (one whose route table sends 0.0.0.0/0 to an internet gateway): "
              "choose another VPC")
    fix = f"{choose}, or remove vpc_id and subnet_id to let clusterwiz create a network with one"
    if table is None:
        routed_by, target = "no route table", None
    else:
        routed_by = f"route table {table.route_table_id}" + (", the VPC's main table" if table.main else "")
        target = table.default_route
    if target and target.startswith("nat-"):
        yield Finding("error", "SUBNET_BEHIND_NAT", "network.subnet_id", f"{subnet.subnet_id} reaches the internet "
                      f"only through NAT gateway {target} ({routed_by}): nodes can install packages, but the head "
                      "node's answers to your SSH on its public address leave through the NAT and never reach you",
                      fix)
        return
    leads = (f"its 0.0.0.0/0 route leads to {target}, not to an internet gateway" if target
             else "it has no 0.0.0.0/0 route to an internet gateway")
    yield Finding("error", "SUBNET_NO_INTERNET", "network.subnet_id", f"{subnet.subnet_id} has no way to the "
                  f"internet ({routed_by}: {leads}): every node fails at its package install, and nobody can SSH to "
                  "the head node", fix)


def _check_launch_permission(ctx: _Context) -> Iterator[Finding]:
    """Every node is launched with a public IPv4 address (there is no NAT): an account whose policy refuses that
    hears it now, from a RunInstances dry run, not from a failed apply."""
    head = ctx.types.get(ctx.spec.head_node.instance_type)
    if head is None:
        return
    image = image_for(ctx.spec, ctx.catalog, head.architecture)
    subnet = _dry_run_subnet(ctx, head)
    if image is None or subnet is None:
        return
    with_address = ctx.catalog.launch_permission(ctx.region, image, head.name, subnet, public_ipv4=True)
    if with_address.allowed is not False:
        # Allowed, or an answer that is no refusal (a missing image, say), which the other checks report.
        return
    without_address = ctx.catalog.launch_permission(ctx.region, image, head.name, subnet, public_ipv4=False)
    if without_address.allowed is False:
        yield Finding("error", "LAUNCH_REFUSED", "head_node.instance_type", f"AWS refuses to launch {head.name} "
                      f"in {ctx.region} ({with_address.code} on a RunInstances dry run, with or without a public "
                      "address)", "ask your AWS administrator to allow ec2:RunInstances for this instance type and "
                      "image (an IAM or service control policy denies it; `aws sts decode-authorization-message` "
                      "reads AWS's reason from a failed launch), or use a profile that has it")
        return
    yield Finding("error", "PUBLIC_IPV4_REFUSED", "network", f"your account's policy refuses to launch instances "
                  f"with a public IPv4 address in {ctx.region} ({with_address.code} on a RunInstances dry run with "
                  "one; allowed without), but every node of a clusterwiz cluster needs one: it has no NAT gateway",
                  "ask your AWS administrator to allow ec2:AssociatePublicIpAddress on ec2:RunInstances (a service "
                  "control policy or IAM condition denies it), or use an account or region where it is allowed")


def _dry_run_subnet(ctx: _Context, head: InstanceTypeInfo) -> str | None:
    """The spec's subnet; for a new VPC, one that exists in a zone offering the head node's type (a policy on
    public addresses is the account's, whichever subnet asks)."""
    if ctx.spec.network.subnet_id:
        return ctx.subnet.subnet_id if ctx.subnet else None
    zones = {ctx.zone} if ctx.zone else ctx.catalog.offerings(ctx.region).get(head.name, frozenset())
    candidates = [subnet for vpc in ctx.catalog.vpc_summaries(ctx.region)
                  for subnet in ctx.catalog.subnets(ctx.region, vpc.vpc_id) if subnet.availability_zone in zones]
    return candidates[0].subnet_id if candidates else None


# -- storage ------------------------------------------------------------------------------------------------

def _subnets_in(ctx: _Context, zone: str) -> str:
    if not ctx.spec.network.vpc_id:
        return ""
    names = [s.subnet_id for s in ctx.catalog.subnets(ctx.region, ctx.spec.network.vpc_id)
             if s.availability_zone == zone]
    return f" ({', '.join(names)})" if names else ""


def _check_storage(ctx: _Context) -> Iterator[Finding]:
    zones_seen: dict[str, str] = {}
    for index, spec_volume in enumerate(ctx.spec.shared_storage):
        prefix = f"shared_storage.{index}"
        if spec_volume.volume_id:
            volume = ctx.catalog.volume(ctx.region, spec_volume.volume_id)
            if volume is None:
                yield Finding("error", "VOLUME_NOT_FOUND", f"{prefix}.volume_id", f"{spec_volume.volume_id} does "
                              f"not exist in {ctx.region}", "choose an existing volume, or remove volume_id to "
                              "create a new one")
                continue
            if volume.state != "available" and not (ctx.updating and volume.state == "in-use"):
                yield Finding("error", "VOLUME_NOT_AVAILABLE", f"{prefix}.volume_id", f"{volume.volume_id} is "
                              f"{volume.state}; only an available (detached) volume can be attached",
                              "detach it from its instance first, or choose another volume")
            zones_seen.setdefault(volume.availability_zone, volume.volume_id)
            if ctx.zone and volume.availability_zone != ctx.zone:
                where = ("subnet " + ctx.subnet.subnet_id) if ctx.subnet else "the cluster"
                move = (f"choose a subnet in {volume.availability_zone}{_subnets_in(ctx, volume.availability_zone)}"
                        if ctx.spec.network.vpc_id else
                        f"set network.availability_zone to {volume.availability_zone}")
                yield Finding("error", "VOLUME_WRONG_ZONE", f"{prefix}.volume_id", f"{volume.volume_id} is in "
                              f"{volume.availability_zone} but {where} is in {ctx.zone}; EBS volumes attach only "
                              "within their zone", f"{move}, or snapshot the volume and create it in {ctx.zone}")
        else:
            yield from _check_new_volume(ctx, prefix, spec_volume)
    if len(zones_seen) > 1:
        listed = ", ".join(f"{vid} in {zone}" for zone, vid in zones_seen.items())
        yield Finding("error", "VOLUMES_SPLIT", "shared_storage", f"the existing volumes are in different "
                      f"zones ({listed}); the head node can attach volumes of its own zone only",
                      "use volumes of one zone (snapshot and re-create the others there)")


def _check_new_volume(ctx: _Context, prefix: str, volume: SharedVolume) -> Iterator[Finding]:
    size = volume.size_gib
    if volume.snapshot_id:
        snapshot = ctx.catalog.snapshot(ctx.region, volume.snapshot_id)
        if snapshot is None:
            yield Finding("error", "SNAPSHOT_NOT_FOUND", f"{prefix}.snapshot_id", f"{volume.snapshot_id} does not "
                          f"exist in {ctx.region}", "copy the snapshot to this region, or remove snapshot_id")
        else:
            if size is not None and size < snapshot.size_gib:
                yield Finding("error", "SNAPSHOT_LARGER", f"{prefix}.size_gib", f"{size} GiB is smaller than "
                              f"snapshot {snapshot.snapshot_id} ({snapshot.size_gib} GiB)",
                              f"set size_gib to {snapshot.size_gib} or more, or leave it empty")
            if snapshot.state != "completed":
                yield Finding("warning", "SNAPSHOT_NOT_READY", f"{prefix}.snapshot_id", f"{snapshot.snapshot_id} is "
                              f"{snapshot.state}", "wait until it is completed before creating the cluster")
            size = size or snapshot.size_gib
    ratio = MAX_IOPS_PER_GIB.get(volume.volume_type)
    if size and ratio and volume.iops and volume.iops > size * ratio:
        yield Finding("error", "EBS_IOPS_RATIO", f"{prefix}.iops", f"{volume.iops} IOPS on {size} GiB is more than "
                      f"{volume.volume_type}'s {ratio} IOPS per GiB", f"raise size_gib to "
                      f"{-(-volume.iops // ratio)} or lower iops to {size * ratio}")
    if volume.volume_type == "gp3" and volume.throughput:
        iops = volume.iops or GP3_BASELINE_IOPS
        limit = int(iops * GP3_MIBPS_PER_IOPS)
        if volume.throughput > limit:
            yield Finding("error", "EBS_THROUGHPUT_RATIO", f"{prefix}.throughput", f"gp3 gives at most "
                          f"{GP3_MIBPS_PER_IOPS} MiB/s per IOPS: {volume.throughput} MiB/s needs "
                          f"{int(volume.throughput / GP3_MIBPS_PER_IOPS)} IOPS, not {iops}",
                          f"raise iops to {int(volume.throughput / GP3_MIBPS_PER_IOPS)} or lower throughput to "
                          f"{limit}")


# -- quotas -------------------------------------------------------------------------------------------------

def vcpus_at_max(spec: ClusterSpec, types: dict[str, InstanceTypeInfo]) -> dict[VcpuQuota, dict[str, int]]:
    """vCPUs running at full size per quota, by the instance families it counts: the head node on demand, and per
    queue its max_nodes of its largest type of each quota (on-demand or spot as the queue buys them)."""
    need: dict[VcpuQuota, dict[str, int]] = {}

    def add(quota: VcpuQuota, info: InstanceTypeInfo, nodes: int) -> None:
        families = need.setdefault(quota, {})
        families[info.family] = families.get(info.family, 0) + nodes * info.vcpus

    head = types.get(spec.head_node.instance_type)
    if head and (head_quota := quota_for(head.name, "ondemand")):
        add(head_quota, head, 1)
    for queue in spec.queues:
        largest: dict[VcpuQuota, InstanceTypeInfo] = {}
        for info in (types[name] for name in queue.instance_types if name in types):
            quota = quota_for(info.name, queue.capacity)
            if quota is not None and (quota not in largest or info.vcpus > largest[quota].vcpus):
                largest[quota] = info
        for quota, info in largest.items():
            add(quota, info, queue.max_nodes)
    return need


def _check_quotas(ctx: _Context) -> Iterator[Finding]:
    if ctx.catalog.session.is_emulated:
        # An emulated AWS (the sandbox's) has no Service Quotas: "could not be read, allow ListServiceQuotas"
        # would send a workshop's newcomer to fix permissions that are not the reason.
        return iter([Finding("info", "QUOTA_EMULATED", "queues", "the emulated AWS has no vCPU quotas, so none "
                             "were checked", "nothing to do here; on a real account clusterwiz checks them")])
    return quota_findings(vcpus_at_max(ctx.spec, ctx.types), ctx.catalog.vcpu_quotas(ctx.region), ctx.region)


def quota_findings(need: dict[VcpuQuota, dict[str, int]], quotas: VcpuQuotas, region: str) -> Iterator[Finding]:
    """QUOTA_EXCEEDED per quota the cluster outgrows at full size; QUOTA_UNKNOWN for quotas nobody could read."""
    unknown = []
    for quota, families in sorted(need.items(), key=lambda item: item[0].code):
        limit = quotas.limit(quota.code)
        vcpus = sum(families.values())
        if limit is None:
            unknown.append(f"{quota.name} ({quota.code})")
        elif vcpus > limit:
            counted = ", ".join(f"{family}: {family_vcpus}" for family, family_vcpus in families.items())
            yield Finding("error", "QUOTA_EXCEEDED", "queues", f"at full size the cluster runs {vcpus} vCPUs that "
                          f"count against {quota.name} ({counted}), but your account's limit in {region} is "
                          f"{limit}", f"lower the queues' max_nodes, or ask for more in the Service Quotas console "
                          f"(EC2 quota {quota.code})")
    if unknown:
        yield Finding("warning", "QUOTA_UNKNOWN", "queues", f"your vCPU quota {'; '.join(unknown)} in {region} "
                      "could not be read", "check it in the Service Quotas console (allow "
                      "servicequotas:ListServiceQuotas to let clusterwiz check it)")


# -- name ---------------------------------------------------------------------------------------------------

def _check_name(ctx: _Context, registry_names: set[str]) -> Iterator[Finding]:
    name = ctx.spec.name
    if name in registry_names:
        yield Finding("error", "NAME_TAKEN_REGISTRY", "name", f"a cluster named {name!r} already exists in "
                      "clusterwiz", "choose another name, or manage the existing cluster")
    resources = [] if ctx.updating else ctx.catalog.tagged_resources(ctx.region, name)
    if resources:
        listed = ", ".join(r.resource_id for r in resources[:5]) + (" ..." if len(resources) > 5 else "")
        yield Finding("error", "NAME_TAKEN_AWS", "name", f"{len(resources)} resource(s) in {ctx.region} are "
                      f"already tagged clusterwiz:cluster={name} ({listed})", "choose another name, or remove "
                      "the old cluster (clusterwiz destroy, or delete those resources)")


CHECKS: tuple[Callable[[_Context], Iterator[Finding]], ...] = (
    _check_types, _check_zones, _check_architecture, _check_image, _check_key_pair, _check_network,
    _check_launch_permission, _check_storage, _check_quotas,
)
