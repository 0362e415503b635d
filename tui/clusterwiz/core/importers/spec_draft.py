"""The rules every importer shares, applied while a cluster spec is drafted from source keys.

A mapper reads its format and calls these methods; each one checks the value (placeholder,
impossible id, old OS, retired type), writes the spec field and records what became of the key.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clusterwiz.core.constraints import (
    BOOTABLE_OS,
    EBS_IOPS_LIMITS,
    EBS_THROUGHPUT_LIMITS,
    INSTANCE_TYPE_PATTERN,
    NAME_PATTERN,
    QUEUE_NAME_PATTERN,
    REGION_PATTERN,
)
from clusterwiz.core.errors import SpecError
from clusterwiz.core.importers.legacy import OS_MAP, is_retired, replacement_for_retired
from clusterwiz.core.importers.problems import ImportFailed, ImportNeedsDecision
from clusterwiz.core.importers.report import ImportReport, ReportBuilder
from clusterwiz.core.importers.source import SourceKey
from clusterwiz.core.importers.values import aws_id_problem, parse_bool, parse_int, placeholder_reason, to_spec_name
from clusterwiz.core.spec import ClusterSpec, SharedVolume, describe_validation_error

DEFAULT_COMPUTE_TYPE = "c6i.xlarge"
DEFAULT_HEAD_TYPE = "t3.medium"
# What an import uses when its source names no OS clusterwiz knows: Ubuntu, which StarCluster's images ran, so
# the cluster stays nearest to the old one rather than taking the wizard's default for a new cluster.
FALLBACK_OS = "ubuntu2404"
MAX_VOLUMES = 5
MAX_QUEUES = 10
MIN_ROOT_GIB = 20


@dataclass
class ImportOptions:
    template: str | None = None
    name: str | None = None
    region: str | None = None
    upgrade_gp2: bool = False


@dataclass
class VolumeSource:
    """The keys that describe one shared volume, and the old tool's defaults for what is missing."""

    label: str
    mount_dir: SourceKey | None = None
    volume_id: SourceKey | None = None
    snapshot_id: SourceKey | None = None
    size_gib: SourceKey | None = None
    volume_type: SourceKey | None = None
    iops: SourceKey | None = None
    throughput: SourceKey | None = None
    encrypted: SourceKey | None = None
    default_mount_dir: str = "/shared"
    default_size_gib: int | None = None
    default_volume_type: str = "gp3"
    default_encrypted: bool = True
    tool: str = ""


@dataclass
class QueueSource:
    """One queue as the old tool described it, already reduced to instance types and sizes."""

    name: str
    name_key: SourceKey | None
    instance_types: list[tuple[SourceKey | None, str]] = field(default_factory=list)
    spot: bool = False
    min_nodes: int = 0
    initial_nodes: int = 0
    max_nodes: int = 10


class SpecDraft:
    def __init__(self, path: Path, format_label: str, keys: list[SourceKey], options: ImportOptions):
        self.path = path
        self.options = options
        self.report_builder = ReportBuilder(path.name, format_label, keys)
        self.data: dict[str, Any] = {"network": {}, "head_node": {}, "queues": [], "shared_storage": []}
        self._os_changed = False

    @property
    def report(self) -> ImportReport:
        return self.report_builder.report

    # -- name, region -----------------------------------------------------------------------------

    def set_name(self, template_label: str | None, key: SourceKey | None) -> None:
        r = self.report_builder
        if self.options.name:
            self.data["name"] = self.options.name
            r.note("(--name)", "mapped", "name", f"the name given on the command line: {self.options.name}")
            return
        generic = template_label is None or template_label.lower() in ("default", "cluster")
        candidate = to_spec_name(self.path.stem if generic else template_label, 31) or "imported"
        self.data["name"] = candidate
        why = (f"named after the file, as the template name {template_label!r} says nothing"
               if generic else f"named after the template {template_label!r}")
        if not generic and candidate != template_label:
            why += f", made a valid name ({NAME_PATTERN})"
        r.note(key.name if key else "(cluster name)", "changed" if generic or candidate != template_label
               else "mapped", "name", f"{why}; change it with --name")

    def set_region(self, key: SourceKey | None, tool_default: str | None, tool: str) -> None:
        """From the file; else --region / settings; else the tool's default; else ask."""
        r = self.report_builder
        fallback = self.options.region
        if key is not None:
            value = key.value.strip()
            problem = placeholder_reason(value)
            if problem is None and re.match(REGION_PATTERN, value):
                self.data["region"] = value
                r.mapped(key, "region")
                return
            why = f"{value!r} {problem}" if problem else f"{value!r} is not an AWS region code"
            if fallback:
                self.data["region"] = fallback
                r.decision(key, "region", f"{why}; using {fallback} from --region/your settings")
            else:
                r.decision(key, "region", f"{why}; pass --region (e.g. --region eu-west-2)", blocking=True)
            return
        if fallback:
            self.data["region"] = fallback
            r.note("(region)", "default", "region", f"the file names no region; using {fallback} from "
                   "--region/your settings")
        elif tool_default:
            self.data["region"] = tool_default
            r.decision(None, "region", f"the file names no region, so {tool} used {tool_default}; kept it — "
                       "pass --region to choose another", name="(region)")
        else:
            r.decision(None, "region", "the file names no region; pass --region (e.g. --region eu-west-2)",
                       blocking=True, name="(region)")

    # -- image ------------------------------------------------------------------------------------

    def set_os(self, key: SourceKey | None, tool_default: str | None, tool: str) -> None:
        r = self.report_builder
        if key is None:
            if tool_default is None:
                self.data["os"] = FALLBACK_OS
                return
            os_name, why = OS_MAP[tool_default]
            self.data["os"] = os_name
            self._os_changed = why is not None
            r.default(f"(base OS not set: {tool} used {tool_default})", "os", os_name, why or "same OS")
            return
        value = key.value.strip().lower()
        if value not in OS_MAP:
            self.data["os"] = FALLBACK_OS
            self._os_changed = True
            r.decision(key, "os", f"{key.value!r} is not an OS clusterwiz knows; using {FALLBACK_OS} — choose "
                       f"{' or '.join(BOOTABLE_OS)}")
            return
        os_name, why = OS_MAP[value]
        self.data["os"] = os_name
        self._os_changed = why is not None
        if why:
            r.changed(key, "os", f"{why}: {os_name}; check that your software builds there")
        else:
            r.mapped(key, "os")

    def set_ami(self, key: SourceKey, family_known: bool = True) -> None:
        """A custom AMI only fits when its OS is one clusterwiz supports, unchanged."""
        r = self.report_builder
        value = key.value.strip()
        problem = aws_id_problem("ami", value)
        if problem:
            r.decision(key, "ami_id", f"{problem}; clusterwiz uses the current {self.data.get('os', FALLBACK_OS)} "
                       "image unless you set ami_id")
        elif not family_known:
            r.decision(key, "ami_id", f"{value} was built for an OS clusterwiz cannot tell and that cannot run "
                       f"its Slurm node agent; clusterwiz uses the current {self.data.get('os', FALLBACK_OS)} "
                       "image — set ami_id only to an image of that OS")
        elif self._os_changed:
            r.decision(key, "ami_id", f"{value} was built on the old OS, which clusterwiz does not run; it "
                       f"uses the current {self.data['os']} image — rebuild your image on it to keep your "
                       "software, then set ami_id")
        else:
            self.data["ami_id"] = value
            r.mapped(key, "ami_id", "AMIs are regional: it must exist in the cluster's region")

    # -- access -----------------------------------------------------------------------------------

    def set_key_pair(self, key: SourceKey | None) -> None:
        if key is None:
            return
        value = key.value.strip()
        problem = placeholder_reason(value)
        if problem:
            detail = f"{value!r} {problem}" if value else "the value is empty" + (
                f" (only the comment {key.comment!r})" if key.comment else "")
            self.report_builder.decision(key, "key_pair", f"{detail}; give an existing EC2 key pair (or let the "
                                         "wizard create one)")
            return
        self.data["key_pair"] = value
        self.report_builder.mapped(key, "key_pair", "key pairs are regional: it must exist in the region")

    def set_ssh_key_file(self, key: SourceKey) -> None:
        value = key.value.strip()
        if placeholder_reason(value):
            self.report_builder.decision(key, "ssh_key_file", f"{value!r} {placeholder_reason(value)}; set "
                                         "ssh_key_file to your private key for `clusterwiz ssh`")
            return
        self.data["ssh_key_file"] = value
        self.report_builder.mapped(key, "ssh_key_file", "used by `clusterwiz ssh`; never copied")

    def set_ssh_cidr(self, key: SourceKey) -> None:
        value = key.value.strip()
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError:
            self.report_builder.decision(key, "network.ssh_cidr", f"{value!r} is not an address range "
                                         "(a.b.c.d/n); clusterwiz allows SSH from your own public IP unless "
                                         "you set network.ssh_cidr")
            return
        self.data["network"]["ssh_cidr"] = value
        if network.prefixlen == 0:
            self.report_builder.decision(key, "network.ssh_cidr", "lets the whole internet try SSH on the "
                                         "head node; kept as written — narrow it to your own address")
        else:
            self.report_builder.mapped(key, "network.ssh_cidr")

    # -- network ----------------------------------------------------------------------------------

    def set_network(self, vpc: SourceKey | None, subnet: SourceKey | None, subnet_note: str = "") -> None:
        """An existing VPC needs both ids, each a possible id; otherwise clusterwiz creates the VPC."""
        r = self.report_builder
        vpc_problem = aws_id_problem("vpc", vpc.value.strip()) if vpc else "no vpc_id"
        subnet_problem = aws_id_problem("subnet", subnet.value.strip()) if subnet else "no subnet id"
        if vpc_problem is None and subnet_problem is None:
            self.data["network"]["vpc_id"] = vpc.value.strip()  # type: ignore[union-attr]
            self.data["network"]["subnet_id"] = subnet.value.strip()  # type: ignore[union-attr]
            r.mapped(vpc, "network.vpc_id", "the wizard checks it exists in your account")  # type: ignore[arg-type]
            r.mapped(subnet, "network.subnet_id", subnet_note)  # type: ignore[arg-type]
            return
        fallback = "clusterwiz creates a new VPC (and removes it on destroy) unless you set network.vpc_id and " \
                   "network.subnet_id"
        for key, problem, target in ((vpc, vpc_problem, "network.vpc_id"),
                                     (subnet, subnet_problem, "network.subnet_id")):
            if key is None:
                continue
            if problem is None:
                other = "subnet" if target == "network.vpc_id" else "VPC"
                r.decision(key, target, f"usable, but the {other} id is missing or unusable; {fallback}")
            else:
                r.decision(key, target, f"{problem}; {fallback}")

    def set_availability_zone(self, key: SourceKey) -> None:
        value = key.value.strip()
        region = self.data.get("region")
        if self.data["network"].get("vpc_id"):
            self.report_builder.dropped(key, "with an existing VPC the subnet decides the zone")
        elif region and value.startswith(region) and len(value) == len(region) + 1:
            self.data["network"]["availability_zone"] = value
            self.report_builder.mapped(key, "network.availability_zone")
        else:
            self.report_builder.decision(key, "network.availability_zone", f"{value!r} is not a zone of region "
                                         f"{region}; clusterwiz picks a zone that offers every instance type")

    # -- nodes ------------------------------------------------------------------------------------

    def instance_type(self, key: SourceKey | None, target: str, default: str, tool: str) -> str:
        """The type to use for key's value (checked, retired types replaced), or default."""
        r = self.report_builder
        if key is None:
            r.default(f"(instance type not set: {tool} used {default})", target, default, f"{tool}'s default")
            return self._current(default, target)
        value = key.value.strip()
        problem = placeholder_reason(value)
        if problem or not re.match(INSTANCE_TYPE_PATTERN, value):
            fallback = DEFAULT_HEAD_TYPE if target.startswith("head_node") else DEFAULT_COMPUTE_TYPE
            why = f"{value!r} {problem}" if problem else f"{value!r} is not an EC2 instance type"
            r.decision(key, target, f"{why}; using {fallback} — choose the type you need")
            return fallback
        replacement = replacement_for_retired(value)
        if replacement:
            r.changed(key, target, f"{value} is retired (EC2 no longer offers it); {replacement} is the "
                      "current type of about the same size")
            return replacement
        if is_retired(value):
            fallback = DEFAULT_HEAD_TYPE if target.startswith("head_node") else DEFAULT_COMPUTE_TYPE
            r.decision(key, target, f"{value} is retired; using {fallback} — choose the type you need")
            return fallback
        r.mapped(key, target)
        return value

    def _current(self, instance_type: str, target: str) -> str:
        replacement = replacement_for_retired(instance_type)
        if replacement:
            self.report_builder.note(f"(default {instance_type})", "changed", target,
                                     f"{instance_type} is retired; using {replacement}")
            return replacement
        return instance_type

    def set_head_root_volume(self, key: SourceKey) -> None:
        size = parse_int(key.value)
        if size is None:
            self.report_builder.decision(key, "head_node.root_volume_gib", f"{key.value!r} is not a whole number "
                                         "of GiB; the default 40 GiB is used")
        elif size < MIN_ROOT_GIB:
            self.data["head_node"]["root_volume_gib"] = MIN_ROOT_GIB
            self.report_builder.changed(key, "head_node.root_volume_gib", f"{size} GiB is too small for current "
                                        f"images; raised to {MIN_ROOT_GIB} GiB")
        elif size > 16384:
            self.report_builder.decision(key, "head_node.root_volume_gib", f"{size} GiB is above the 16384 GiB "
                                         "limit of a volume; the default 40 GiB is used")
        else:
            self.data["head_node"]["root_volume_gib"] = size
            self.report_builder.mapped(key, "head_node.root_volume_gib")

    def add_queue(self, queue: QueueSource) -> None:
        """A queue with a valid, unique name; sizes made consistent (each change reported)."""
        r = self.report_builder
        index = len(self.data["queues"])
        target = f"queues[{index}]"
        if index >= MAX_QUEUES:
            r.note(f"(queue {queue.name})", "dropped", None, f"clusterwiz runs at most {MAX_QUEUES} queues")
            return
        name = queue.name
        if not re.match(QUEUE_NAME_PATTERN, name):
            name = to_spec_name(name, 25) or f"queue{index + 1}"
        taken = {q["name"] for q in self.data["queues"]}
        base, counter = name, 2
        while name in taken:
            name, counter = f"{base[:22]}-{counter}", counter + 1
        if name != queue.name:
            why = f"{queue.name!r} became {name!r}: partition names are lowercase letters, digits and '-', unique"
            if queue.name_key is not None:
                r.changed(queue.name_key, f"{target}.name", why)
            else:
                r.note(f"(queue {queue.name})", "changed", f"{target}.name", why)
        elif queue.name_key is not None:
            r.mapped(queue.name_key, f"{target}.name", "a Slurm partition")
        types: list[str] = []
        for _key, instance_type in queue.instance_types:
            if instance_type not in types:
                types.append(instance_type)
        max_nodes = queue.max_nodes
        if max_nodes < 1:
            max_nodes = 1
            r.note(f"(queue {name} size)", "changed", f"{target}.max_nodes", f"a maximum of {queue.max_nodes} "
                   "nodes cannot run jobs; raised to 1")
        initial = min(max(queue.initial_nodes, queue.min_nodes), max_nodes)
        minimum = min(queue.min_nodes, max_nodes)
        if (initial, minimum) != (queue.initial_nodes, queue.min_nodes):
            r.note(f"(queue {name} size)", "changed", target, f"sizes made consistent (min {minimum} <= initial "
                   f"{initial} <= max {max_nodes}); the file had min {queue.min_nodes}, initial "
                   f"{queue.initial_nodes}, max {queue.max_nodes}")
        self.data["queues"].append({
            "name": name, "instance_types": types, "capacity": "spot" if queue.spot else "ondemand",
            "min_nodes": minimum, "initial_nodes": initial, "max_nodes": max_nodes,
        })

    def set_scaledown(self, key: SourceKey) -> None:
        minutes = parse_int(key.value)
        if minutes is None or not 1 <= minutes <= 1440:
            self.report_builder.decision(key, "scaledown_idle_minutes", f"{key.value!r} is not 1 to 1440 "
                                         "minutes; the default 10 is used")
            return
        self.data["scaledown_idle_minutes"] = minutes
        self.report_builder.mapped(key, "scaledown_idle_minutes")

    # -- storage ----------------------------------------------------------------------------------

    def add_volume(self, source: VolumeSource) -> None:
        r = self.report_builder
        index = len(self.data["shared_storage"])
        target = f"shared_storage[{index}]"
        keys = [k for k in (source.mount_dir, source.volume_id, source.snapshot_id, source.size_gib,
                            source.volume_type, source.iops, source.throughput, source.encrypted) if k]
        if index >= MAX_VOLUMES:
            for key in keys:
                r.dropped(key, f"clusterwiz shares at most {MAX_VOLUMES} volumes")
            return
        volume: dict[str, Any] = {"mount_dir": self._mount_dir(source, target)}
        existing = None
        if source.volume_id is not None:
            problem = aws_id_problem("vol", source.volume_id.value.strip())
            if problem:
                r.decision(source.volume_id, f"{target}.volume_id", f"{problem}; clusterwiz creates a new volume "
                           "unless you give the id of your volume")
            else:
                existing = volume["volume_id"] = source.volume_id.value.strip()
                r.mapped(source.volume_id, f"{target}.volume_id", "attached, never deleted by clusterwiz; it "
                         "must be in the cluster's availability zone")
        if existing:
            for key in (source.snapshot_id, source.size_gib, source.volume_type, source.iops, source.throughput,
                        source.encrypted):
                if key is not None:
                    r.dropped(key, f"describes a new volume, but {existing} already exists and keeps its own "
                              "settings")
            self.data["shared_storage"].append(volume)
            return
        if source.snapshot_id is not None:
            problem = aws_id_problem("snap", source.snapshot_id.value.strip())
            if problem:
                r.decision(source.snapshot_id, f"{target}.snapshot_id", f"{problem}; the new volume starts empty "
                           "unless you give your snapshot id")
            else:
                volume["snapshot_id"] = source.snapshot_id.value.strip()
                r.mapped(source.snapshot_id, f"{target}.snapshot_id", "snapshots are regional")
        self._volume_size(source, volume, target)
        self._volume_type(source, volume, target)
        for key, name in ((source.iops, "iops"), (source.throughput, "throughput")):
            if key is not None:
                self._volume_performance(key, name, volume, target)
        self._volume_encryption(source, volume, target)
        self.data["shared_storage"].append(volume)

    def _mount_dir(self, source: VolumeSource, target: str) -> str:
        r = self.report_builder
        key = source.mount_dir
        written = key.value.strip() if key is not None else source.default_mount_dir
        path = written if written.startswith("/") else "/" + written
        why = [] if path == written else [f"{written!r} is relative; {source.tool} mounted it at {path}"]
        try:
            path = SharedVolume.model_validate({"mount_dir": path, "size_gib": 1}).mount_dir
        except ValidationError as exc:
            problem = describe_validation_error(exc)[0].split(": ", 1)[-1]
            path = "/" + (to_spec_name(source.label, 30) or "shared")
            why.append(f"{problem}; mounted at {path} instead")
        taken = {v["mount_dir"] for v in self.data["shared_storage"]}
        nested = [t for t in taken if path.startswith(t + "/") or t.startswith(path + "/")]
        if path in taken or nested:
            base, counter = path, 2
            while path in taken or any(path.startswith(t + "/") or t.startswith(path + "/") for t in taken):
                path, counter = f"{base}-{counter}", counter + 1
            why.append(f"another volume already uses {base}; mounted at {path} instead")
        if key is None:
            r.default(f"(mount directory of {source.label} not set)", f"{target}.mount_dir", path,
                      f"{source.tool}'s default" + ("; " + "; ".join(why) if why else ""))
        elif why:
            r.changed(key, f"{target}.mount_dir", "; ".join(why))
        else:
            r.mapped(key, f"{target}.mount_dir")
        return path

    def _volume_size(self, source: VolumeSource, volume: dict[str, Any], target: str) -> None:
        key = source.size_gib
        if key is None:
            if source.default_size_gib and "snapshot_id" not in volume:
                volume["size_gib"] = source.default_size_gib
                self.report_builder.default(f"(size of {source.label} not set)", f"{target}.size_gib",
                                            str(source.default_size_gib), f"{source.tool}'s default size")
            return
        size = parse_int(key.value)
        if size is None or size < 1:
            self.report_builder.decision(key, f"{target}.size_gib", f"{key.value!r} is not a size in GiB; "
                                         "clusterwiz's default of 100 GiB is used")
            return
        volume["size_gib"] = size
        self.report_builder.mapped(key, f"{target}.size_gib")

    def _volume_type(self, source: VolumeSource, volume: dict[str, Any], target: str) -> None:
        r = self.report_builder
        key = source.volume_type
        written = key.value.strip().lower() if key is not None else source.default_volume_type
        if written not in ("gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"):
            volume["volume_type"] = "gp3"
            r.decision(key, f"{target}.volume_type", f"{written!r} is not an EBS volume type; using gp3")
            return
        if written == "gp2" and self.options.upgrade_gp2:
            volume["volume_type"] = "gp3"
            note = "gp2 became gp3 as you asked (--upgrade-gp2): same baseline or better, about 20% cheaper"
            if key is None:
                r.default(f"(volume type of {source.label} not set: {source.tool} made gp2)",
                          f"{target}.volume_type", "gp3", note)
            else:
                r.changed(key, f"{target}.volume_type", note)
            return
        volume["volume_type"] = written
        note = "kept gp2; gp3 is cheaper with a better baseline — import with --upgrade-gp2 to switch" \
            if written == "gp2" else ""
        if key is None:
            r.default(f"(volume type of {source.label} not set)", f"{target}.volume_type", written,
                      f"{source.tool}'s default" + (f"; {note}" if note else ""))
        else:
            r.mapped(key, f"{target}.volume_type", note)

    def _volume_performance(self, key: SourceKey, name: str, volume: dict[str, Any], target: str) -> None:
        value = parse_int(key.value)
        volume_type = volume["volume_type"]
        takes = {"iops": EBS_IOPS_LIMITS, "throughput": EBS_THROUGHPUT_LIMITS}[name]
        if value is None:
            self.report_builder.decision(key, f"{target}.{name}", f"{key.value!r} is not a whole number; "
                                         "left to the volume type's baseline")
        elif volume_type not in takes:
            self.report_builder.dropped(key, f"{volume_type} volumes do not take a {name} setting (the old "
                                        "tool ignored it too)")
        elif not takes[volume_type][0] <= value <= takes[volume_type][1]:
            low, high = takes[volume_type]
            self.report_builder.dropped(key, f"{volume_type} takes {low} to {high} {name}; {value} is outside, "
                                        "so the volume type's baseline is used")
        else:
            volume[name] = value
            self.report_builder.mapped(key, f"{target}.{name}")

    def _volume_encryption(self, source: VolumeSource, volume: dict[str, Any], target: str) -> None:
        key = source.encrypted
        if key is None:
            if not source.default_encrypted:
                self.report_builder.default(f"(encryption of {source.label} not set: {source.tool} left new "
                                            "volumes unencrypted)", f"{target}.encrypted", "true",
                                            "clusterwiz encrypts new volumes at rest")
            return
        value = parse_bool(key.value)
        if value is None:
            self.report_builder.decision(key, f"{target}.encrypted", f"{key.value!r} is not true or false; "
                                         "the volume is encrypted")
            return
        volume["encrypted"] = value
        self.report_builder.mapped(key, f"{target}.encrypted",
                                   "" if value else "the volume is not encrypted at rest; consider true")

    # -- tags -------------------------------------------------------------------------------------

    def set_tags(self, key: SourceKey | None, tags: dict[str, Any] | None) -> None:
        """Tags from a JSON object (key given) or from a parsed mapping."""
        r = self.report_builder
        if tags is None and key is not None:
            try:
                tags = json.loads(key.value)
            except json.JSONDecodeError as exc:
                r.decision(key, "tags", f"is not a JSON object ({exc.msg}); no tags imported")
                return
        if not isinstance(tags, dict):
            if key is not None:
                r.decision(key, "tags", "is not a mapping of tag names to values; no tags imported")
            return
        kept = {str(k): str(v) for k, v in tags.items()
                if not str(k).lower().startswith(("aws:", "clusterwiz:")) and 1 <= len(str(k)) <= 128}
        self.data["tags"] = kept
        if key is not None:
            if len(kept) == len(tags):
                r.mapped(key, "tags")
            else:
                r.changed(key, "tags", "tags with reserved prefixes (aws:, clusterwiz:) or bad names were left out")

    # -- the end ----------------------------------------------------------------------------------

    def build(self) -> tuple[ClusterSpec, ImportReport]:
        if self.report.blocking:
            raise ImportNeedsDecision(self.path, self.report)
        data = {k: v for k, v in self.data.items() if v not in ({}, None) or k in ("queues",)}
        try:
            spec = ClusterSpec.from_mapping(data, str(self.path))
        except SpecError as exc:
            raise ImportFailed(self.path, None, "the imported settings do not make a valid spec:\n" +
                               "\n".join(f"  - {p}" for p in exc.problems) +
                               "\nfix these in the file (or in the written cluster.yaml)") from None
        return spec, self.report
