"""StarCluster config -> cluster spec, following StarCluster's semantics.

[global] DEFAULT_TEMPLATE picks a [cluster NAME]; a template may EXTENDS another (its keys win)
and [global] INCLUDE pulls in more files. KEYNAME, VOLUMES, PERMISSIONS and PLUGINS name [key],
[volume], [permission] and [plugin] sections. StarCluster clusters ran SGE on a master that also
ran jobs, with CLUSTER_SIZE counting the master.
"""

from __future__ import annotations

import os
from pathlib import Path

from clusterwiz.core.importers.ini_reader import IniDocument, IniSection, read_ini
from clusterwiz.core.importers.problems import ImportFailed
from clusterwiz.core.importers.references import referenced_sections
from clusterwiz.core.importers.report import ImportReport
from clusterwiz.core.importers.source import SourceKey
from clusterwiz.core.importers.spec_draft import ImportOptions, QueueSource, SpecDraft, VolumeSource
from clusterwiz.core.importers.values import parse_int, split_list
from clusterwiz.core.spec import ClusterSpec

TOOL = "StarCluster"
TOOL_REGION = "us-east-1"
DEFAULT_NODE_TYPE = "m1.small"
DEFAULT_CLUSTER_SIZE = 2
_CREDENTIALS = ("credentials are never copied by clusterwiz (it uses your AWS profile); if this file was ever "
                "shared, rotate this key")
DROP_REASONS = {
    "aws_access_key_id": _CREDENTIALS, "aws_secret_access_key": _CREDENTIALS,
    "aws_user_id": "your account number is not needed: clusterwiz reads it from your AWS profile",
    "aws_region_host": "the endpoint follows from the region",
    "enable_experimental": "a setting of the starcluster command itself",
    "refresh_interval": "a setting of the starcluster command itself",
    "web_browser": "a setting of the starcluster command itself",
    "cluster_user": "nodes use the OS's default user (admin, ubuntu or rocky)",
    "cluster_shell": "nodes keep the OS's default shell",
    "dns_prefix": "node names are set by clusterwiz",
    "disable_queue": "StarCluster's SGE queue is replaced by Slurm",
    "disable_cloudinit": "clusterwiz bootstraps nodes with cloud-init",
    "userdata_scripts": "custom boot scripts do not run on clusterwiz nodes; run yours once the cluster is up",
    "force_spot_master": "the head node always runs on-demand so the cluster survives spot interruptions",
    "node_instance_types": "a StarCluster mixed-type list; clusterwiz uses NODE_INSTANCE_TYPE",
}


def _load_includes(document: IniDocument) -> list[tuple[SourceKey, str, bool]]:
    """Merge every file [global] INCLUDE names (StarCluster reads them in order); note what was found."""
    notes: list[tuple[SourceKey, str, bool]] = []
    seen = {document.path.resolve()}
    pending = [document]
    while pending:
        current = pending.pop(0)
        global_section = current.find("global", None)
        include = global_section.get("include") if global_section else None
        if include is None:
            continue
        for item in split_list(include.value):
            path = Path(os.path.expandvars(os.path.expanduser(item)))
            if not path.is_absolute():
                path = current.path.parent / path
            if path.resolve() in seen:
                continue
            if not path.is_file():
                notes.append((include, f"{item} was not found, so the [aws info], [key] or [volume] sections it "
                              "holds are missing here; copy it next to this file or fix the path", False))
                continue
            seen.add(path.resolve())
            included = read_ini(path)
            document.extend(included)
            pending.append(included)
            notes.append((include, f"read {item} ({len(included.sections)} section(s))", True))
    return notes


def choose_template(document: IniDocument, wanted: str | None) -> IniSection:
    clusters = [s for s in document.of_kind("cluster") if s.label is not None]
    names = ", ".join(s.label for s in clusters)  # type: ignore[misc]
    if not clusters:
        raise ImportFailed(document.path, None, "has no [cluster NAME] section, so there is no cluster to import "
                           "(a file with only [aws info] or [key] sections is meant to be INCLUDEd by another)")
    if wanted:
        section = document.find("cluster", wanted)
        if section is None:
            raise ImportFailed(document.path, None, f"has no [cluster {wanted}] section; templates in the file: "
                               f"{names}")
        return section
    global_section = document.find("global", None)
    default = global_section.get("default_template") if global_section else None
    if default is not None and default.value:
        section = document.find("cluster", default.value)
        if section is None:
            raise ImportFailed(document.path, default.line, f"DEFAULT_TEMPLATE = {default.value} names no "
                               f"[cluster {default.value}] section; templates in the file: {names}. Pass "
                               "--template NAME")
        return section
    if len(clusters) == 1:
        return clusters[0]
    raise ImportFailed(document.path, None, f"no DEFAULT_TEMPLATE is set and the file has several templates: "
                       f"{names}. Pass --template NAME to choose one")


class StarClusterMapper:
    def __init__(self, document: IniDocument, options: ImportOptions):
        self.document = document
        self.include_notes = _load_includes(document)
        self.cluster = choose_template(document, options.template)
        keys = [key for section in document.sections for key in section.all_keys()]
        self.draft = SpecDraft(document.path, TOOL, keys, options)
        self.draft.report.template = self.cluster.label
        self.r = self.draft.report_builder
        self.used: set[int] = set()
        self.settings = self._inherit()

    def _inherit(self) -> dict[str, SourceKey]:
        """The template's keys after EXTENDS: a child's keys win over its parent's."""
        chain = [self.cluster]
        while (extends := chain[-1].get("extends")) is not None:
            parent = self.document.find("cluster", extends.value)
            if parent is None:
                self.r.decision(extends, None, f"names [cluster {extends.value}], which the file does not define; "
                                "nothing is inherited")
                break
            if parent in chain:
                raise ImportFailed(self.document.path, extends.line, f"EXTENDS = {extends.value} makes a loop "
                                   f"({' -> '.join(s.label or '' for s in chain)} -> {parent.label}); remove one "
                                   "EXTENDS")
            self.r.mapped(extends, "(template)", f"inherits the keys of [cluster {parent.label}]")
            chain.append(parent)
        merged: dict[str, SourceKey] = {}
        for section in reversed(chain):
            self.used.add(id(section))
            for key in section.settings():
                previous = merged.get(key.normalized_key)
                if previous is not None:
                    self.r.dropped(previous, f"overridden by {key.section} (line {key.line})")
                merged[key.normalized_key] = key
        merged.pop("extends", None)
        return merged

    def get(self, key: str) -> SourceKey | None:
        return self.settings.get(key)

    def run(self) -> tuple[ClusterSpec, ImportReport]:
        draft, r = self.draft, self.r
        for section in self.document.sections:
            for old, new in section.overridden:
                r.dropped(old, f"{old.key} is set again on line {new.line}; the later value is used")
        for key, note, found in self.include_notes:
            if found:
                r.mapped(key, "(included files)", note)
            else:
                r.decision(key, None, note)
        draft.set_name(self.cluster.label, None)
        self._global()
        aws = self.document.find("aws info", None)
        if aws is not None:
            self.used.add(id(aws))
        region_key = self.get("aws_region_name") or (aws.get("aws_region_name") if aws else None)
        draft.set_region(region_key, TOOL_REGION, TOOL)
        draft.set_os(None, None, TOOL)
        r.note("(scheduler: StarCluster ran SGE)", "changed", "(scheduler)", "SGE became Slurm: job scripts need "
               "Slurm directives (#SBATCH) and commands (sbatch, squeue) instead of qsub/qstat")
        for name in ("node_image_id", "master_image_id"):
            if self.get(name):
                draft.set_ami(self.get(name), family_known=False)  # type: ignore[arg-type]
        self._key_pair()
        node_key = self.get("node_instance_type")
        node_type = draft.instance_type(node_key, "queues[0].instance_types", DEFAULT_NODE_TYPE, TOOL)
        master_key = self.get("master_instance_type")
        if master_key is not None:
            draft.data["head_node"]["instance_type"] = draft.instance_type(master_key, "head_node.instance_type",
                                                                           DEFAULT_NODE_TYPE, TOOL)
        else:
            draft.data["head_node"]["instance_type"] = node_type
            r.note("(MASTER_INSTANCE_TYPE not set)", "default", "head_node.instance_type",
                   f"StarCluster used NODE_INSTANCE_TYPE for the master: {node_type}")
        self._queue(node_key, node_type)
        if self.get("subnet_id"):
            draft.set_network(None, self.get("subnet_id"))
        if self.get("availability_zone"):
            draft.set_availability_zone(self.get("availability_zone"))  # type: ignore[arg-type]
        self._volumes(self.get("volumes"))
        self._permissions(self.get("permissions"))
        self._plugins(self.get("plugins"))
        r.drop_rest(self._reason)
        return draft.build()

    def _global(self) -> None:
        global_section = self.document.find("global", None)
        if global_section is None:
            return
        self.used.add(id(global_section))
        default = global_section.get("default_template")
        if default is not None:
            self.r.mapped(default, "(template)", f"selects [cluster {self.cluster.label}]"
                          if (default.value or "").casefold() == (self.cluster.label or "").casefold()
                          else f"not used: --template {self.cluster.label} was given")

    def _key_pair(self) -> None:
        keyname = self.get("keyname")
        self.draft.set_key_pair(keyname)
        if keyname is None:
            return
        section = self.document.find("key", keyname.value)
        if section is None:
            self.r.note(f"(no [key {keyname.value}] section)", "decision", "ssh_key_file",
                        "the private key's path is unknown (is its [key] section in an INCLUDEd file?); set "
                        "ssh_key_file for `clusterwiz ssh`")
            return
        self.used.add(id(section))
        if section.get("key_location"):
            self.draft.set_ssh_key_file(section.get("key_location"))  # type: ignore[arg-type]

    def _queue(self, node_key: SourceKey | None, node_type: str) -> None:
        size_key = self.get("cluster_size")
        size = parse_int(size_key.value) if size_key else DEFAULT_CLUSTER_SIZE
        if size_key is None:
            self.r.default("(CLUSTER_SIZE not set)", "queues[0]", str(DEFAULT_CLUSTER_SIZE), "StarCluster's example "
                           "size")
        elif size is None or size < 1:
            self.r.decision(size_key, "queues[0]", f"{size_key.value!r} is not a number of nodes; using "
                            f"{DEFAULT_CLUSTER_SIZE}")
            size = DEFAULT_CLUSTER_SIZE
        nodes = size - 1
        if size_key is not None and not self.r.handled(size_key):
            why = (f"CLUSTER_SIZE counted the master, which also ran jobs: {nodes} compute node(s) start with "
                   "the cluster" if nodes else "the master ran jobs alone; clusterwiz's head node does not run "
                   "jobs, so the queue can grow to 1 node")
            self.r.changed(size_key, "queues[0].initial_nodes", f"{why}. StarCluster kept every node until you "
                           "terminated the cluster; clusterwiz removes idle nodes (set min_nodes to keep them)")
        spot_key = self.get("spot_bid")
        if spot_key is not None:
            self.r.changed(spot_key, "queues[0].capacity", "spot capacity; clusterwiz sets no bid: spot nodes cost "
                           "the current spot price, which never exceeds the on-demand price")
        self.draft.add_queue(QueueSource("compute", None, [(node_key, node_type)], spot_key is not None, 0, nodes,
                                         max(nodes, 1)))

    def _sections(self, key: SourceKey | None, kind: str) -> list[IniSection]:
        return referenced_sections(self.document, self.r, key, kind, self.used, " (is it in an INCLUDEd file?)")

    def _volumes(self, key: SourceKey | None) -> None:
        sections = self._sections(key, "volume")
        if key is not None and sections and not self.r.handled(key):
            self.r.mapped(key, "shared_storage", f"{len(sections)} volume(s)")
        for section in sections:
            self.draft.add_volume(VolumeSource(
                section.label or "volume", mount_dir=section.get("mount_path"), volume_id=section.get("volume_id"),
                default_mount_dir=f"/{section.label}", tool=TOOL))
            if section.get("partition"):
                self.r.dropped(section.get("partition"), "clusterwiz mounts the whole volume")  # type: ignore[arg-type]

    def _permissions(self, key: SourceKey | None) -> None:
        sections = self._sections(key, "permission")
        ports = []
        for section in sections:
            protocol = (section.get("ip_protocol") or section.get("protocol"))
            low, high = section.get("from_port"), section.get("to_port")
            span = f"{low.value}" if low and high and low.value == high.value else \
                f"{low.value if low else '?'}-{high.value if high else '?'}"
            ports.append(f"{span}/{protocol.value if protocol else 'tcp'}")
            for entry in section.all_keys():
                self.r.dropped(entry, f"part of {section.title}: clusterwiz opens only SSH, from network.ssh_cidr; "
                               "reach other ports through an SSH tunnel (ssh -L)")
        if key is not None and not self.r.handled(key):
            self.r.dropped(key, f"ports {', '.join(ports) or 'none'} are not opened: clusterwiz opens only SSH; "
                           "use an SSH tunnel (ssh -L) to reach them")

    def _plugins(self, key: SourceKey | None) -> None:
        for section in self._sections(key, "plugin"):
            for entry in section.all_keys():
                self.r.dropped(entry, f"part of {section.title}: StarCluster plugins do not run on clusterwiz "
                               "nodes; install that software yourself once the cluster is up")
        if key is not None and not self.r.handled(key):
            self.r.dropped(key, "StarCluster plugins do not run on clusterwiz nodes; install that software yourself "
                           "once the cluster is up")

    def _reason(self, key: SourceKey) -> str:
        section = next(s for s in self.document.sections if key in s.all_keys())
        if id(section) not in self.used:
            if section.kind == "cluster":
                return f"belongs to template [cluster {section.label}]; import it with --template {section.label}"
            return f"{section.title} is not used by [cluster {self.cluster.label}]"
        return DROP_REASONS.get(key.normalized_key) or "not a StarCluster setting clusterwiz knows; ignored"


def import_starcluster(document: IniDocument, options: ImportOptions) -> tuple[ClusterSpec, ImportReport]:
    return StarClusterMapper(document, options).run()
