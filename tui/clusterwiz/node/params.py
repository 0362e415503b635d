"""The cluster parameters a node boots from (/opt/clusterwiz/params.json), as written by Terraform."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_./-]+$")


class ParamsError(ValueError):
    """params.json is missing a key or holds a value the bootstrap cannot use."""


@dataclass(frozen=True)
class QueueParams:
    name: str
    group_name: str
    min_nodes: int
    max_nodes: int
    instance_types: tuple[str, ...] = ()
    capacity: str = "ondemand"
    node_cpus: int | None = None  # the queue's smallest instance type
    node_memory_mib: int | None = None


@dataclass(frozen=True)
class VolumeParams:
    mount_dir: str
    volume_id: str
    device_name: str


@dataclass(frozen=True)
class ClusterParams:
    cluster_name: str
    region: str
    os: str
    role: str
    nodes_cidr: str = ""
    scaledown_idle_minutes: int = 10
    idle_stop_minutes: int | None = None  # the whole cluster stops after this long unused; None: never
    queues: tuple[QueueParams, ...] = ()
    shared_storage: tuple[VolumeParams, ...] = ()
    queue: str = ""
    head_private_ip: str = ""
    prices: dict | None = None  # fixed at render: {"instance": {type: $/h}, "volume": {type: $/GiB-month}}


def _require(data: dict[str, Any], key: str, kind: type) -> Any:
    if key not in data:
        raise ParamsError(f"params.json lacks {key!r}")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ParamsError(f"params.json {key!r} should be {kind.__name__}, not {value!r}")
    return value


def _optional(data: dict[str, Any], key: str, kind: type) -> Any:
    return None if data.get(key) is None else _require(data, key, kind)


def _checked(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise ParamsError(f"params.json holds an invalid {what}: {value!r}")
    return value


def parse_params(data: dict[str, Any]) -> ClusterParams:
    """Validate the decoded params.json of either role."""
    role = _require(data, "role", str)
    common = {
        "cluster_name": _checked(_require(data, "cluster_name", str), NAME_PATTERN, "cluster name"),
        "region": _require(data, "region", str),
        "os": _require(data, "os", str),
        "role": role,
    }
    if role == "compute":
        return ClusterParams(queue=_checked(_require(data, "queue", str), NAME_PATTERN, "queue name"),
                             head_private_ip=_require(data, "head_private_ip", str), **common)
    if role != "head":
        raise ParamsError(f"params.json role should be 'head' or 'compute', not {role!r}")
    queues: list[QueueParams] = []
    for entry in _require(data, "queues", list):
        queues.append(QueueParams(
            name=_checked(_require(entry, "name", str), NAME_PATTERN, "queue name"),
            group_name=_require(entry, "group_name", str),
            min_nodes=_require(entry, "min_nodes", int),
            max_nodes=_require(entry, "max_nodes", int),
            instance_types=tuple(entry.get("instance_types", ())),
            capacity=entry.get("capacity", "ondemand"),
            node_cpus=entry.get("node_cpus"),
            node_memory_mib=entry.get("node_memory_mib"),
        ))
    if not queues:
        raise ParamsError("params.json has no queues; a cluster needs at least one")
    volumes = tuple(
        VolumeParams(mount_dir=_checked(_require(entry, "mount_dir", str), PATH_PATTERN, "mount_dir"),
                     volume_id=_require(entry, "volume_id", str),
                     device_name=_require(entry, "device_name", str))
        for entry in data.get("shared_storage") or ()
    )
    return ClusterParams(nodes_cidr=_require(data, "nodes_cidr", str),
                         scaledown_idle_minutes=_require(data, "scaledown_idle_minutes", int),
                         idle_stop_minutes=_optional(data, "idle_stop_minutes", int),
                         prices=_optional(data, "prices", dict),
                         queues=tuple(queues), shared_storage=volumes, **common)


def load_params(path: str) -> ClusterParams:
    with open(path, encoding="utf-8") as handle:
        return parse_params(json.load(handle))
