"""ParallelCluster 3 YAML -> cluster spec, following ParallelCluster 3's semantics.

HeadNode gives the head node, Scheduling.SlurmQueues[].ComputeResources[] the queues (the
resources of a queue merge into one clusterwiz queue), SharedStorage the EBS volumes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from clusterwiz.core.importers.report import ImportReport
from clusterwiz.core.importers.source import SourceKey
from clusterwiz.core.importers.spec_draft import (
    DEFAULT_COMPUTE_TYPE,
    DEFAULT_HEAD_TYPE,
    FALLBACK_OS,
    ImportOptions,
    QueueSource,
    SpecDraft,
    VolumeSource,
)
from clusterwiz.core.importers.values import parse_int
from clusterwiz.core.importers.yaml_reader import load_yaml
from clusterwiz.core.spec import ClusterSpec

TOOL = "ParallelCluster 3"
DEFAULT_MAX_COUNT = 10
DEFAULT_EBS_GIB = 35
_IAM = ("clusterwiz nodes get only the permissions the cluster itself needs; grant extra S3/IAM access yourself "
        "if jobs need it")
_SCRIPTS = "custom actions do not run on clusterwiz nodes; run yours once the cluster is up"
# Reasons by the name of a key anywhere in the path (the deepest match wins).
DROP_REASONS = {
    "Iam": _IAM, "CustomActions": _SCRIPTS, "Imds": "clusterwiz always requires IMDSv2 on every node",
    "LoginNodes": "login nodes are not supported: users log in to the head node",
    "Monitoring": "CloudWatch logs and dashboards are not set up by clusterwiz",
    "DevSettings": "ParallelCluster development settings have no meaning for clusterwiz",
    "AdditionalPackages": "extra packages are not installed; install them once the cluster is up",
    "Dcv": "NICE DCV remote desktops are not supported",
    "SubnetIds": "compute nodes run in the head node's subnet",
    "PlacementGroup": "clusterwiz does not use placement groups", "Efa": "EFA networking is not set up",
    "DisableSimultaneousMultithreading": "nodes keep the instance type's default threads per core",
    "ComputeSettings": "compute nodes use a root volume of the image's default size",
    "LocalStorage": "only the head node's root volume size is imported",
    "CustomSlurmSettings": "custom slurm.conf settings are not supported; clusterwiz writes slurm.conf",
    "CustomSlurmSettingsIncludeFile": "custom slurm.conf settings are not supported",
    "Dns": "Slurm nodes find each other through /etc/hosts kept by clusterwiz",
    "QueueUpdateStrategy": "clusterwiz updates queues by re-applying Terraform",
    "EnableMemoryBasedScheduling": "Slurm schedules by CPUs on clusterwiz clusters",
    "AllocationStrategy": "the fleet launches the listed instance types in order",
    "JobExclusiveAllocation": "not supported; use sbatch --exclusive per job",
    "SpotPrice": "clusterwiz sets no spot bid: spot nodes cost the current spot price, never more than on-demand",
    "DynamicNodePriority": "not supported", "StaticNodePriority": "not supported",
    "SchedulableMemory": "Slurm schedules by CPUs on clusterwiz clusters",
    "Proxy": "nodes reach AWS directly; proxies are not supported",
    "SecurityGroups": "clusterwiz creates and manages the cluster's security groups",
    "AdditionalSecurityGroups": "clusterwiz creates and manages the cluster's security groups",
    "ElasticIp": "clusterwiz manages the head node's public address",
    "SharedStorageType": "clusterwiz shares /home and /opt/clusterwiz over NFS from the head node",
    "Name": "a ParallelCluster resource name; clusterwiz needs none",
}


def _path_names(path: str) -> list[str]:
    return [re.sub(r"\[\d+\]$", "", part) for part in path.split(".")]


class ParallelCluster3Mapper:
    def __init__(self, path: Path, text: str, options: ImportOptions):
        self.data, self.leaves = load_yaml(text, path)
        self.draft = SpecDraft(path, TOOL, list(self.leaves.values()), options)
        self.r = self.draft.report_builder

    def key(self, path: str) -> SourceKey | None:
        return self.leaves.get(path)

    def under(self, prefix: str) -> list[SourceKey]:
        return [k for p, k in self.leaves.items() if p == prefix or p.startswith((prefix + ".", prefix + "["))]

    def drop_tree(self, prefix: str, why: str) -> None:
        for key in self.under(prefix):
            if not self.r.handled(key):
                self.r.dropped(key, why)

    def run(self) -> tuple[ClusterSpec, ImportReport]:
        draft, r = self.draft, self.r
        draft.set_name(None, None)
        draft.set_region(self.key("Region"), None, TOOL)
        draft.set_os(self.key("Image.Os"), None, TOOL)
        if self.key("Image.Os") is None:
            r.decision(None, "os", f"the file names no Image.Os; using {FALLBACK_OS}", name="(Image.Os)")
        if self.key("Image.CustomAmi"):
            draft.set_ami(self.key("Image.CustomAmi"))  # type: ignore[arg-type]
        draft.data["head_node"]["instance_type"] = draft.instance_type(
            self.key("HeadNode.InstanceType"), "head_node.instance_type", DEFAULT_HEAD_TYPE, "clusterwiz")
        draft.set_key_pair(self.key("HeadNode.Ssh.KeyName"))
        if self.key("HeadNode.Ssh.AllowedIps"):
            draft.set_ssh_cidr(self.key("HeadNode.Ssh.AllowedIps"))  # type: ignore[arg-type]
        if self.key("HeadNode.Networking.SubnetId"):
            draft.set_network(None, self.key("HeadNode.Networking.SubnetId"))
        if self.key("HeadNode.LocalStorage.RootVolume.Size"):
            draft.set_head_root_volume(self.key("HeadNode.LocalStorage.RootVolume.Size"))  # type: ignore[arg-type]
        self._scheduling()
        self._storage()
        self._tags()
        r.drop_rest(self._reason)
        return draft.build()

    def _scheduling(self) -> None:
        scheduling = self.data.get("Scheduling") or {}
        scheduler_key = self.key("Scheduling.Scheduler")
        scheduler = scheduler_key.value.lower() if scheduler_key else "slurm"
        if scheduler_key is None:
            self.r.note("(Scheduling.Scheduler)", "default", "(scheduler)", "not set; clusterwiz runs Slurm")
        elif scheduler == "slurm":
            self.r.mapped(scheduler_key, "(scheduler)", "clusterwiz runs Slurm")
        else:
            self.r.changed(scheduler_key, "(scheduler)", f"{scheduler_key.value} became Slurm: submit jobs with "
                           "sbatch on the head node; queue sizes count nodes, not vCPUs")
        if self.key("Scheduling.SlurmSettings.ScaledownIdletime"):
            self.draft.set_scaledown(self.key("Scheduling.SlurmSettings.ScaledownIdletime"))  # type: ignore[arg-type]
        for list_name in ("SlurmQueues", "AwsBatchQueues"):
            queues = scheduling.get(list_name) if isinstance(scheduling, dict) else None
            for index, queue in enumerate(queues if isinstance(queues, list) else []):
                if isinstance(queue, dict):
                    self._queue(f"Scheduling.{list_name}[{index}]", queue, batch=list_name == "AwsBatchQueues")
        if not self.draft.data["queues"]:
            self.r.decision(None, "queues", f"the file defines no queue; one queue of {DEFAULT_COMPUTE_TYPE} "
                            "(0 to 10 nodes) was added", name="(Scheduling.SlurmQueues)")
            self.draft.add_queue(QueueSource("compute", None, [(None, DEFAULT_COMPUTE_TYPE)]))

    def _queue(self, prefix: str, queue: dict[str, Any], batch: bool) -> None:
        index = len(self.draft.data["queues"])
        target = f"queues[{index}]"
        types: list[tuple[SourceKey | None, str]] = []
        minimum = maximum = 0
        resources = queue.get("ComputeResources")
        for position, _resource in enumerate(resources if isinstance(resources, list) else []):
            base = f"{prefix}.ComputeResources[{position}]"
            type_paths = [p for p in self.leaves if p == f"{base}.InstanceType"
                          or re.fullmatch(re.escape(base) + r"\.(Instances\[\d+\]\.InstanceType|InstanceTypes\[\d+\])",
                                          p)]
            if not type_paths:
                self.r.decision(None, f"{target}.instance_types", f"{base} names no instance type; using "
                                f"{DEFAULT_COMPUTE_TYPE}", name=base)
                types.append((None, DEFAULT_COMPUTE_TYPE))
            for path in type_paths:
                types.append((self.leaves[path], self.draft.instance_type(
                    self.leaves[path], f"{target}.instance_types", DEFAULT_COMPUTE_TYPE, TOOL)))
            if batch:
                for name in ("MinvCpus", "DesiredvCpus", "MaxvCpus"):
                    if self.key(f"{base}.{name}"):
                        self.r.decision(self.key(f"{base}.{name}"), f"{target}.max_nodes", "vCPU counts do not "
                                        f"convert to nodes without knowing each type's size; max_nodes is "
                                        f"{DEFAULT_MAX_COUNT} — set it yourself")
                maximum += DEFAULT_MAX_COUNT
                continue
            minimum += self._count(f"{base}.MinCount", f"{target}.min_nodes", 0)
            maximum += self._count(f"{base}.MaxCount", f"{target}.max_nodes", DEFAULT_MAX_COUNT)
        if len(types) > 1:
            self.r.note(f"({prefix}.ComputeResources)", "changed", f"{target}.instance_types",
                        f"{len(types)} instance types merged into one queue; node counts summed")
        capacity_key = self.key(f"{prefix}.CapacityType")
        spot = False
        if capacity_key is not None:
            value = capacity_key.value.upper()
            spot = value == "SPOT"
            if value in ("SPOT", "ONDEMAND"):
                self.r.mapped(capacity_key, f"{target}.capacity")
            else:
                self.r.decision(capacity_key, f"{target}.capacity", f"{capacity_key.value} is not supported; "
                                "using on-demand")
        name_key = self.key(f"{prefix}.Name")
        self.draft.add_queue(QueueSource(name_key.value if name_key else f"queue{index + 1}", name_key, types, spot,
                                         minimum, minimum, max(maximum, 1)))

    def _count(self, path: str, target: str, default: int) -> int:
        key = self.key(path)
        if key is None:
            return default
        value = parse_int(key.value)
        if value is None or value < 0:
            self.r.decision(key, target, f"{key.value!r} is not a count of nodes; using {default}")
            return default
        self.r.mapped(key, target, "summed over the queue's compute resources")
        return value

    def _storage(self) -> None:
        storage = self.data.get("SharedStorage")
        for index, item in enumerate(storage if isinstance(storage, list) else []):
            prefix = f"SharedStorage[{index}]"
            kind = str(item.get("StorageType", "")) if isinstance(item, dict) else ""
            if kind != "Ebs":
                self.drop_tree(prefix, f"{kind or 'this storage'} is not supported: clusterwiz shares EBS volumes; "
                               "copy the data you need onto one")
                continue
            settings = f"{prefix}.EbsSettings"
            name_key = self.key(f"{prefix}.Name")
            self.draft.add_volume(VolumeSource(
                name_key.value if name_key else f"volume{index + 1}", mount_dir=self.key(f"{prefix}.MountDir"),
                volume_id=self.key(f"{settings}.VolumeId"), snapshot_id=self.key(f"{settings}.SnapshotId"),
                size_gib=self.key(f"{settings}.Size"), volume_type=self.key(f"{settings}.VolumeType"),
                iops=self.key(f"{settings}.Iops"), throughput=self.key(f"{settings}.Throughput"),
                encrypted=self.key(f"{settings}.Encrypted"), default_size_gib=DEFAULT_EBS_GIB, tool=TOOL))
            if self.key(f"{prefix}.StorageType"):
                self.r.mapped(self.key(f"{prefix}.StorageType"), "shared_storage")  # type: ignore[arg-type]

    def _tags(self) -> None:
        tags = self.data.get("Tags")
        if not isinstance(tags, list):
            return
        mapping = {str(t.get("Key")): str(t.get("Value", "")) for t in tags if isinstance(t, dict) and "Key" in t}
        self.draft.set_tags(None, mapping)
        for key in self.under("Tags"):
            self.r.mapped(key, "tags")

    def _reason(self, key: SourceKey) -> str:
        for name in reversed(_path_names(key.key)):
            if name in DROP_REASONS:
                return DROP_REASONS[name]
        return f"not a {TOOL} setting clusterwiz supports; ignored"


def import_parallelcluster3(path: Path, text: str, options: ImportOptions) -> tuple[ClusterSpec, ImportReport]:
    return ParallelCluster3Mapper(path, text, options).run()
