"""ParallelCluster v2 and CfnCluster INI files -> cluster spec, following those tools' semantics.

Both tools read the same file layout: [global] cluster_template picks a [cluster NAME] whose
*_settings keys point at [vpc], [ebs], [queue], [compute_resource] and [scaling] sections.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from clusterwiz.core.importers.ini_reader import IniDocument, IniSection
from clusterwiz.core.importers.problems import ImportFailed
from clusterwiz.core.importers.references import referenced_sections
from clusterwiz.core.importers.report import ImportReport
from clusterwiz.core.importers.source import SourceKey
from clusterwiz.core.importers.spec_draft import ImportOptions, QueueSource, SpecDraft, VolumeSource
from clusterwiz.core.importers.values import parse_bool, parse_int, split_list
from clusterwiz.core.spec import ClusterSpec


@dataclass(frozen=True)
class Flavor:
    label: str
    default_initial_nodes: int
    default_os: str


PCLUSTER2 = Flavor("ParallelCluster v2", 0, "alinux2")
CFNCLUSTER = Flavor("CfnCluster", 2, "alinux")
DEFAULT_TYPE = "t2.micro"  # both tools' default for master and compute
DEFAULT_MAX_NODES = 10
DEFAULT_SHARED_DIR = "/shared"
DEFAULT_EBS_GIB = 20
TOOL_REGION = "us-east-1"

_SCRIPTS = ("custom bootstrap scripts do not run on clusterwiz nodes; run yours once the cluster is up "
            "(e.g. as a first Slurm job)")
_IAM = ("clusterwiz nodes get only the permissions the cluster itself needs; grant extra S3/IAM access "
        "yourself if jobs need it")
_NETWORK = "clusterwiz creates and manages the cluster's security groups and addressing itself"
_SPOT_BID = ("clusterwiz sets no spot bid: spot nodes cost the current spot price, which never exceeds the "
             "on-demand price")
DROP_REASONS = {
    "pre_install": _SCRIPTS, "post_install": _SCRIPTS, "pre_install_args": _SCRIPTS,
    "post_install_args": _SCRIPTS,
    "extra_json": "custom Chef settings are not supported",
    "custom_chef_cookbook": "custom Chef cookbooks are not supported",
    "s3_read_resource": _IAM, "s3_read_write_resource": _IAM, "ec2_iam_role": _IAM,
    "additional_iam_policies": _IAM,
    "efs_settings": "EFS is not supported: copy the data you need onto a shared EBS volume",
    "fsx_settings": "FSx for Lustre is not supported: copy the data you need onto a shared EBS volume",
    "raid_settings": "RAID arrays are not supported: use one larger EBS volume (up to 16 TiB gp3)",
    "dcv_settings": "NICE DCV remote desktops are not supported",
    "cw_log_settings": "CloudWatch logs are not set up by clusterwiz",
    "dashboard_settings": "CloudWatch dashboards are not set up by clusterwiz",
    "placement_group": "clusterwiz does not use placement groups",
    "placement": "clusterwiz does not use placement groups",
    "enable_efa": "EFA networking is not set up", "enable_efa_gdr": "EFA networking is not set up",
    "disable_hyperthreading": "nodes keep the instance type's default threads per core",
    "ephemeral_dir": "instance-store (ephemeral) disks are not set up",
    "encrypted_ephemeral": "instance-store (ephemeral) disks are not set up",
    "proxy_server": "nodes reach AWS directly; proxies are not supported",
    "enable_intel_hpc_platform": "the Intel HPC platform is not installed",
    "disable_cluster_dns": "Slurm nodes find each other through /etc/hosts kept by clusterwiz",
    "compute_root_volume_size": "compute nodes use a root volume of the image's default size",
    "spot_price": _SPOT_BID, "spot_bid_percentage": _SPOT_BID,
    "template_url": "clusterwiz generates its own Terraform, not CloudFormation",
    "custom_awsbatch_template_url": "clusterwiz generates its own Terraform, not CloudFormation",
    "compute_subnet_id": "compute nodes run in the head node's subnet",
    "additional_sg": _NETWORK, "vpc_security_group_id": _NETWORK, "use_public_ips": _NETWORK,
    "ebs_kms_key_id": "new volumes use the account's default EBS encryption key",
    "update_check": "a setting of the pcluster command itself", "sanity_check": "a setting of the pcluster "
    "command itself",
    "ssh": "`clusterwiz ssh NAME` replaces this alias",
    "aws_access_key_id": "credentials are never copied by clusterwiz (it uses your AWS profile); if this file "
    "was ever shared, rotate this key", "aws_secret_access_key": "credentials are never copied by clusterwiz "
    "(it uses your AWS profile); if this file was ever shared, rotate this key",
}
KNOWN_KEYS = (
    "key_name", "vpc_settings", "base_os", "custom_ami", "scheduler", "master_instance_type",
    "compute_instance_type", "initial_queue_size", "max_queue_size", "maintain_initial_size", "cluster_type",
    "ebs_settings", "shared_dir", "scaling_settings", "queue_settings", "master_root_volume_size", "tags",
    "scaledown_idletime", "compute_resource_settings", "compute_type", "instance_type", "min_count",
    "max_count", "initial_count", "ebs_volume_id", "ebs_snapshot_id", "volume_size", "volume_type",
    "volume_iops", "volume_throughput", "encrypted", *DROP_REASONS,
)
QUEUE_MODE_ONLY_CLUSTER = ("compute_instance_type", "initial_queue_size", "max_queue_size",
                           "maintain_initial_size", "cluster_type", "spot_price", "spot_bid_percentage")


def choose_template(document: IniDocument, wanted: str | None) -> IniSection:
    clusters = document.of_kind("cluster")
    names = ", ".join(document.labels("cluster"))
    if not clusters:
        raise ImportFailed(document.path, None, "has no [cluster NAME] section, so there is no cluster to import; "
                           "is this the right file?")
    if wanted:
        section = document.find("cluster", wanted)
        if section is None or section.label is None:
            raise ImportFailed(document.path, None, f"has no [cluster {wanted}] section; templates in the file: "
                               f"{names}")
        return section
    global_section = document.find("global", None)
    chosen = global_section.get("cluster_template") if global_section else None
    if chosen is not None and chosen.value:
        section = document.find("cluster", chosen.value)
        if section is None or section.label is None:
            raise ImportFailed(document.path, chosen.line, f"cluster_template = {chosen.value} names no [cluster "
                               f"{chosen.value}] section; templates in the file: {names}. Pass --template NAME")
        return section
    default = document.find("cluster", "default")
    labeled = [s for s in clusters if s.label is not None]
    if default is not None:
        return default
    if len(labeled) == 1:
        return labeled[0]
    raise ImportFailed(document.path, chosen.line if chosen else None,
                       f"no cluster_template is set (is it commented out?) and the file has several templates: "
                       f"{names}. Pass --template NAME to choose one")


class ParallelCluster2Mapper:
    def __init__(self, document: IniDocument, options: ImportOptions, flavor: Flavor):
        self.document = document
        self.flavor = flavor
        self.cluster = choose_template(document, options.template)
        keys = [key for section in document.sections for key in section.all_keys()]
        self.draft = SpecDraft(document.path, flavor.label, keys, options)
        self.draft.report.template = self.cluster.label
        self.r = self.draft.report_builder
        self.used: set[int] = {id(self.cluster)}

    def run(self) -> tuple[ClusterSpec, ImportReport]:
        for section in self.document.sections:
            for old, new in section.overridden:
                self.r.dropped(old, f"{old.key} is set again on line {new.line}; the later value is used")
        cluster = self.cluster
        self.draft.set_name(cluster.label, None)
        self._global_and_aws()
        self.draft.set_os(cluster.get("base_os"), self.flavor.default_os, self.flavor.label)
        if cluster.get("custom_ami"):
            self.draft.set_ami(cluster.get("custom_ami"))  # type: ignore[arg-type]
        self.draft.set_key_pair(cluster.get("key_name"))
        self._scheduler(cluster.get("scheduler"))
        head_type = self.draft.instance_type(cluster.get("master_instance_type"), "head_node.instance_type",
                                             DEFAULT_TYPE, self.flavor.label)
        self.draft.data["head_node"]["instance_type"] = head_type
        if cluster.get("master_root_volume_size"):
            self.draft.set_head_root_volume(cluster.get("master_root_volume_size"))  # type: ignore[arg-type]
        self._network(cluster.get("vpc_settings"))
        if cluster.get("queue_settings"):
            self._queues(cluster.get("queue_settings"))  # type: ignore[arg-type]
        else:
            self._single_queue()
        self._storage(cluster.get("ebs_settings"), cluster.get("shared_dir"))
        scaling_key = cluster.get("scaling_settings")
        for section in self._sections(scaling_key, "scaling")[:1]:
            self.r.mapped(scaling_key, "scaledown_idle_minutes", f"reads {section.title}")  # type: ignore[arg-type]
            if section.get("scaledown_idletime"):
                self.draft.set_scaledown(section.get("scaledown_idletime"))  # type: ignore[arg-type]
        if cluster.get("tags"):
            self.draft.set_tags(cluster.get("tags"), None)
        self._drop_features()
        self.r.drop_rest(self._reason)
        return self.draft.build()

    # -- sections ---------------------------------------------------------------------------------

    def _sections(self, key: SourceKey | None, kind: str) -> list[IniSection]:
        return referenced_sections(self.document, self.r, key, kind, self.used)

    def _global_and_aws(self) -> None:
        global_section = self.document.find("global", None)
        if global_section is not None:
            self.used.add(id(global_section))
            chosen = global_section.get("cluster_template")
            if chosen is not None:
                self.r.mapped(chosen, "(template)", f"selects [cluster {self.cluster.label}]")
        aws = self.document.find("aws", None)
        region_key = aws.get("aws_region_name") if aws else None
        if aws is not None:
            self.used.add(id(aws))
        self.draft.set_region(region_key, TOOL_REGION, self.flavor.label)
        for section in self.document.of_kind("aliases"):
            self.used.add(id(section))

    def _scheduler(self, key: SourceKey | None) -> None:
        value = key.value.strip().lower() if key else "sge"
        if value == "slurm":
            self.r.mapped(key, "(scheduler)", "clusterwiz runs Slurm")  # type: ignore[arg-type]
            return
        if value == "awsbatch":
            why = ("AWS Batch became Slurm: jobs are submitted with sbatch on the head node instead of awsbsub, "
                   "and queue sizes count nodes, not vCPUs")
        elif value in ("sge", "torque"):
            why = (f"{value.upper()} became Slurm: job scripts need Slurm directives (#SBATCH) and commands "
                   "(sbatch, squeue) instead of qsub/qstat")
        else:
            why = f"{value!r} is not a scheduler clusterwiz knows; the cluster runs Slurm"
        if key is None:
            self.r.note(f"(scheduler not set: {self.flavor.label} used SGE)", "changed", "(scheduler)", why)
        else:
            self.r.changed(key, "(scheduler)", why)

    def _network(self, key: SourceKey | None) -> None:
        sections = self._sections(key, "vpc")
        if key is not None and sections:
            self.r.mapped(key, "network", f"reads [vpc {sections[0].label}]")
        vpc = sections[0] if sections else None
        if vpc is None:
            return
        self.draft.set_network(vpc.get("vpc_id"), vpc.get("master_subnet_id"))
        if vpc.get("ssh_from"):
            self.draft.set_ssh_cidr(vpc.get("ssh_from"))  # type: ignore[arg-type]

    def _single_queue(self) -> None:
        cluster, draft, r = self.cluster, self.draft, self.r
        target = "queues[0]"
        instance_type = draft.instance_type(cluster.get("compute_instance_type"), f"{target}.instance_types",
                                            DEFAULT_TYPE, self.flavor.label)
        initial = self._count(cluster.get("initial_queue_size"), f"{target}.initial_nodes",
                              self.flavor.default_initial_nodes)
        maximum = self._count(cluster.get("max_queue_size"), f"{target}.max_nodes", DEFAULT_MAX_NODES)
        maintain_key = cluster.get("maintain_initial_size")
        maintain = parse_bool(maintain_key.value) if maintain_key else False
        if maintain_key is not None:
            if maintain is None:
                r.decision(maintain_key, f"{target}.min_nodes", f"{maintain_key.value!r} is not true or false; "
                           "taken as false (idle nodes are removed)")
            else:
                r.mapped(maintain_key, f"{target}.min_nodes", f"min_nodes = {initial if maintain else 0}: "
                         + ("initial nodes are kept running" if maintain else "idle nodes are removed"))
        spot = self._spot(cluster.get("cluster_type"), f"{target}.capacity")
        r.note("(the cluster's one queue)", "changed", f"{target}.name", f"{self.flavor.label} had a single "
               "queue; it becomes the Slurm partition 'compute'")
        draft.add_queue(QueueSource("compute", None, [(cluster.get("compute_instance_type"), instance_type)],
                                    spot, initial if maintain else 0, initial, maximum))

    def _queues(self, key: SourceKey) -> None:
        for name in QUEUE_MODE_ONLY_CLUSTER:
            entry = self.cluster.get(name)
            if entry is not None:
                self.r.dropped(entry, "ignored by ParallelCluster when queue_settings is set; each [queue] "
                               "decides")
        sections = self._sections(key, "queue")
        if sections:
            self.r.mapped(key, "queues", f"{len(sections)} queue(s), one Slurm partition each")
        for section in sections:
            self._queue(section)
        if not self.draft.data["queues"]:
            self._single_queue()

    def _queue(self, section: IniSection) -> None:
        r = self.r
        index = len(self.draft.data["queues"])
        target = f"queues[{index}]"
        resources = self._sections(section.get("compute_resource_settings"), "compute_resource")
        if section.get("compute_resource_settings") and resources:
            r.mapped(section.get("compute_resource_settings"), f"{target}.instance_types",  # type: ignore[arg-type]
                     f"{len(resources)} compute resource(s)" + (", merged into one queue: sizes are summed"
                                                                 if len(resources) > 1 else ""))
        types: list[tuple[SourceKey | None, str]] = []
        minimum = initial = maximum = 0
        for resource in resources:
            type_key = resource.get("instance_type")
            types.append((type_key, self.draft.instance_type(type_key, f"{target}.instance_types", DEFAULT_TYPE,
                                                             self.flavor.label)))
            low = self._count(resource.get("min_count"), f"{target}.min_nodes", 0, quiet_default=True)
            start = self._count(resource.get("initial_count"), f"{target}.initial_nodes", low, quiet_default=True)
            high = self._count(resource.get("max_count"), f"{target}.max_nodes", DEFAULT_MAX_NODES)
            minimum, initial, maximum = minimum + low, initial + start, maximum + high
        if not types:
            r.note(f"(queue {section.label})", "dropped", None, "has no usable [compute_resource]; skipped")
            return
        spot = self._spot(section.get("compute_type"), f"{target}.capacity")
        self.draft.add_queue(QueueSource(section.label or "compute", None, types, spot, minimum, initial, maximum))

    def _count(self, key: SourceKey | None, target: str, default: int, quiet_default: bool = False) -> int:
        if key is None:
            if not quiet_default:
                self.r.default(f"(not set: {target.rsplit('.', 1)[-1]})", target, str(default),
                               f"{self.flavor.label}'s default")
            return default
        value = parse_int(key.value)
        if value is None or value < 0:
            self.r.decision(key, target, f"{key.value!r} is not a count of nodes; using {default}")
            return default
        self.r.mapped(key, target)
        return value

    def _spot(self, key: SourceKey | None, target: str) -> bool:
        if key is None:
            return False
        value = key.value.strip().lower()
        if value not in ("spot", "ondemand"):
            self.r.decision(key, target, f"{key.value!r} is neither spot nor ondemand; using on-demand")
            return False
        self.r.mapped(key, target)
        return value == "spot"

    def _storage(self, ebs_key: SourceKey | None, shared_dir: SourceKey | None) -> None:
        sections = self._sections(ebs_key, "ebs")
        if ebs_key is not None and sections:
            self.r.mapped(ebs_key, "shared_storage", f"{len(sections)} volume(s)")
        if not sections:
            # Both tools always shared one EBS volume, at the cluster's shared_dir (default /shared).
            self.draft.add_volume(VolumeSource(
                "shared", mount_dir=shared_dir, default_mount_dir=DEFAULT_SHARED_DIR, default_size_gib=DEFAULT_EBS_GIB,
                default_volume_type="gp2", default_encrypted=False, tool=self.flavor.label))
            return
        single = len(sections) == 1
        for section in sections:
            mount = section.get("shared_dir")
            if mount is None and single and shared_dir is not None:
                mount = shared_dir  # the old single-volume form: shared_dir lives in [cluster]
            self.draft.add_volume(VolumeSource(
                section.label or "shared", mount_dir=mount, volume_id=section.get("ebs_volume_id"),
                snapshot_id=section.get("ebs_snapshot_id"), size_gib=section.get("volume_size"),
                volume_type=section.get("volume_type"), iops=section.get("volume_iops"),
                throughput=section.get("volume_throughput"), encrypted=section.get("encrypted"),
                default_mount_dir=DEFAULT_SHARED_DIR, default_size_gib=DEFAULT_EBS_GIB, default_volume_type="gp2",
                default_encrypted=False, tool=self.flavor.label))
        if shared_dir is not None and not self.r.handled(shared_dir):
            self.r.dropped(shared_dir, "ignored: each [ebs] section names its own shared_dir")

    def _drop_features(self) -> None:
        """Sections of features clusterwiz does not offer, reported under the key that named them."""
        for name in ("efs_settings", "fsx_settings", "raid_settings", "dcv_settings", "cw_log_settings",
                     "dashboard_settings"):
            key = self.cluster.get(name)
            if key is None:
                continue
            kind = name.removesuffix("_settings")
            for label in split_list(key.value):
                section = self.document.find(kind, label)
                if section is not None:
                    self.used.add(id(section))
                    for entry in section.all_keys():
                        self.r.dropped(entry, f"part of [{kind} {label}]: {DROP_REASONS[name]}")

    def _reason(self, key: SourceKey) -> str:
        section = next(s for s in self.document.sections if key in s.all_keys())
        reason = DROP_REASONS.get(key.normalized_key)
        if id(section) not in self.used:
            if section.kind == "cluster" and section.label is None:
                return ("an unlabeled [cluster] section is never used (templates are [cluster NAME]); move its "
                        f"keys into [cluster {self.cluster.label}] if they were meant for it")
            if section.kind == "cluster":
                return f"belongs to template [cluster {section.label}]; import it with --template {section.label}"
            return f"{section.title} is not used by [cluster {self.cluster.label}]"
        if reason:
            return reason
        close = difflib.get_close_matches(key.normalized_key, KNOWN_KEYS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"not a {self.flavor.label} setting clusterwiz knows{hint}; ignored"


def import_parallelcluster2(document: IniDocument, options: ImportOptions,
                            flavor: Flavor = PCLUSTER2) -> tuple[ClusterSpec, ImportReport]:
    return ParallelCluster2Mapper(document, options, flavor).run()
