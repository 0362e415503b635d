"""The bundled instance-type snapshot: it serves the catalog's table, newer types are described live, and the
generator script writes a file that loads (all against moto's server)."""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.instance_specs import InstanceSpecs, bundled_instance_specs, read_instance_specs
from clusterwiz.core.aws.session import AwsSession
from tests.catalog.account import REGION
from tests.support.moto_server import UNSET_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
NEWER_TYPES = ("c6i.xlarge", "t3.medium", "g5.xlarge")  # as if AWS launched them after the snapshot


def without(*names: str) -> InstanceSpecs:
    bundled = bundled_instance_specs()
    return dataclasses.replace(bundled, values={name: values for name, values in bundled.values.items()
                                                if name not in names})


def catalog_with(specs: Callable[[], InstanceSpecs], cache_dir: Path | None) -> tuple[Catalog, list[str]]:
    """A catalog and the instance types of each DescribeInstanceTypes call it sends, as they go."""
    catalog = Catalog(AwsSession(region=REGION), cache_dir=cache_dir, instance_specs=specs)
    described: list[str] = []

    def record(params: dict, **_: object) -> None:
        described.append(",".join(params.get("InstanceTypes", ["*"])))
    catalog.session.boto_session.events.register("provide-client-params.ec2.DescribeInstanceTypes", record)
    return catalog, described


def test_snapshot_serves_the_same_table_as_describing_every_offered_type(moto: str) -> None:
    served, served_calls = catalog_with(bundled_instance_specs, cache_dir=None)
    live, live_calls = catalog_with(lambda: without(*bundled_instance_specs().values), cache_dir=None)
    table = served.instance_types(REGION)
    assert served_calls == [], "every offered type's specs come from the snapshot"
    assert len(table) == len(served.offerings(REGION)) > 300
    assert table == live.instance_types(REGION)
    assert len(live_calls) == math.ceil(len(table) / 100), "without a snapshot: 100 types per call"
    served.close()
    live.close()


def test_an_offered_type_missing_from_the_snapshot_is_described_live_and_kept_on_disk(
        moto: str, tmp_path: Path) -> None:
    trimmed = without(*NEWER_TYPES)
    first, calls = catalog_with(lambda: trimmed, cache_dir=tmp_path)
    newer = {name: first.instance_type(REGION, name) for name in NEWER_TYPES}
    assert calls == [",".join(sorted(NEWER_TYPES))], "one call, for the missing types only"
    assert newer["g5.xlarge"] is not None and newer["g5.xlarge"].gpus == 1
    assert newer["c6i.xlarge"] is not None and newer["c6i.xlarge"].vcpus == 4
    first.close()
    again, calls_again = catalog_with(lambda: trimmed, cache_dir=tmp_path)
    assert {name: again.instance_type(REGION, name) for name in NEWER_TYPES} == newer
    assert calls_again == [], "a new session reads what was described from the disk cache"
    again.close()


def test_generator_script_writes_a_snapshot_that_loads(moto: str, tmp_path: Path) -> None:
    output = tmp_path / "instance-types.json"
    env = {key: value for key, value in os.environ.items() if key not in UNSET_VARIABLES}
    env["PYTHONPATH"] = str(ROOT / "tui")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "snapshot_instance_types.py"),
                             "--endpoint-url", moto, "--region", REGION, "--output", str(output)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = read_instance_specs(output)
    assert written.source.startswith("moto ") and "real AWS" in written.source
    assert written.row("c6i.xlarge") == {
        "name": "c6i.xlarge", "vcpus": 4, "memory_mib": 8192, "architectures": ["x86_64"], "gpus": 0,
        "network_performance": "Up to 12.5 Gigabit", "current_generation": True, "free_tier_eligible": False,
        "spot_supported": True}
    # The bundled file is this script's output against the same moto, not an edited copy.
    assert written.values == bundled_instance_specs().values


def test_snapshot_is_parsed_on_first_use_not_at_import() -> None:
    probe = ("import clusterwiz.core.aws.catalog\n"
             "from clusterwiz.core.aws.instance_specs import bundled_instance_specs as specs\n"
             "print(specs.cache_info().currsize, end=' ')\n"
             "specs(); specs()\n"
             "print(specs.cache_info().currsize, specs.cache_info().misses)\n")
    result = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": str(ROOT / "tui")},
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["0", "1", "1"]
