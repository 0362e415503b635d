"""Instance-type specs (vCPUs, memory, architectures, GPUs, ...): a bundled dated snapshot, described live only
for types launched after it.

A type's specs never change once AWS launches it, so describing ~900 types (9 calls of 100) on every cold
cache buys nothing. Which types a region offers still comes live from DescribeInstanceTypeOfferings (catalog.py).
The snapshot is written by scripts/snapshot_instance_types.py, never by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from clusterwiz.core.aws.errors import aws_errors
from clusterwiz.core.files import atomic_write_text

SNAPSHOT_FILE = "instance-types-2026-11.json"
SNAPSHOT_FILE_MODE = 0o644  # package data: readable by everyone who runs clusterwiz
# The order of each row's values in the file, and the keys of the rows instance_type_rows makes.
FIELDS = ("name", "vcpus", "memory_mib", "architectures", "gpus", "network_performance", "current_generation",
          "free_tier_eligible", "spot_supported")


def instance_type_rows(types: Iterable[dict]) -> list[dict]:
    """DescribeInstanceTypes items as the small rows the catalog keeps (and caches on disk)."""
    return [{
        "name": t["InstanceType"],
        "vcpus": int(t["VCpuInfo"]["DefaultVCpus"]),
        "memory_mib": int(t["MemoryInfo"]["SizeInMiB"]),
        "architectures": list(t.get("ProcessorInfo", {}).get("SupportedArchitectures", [])),
        "gpus": sum(int(g.get("Count", 0)) for g in t.get("GpuInfo", {}).get("Gpus", [])),
        "network_performance": t.get("NetworkInfo", {}).get("NetworkPerformance", ""),
        "current_generation": bool(t.get("CurrentGeneration")),
        "free_tier_eligible": bool(t.get("FreeTierEligible")),
        "spot_supported": "spot" in t.get("SupportedUsageClasses", []),
    } for t in types]


@dataclass(frozen=True)
class InstanceSpecs:
    """The snapshot: each type's values in FIELDS order (tuples, not dicts: a third of the memory)."""

    as_of: str
    source: str
    values: dict[str, tuple]

    def row(self, name: str) -> dict | None:
        """The type's row as instance_type_rows makes it, or None when the snapshot predates the type."""
        values = self.values.get(name)
        return None if values is None else dict(zip(FIELDS, values, strict=True))

    def __contains__(self, name: str) -> bool:
        return name in self.values


def read_instance_specs(path: Path) -> InstanceSpecs:
    return _parse(path.read_text(encoding="utf-8"))


@cache
def bundled_instance_specs() -> InstanceSpecs:
    """The snapshot shipped with clusterwiz, parsed on first use (not at import) and kept for the process."""
    return _parse(resources.files("clusterwiz.core.aws").joinpath("data", SNAPSHOT_FILE).read_text(encoding="utf-8"))


def _parse(text: str) -> InstanceSpecs:
    data: dict[str, Any] = json.loads(text)
    fields = tuple(data["fields"])
    if fields != FIELDS:
        raise ValueError(f"instance-type snapshot has fields {fields}, expected {FIELDS}: regenerate it with "
                         "scripts/snapshot_instance_types.py")
    return InstanceSpecs(as_of=data["as_of"], source=data["source"],
                         values={values[0]: tuple(values) for values in data["rows"]})


def describe_every_instance_type(session: Any, region: str) -> list[dict]:
    """Every instance type DescribeInstanceTypes lists in `region` (AWS lists the region's types), as rows."""
    rows: list[dict] = []
    with aws_errors("ec2:DescribeInstanceTypes", region):
        paginator = session.client("ec2", region).get_paginator("describe_instance_types")
        for page in paginator.paginate(PaginationConfig={"PageSize": 100}):  # 100: the API's most per page
            rows.extend(instance_type_rows(page["InstanceTypes"]))
    return rows


def write_instance_specs(path: Path, rows: list[dict], *, region: str, source: str,
                         as_of: date | None = None) -> None:
    """Write rows (as instance_type_rows makes them) as a snapshot file, atomically: one type per line."""
    header = {
        "about": "Specs of every instance type DescribeInstanceTypes listed in " + region + " on as_of: they never "
                 "change once a type launches. Which types a region offers is asked live; an offered type missing "
                 "here is described live. free_tier_eligible is " + region + "'s answer (AWS's differs by region; "
                 "nothing decides on it).",
        "as_of": (as_of or date.today()).isoformat(),
        "source": source,
        "fields": list(FIELDS),
    }
    compact = {"separators": (",", ":")}
    fields = [f" {json.dumps(key)}: {json.dumps(value, **compact)}," for key, value in header.items()]
    types = ",\n".join(json.dumps([row[field] for field in FIELDS], **compact)
                       for row in sorted(rows, key=lambda row: row["name"]))
    text = "{\n" + "\n".join(fields) + '\n "rows": [\n' + types + "\n ]\n}\n"
    atomic_write_text(path, text, mode=SNAPSHOT_FILE_MODE)
