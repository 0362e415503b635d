"""The cluster registry on disk: layout, permissions, metadata, removal and the per-cluster lock."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clusterwiz.core.errors import RegistryError
from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec

REPOSITORY = Path(__file__).resolve().parents[2]


def spec(name: str = "demo", max_nodes: int = 4) -> ClusterSpec:
    return ClusterSpec.from_mapping({"name": name, "region": "eu-west-2", "queues": [
        {"name": "compute", "instance_types": ["c6i.xlarge"], "max_nodes": max_nodes}]})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_lays_out_a_private_cluster_directory(tmp_path: Path):
    record = Registry(tmp_path).create(spec())

    assert record.directory == tmp_path / "aws" / "clusters" / "demo"
    for directory in (record.directory, record.workdir, record.logs_dir, record.keys_dir):
        assert directory.is_dir() and mode(directory) == 0o700
    assert mode(record.spec_path) == 0o600 and mode(record.directory / "metadata.json") == 0o600
    assert ClusterSpec.load(record.spec_path) == spec()
    assert record.metadata.status == "new" and record.metadata.created
    assert record.log_file() == record.logs_dir / "terraform.log"


def test_names_get_and_areas_are_separate(tmp_path: Path):
    aws, sandbox = Registry(tmp_path), Registry(tmp_path, "sandbox")
    aws.create(spec("zeta"))
    aws.create(spec("alpha"))
    sandbox.create(spec("alpha"))

    assert aws.names() == ["alpha", "zeta"]
    assert sandbox.names() == ["alpha"]
    assert sandbox.get("alpha").directory == tmp_path / "sandbox" / "clusters" / "alpha"
    assert [r.name for r in aws.records()] == ["alpha", "zeta"]
    assert Registry(tmp_path / "empty").names() == []


def test_create_refuses_an_existing_name(tmp_path: Path):
    registry = Registry(tmp_path)
    registry.create(spec())

    with pytest.raises(RegistryError, match="a cluster named 'demo' already exists.*choose another name"):
        registry.create(spec(max_nodes=8))
    assert registry.get("demo").spec.queues[0].max_nodes == 4


def test_get_of_an_unknown_cluster_lists_the_known_ones(tmp_path: Path):
    registry = Registry(tmp_path)
    registry.create(spec("alpha"))

    with pytest.raises(RegistryError, match=r"no cluster named 'beta'.*\(known: alpha\)"):
        registry.get("beta")


@pytest.mark.parametrize("name", ["../escape", "Demo", "", "a/b"])
def test_names_that_are_not_cluster_names_never_become_paths(tmp_path: Path, name: str):
    with pytest.raises(RegistryError, match="is not a valid cluster name"):
        Registry(tmp_path).get(name)


def test_save_spec_replaces_the_spec_atomically(tmp_path: Path):
    registry = Registry(tmp_path)
    registry.create(spec())
    record = registry.save_spec(spec(max_nodes=9))

    assert record.spec.queues[0].max_nodes == 9
    assert mode(record.spec_path) == 0o600
    assert sorted(p.name for p in record.directory.iterdir()) == [
        "cluster.yaml", "keys", "logs", "metadata.json", "workdir"]  # no temp file left behind


def test_every_string_comes_back_from_the_registry_as_written(tmp_path: Path):
    """YAML 1.1 reads NEL (U+0085) as a line break: written plainly, the registry gave it back as a space."""
    registry = Registry(tmp_path)
    written = spec().model_copy(update={"ssh_key_file": "~/keys/lab\x85a\u2028b.pem",
                                        "tags": {"team": " a\u2029b ", "padded ": ""}})
    registry.create(written)

    assert registry.get("demo").spec == written


def test_status_changes_stamp_applied_and_destroyed_times(tmp_path: Path):
    registry = Registry(tmp_path)
    registry.create(spec())
    applied = registry.set_status("demo", "applied").metadata
    failed = registry.set_status("demo", "failed", error="apply failed").metadata
    destroyed = registry.set_status("demo", "destroyed").metadata

    assert applied.status == "applied" and applied.applied
    assert (failed.status, failed.error, failed.applied) == ("failed", "apply failed", applied.applied)
    assert destroyed.destroyed and destroyed.error is None


def test_damaged_metadata_does_not_hide_the_cluster(tmp_path: Path):
    registry = Registry(tmp_path)
    record = registry.create(spec())
    (record.directory / "metadata.json").write_text("{not json")

    assert registry.get("demo").metadata.status == "failed"


def test_remove_refuses_while_the_state_still_holds_resources(tmp_path: Path):
    registry = Registry(tmp_path)
    record = registry.create(spec())
    record.state_file.write_text(json.dumps({"version": 4, "resources": [
        {"mode": "data", "type": "aws_ami", "name": "os", "instances": []},
        {"mode": "managed", "type": "aws_vpc", "name": "main", "instances": [{}]}]}))

    with pytest.raises(RegistryError, match=r"still has 1 resource\(s\).*clusterwiz destroy demo"):
        registry.remove("demo")
    assert registry.names() == ["demo"]

    registry.remove("demo", force=True)
    assert registry.names() == [] and not record.directory.exists()


def test_remove_after_destroy_deletes_everything(tmp_path: Path):
    registry = Registry(tmp_path)
    record = registry.create(spec())
    record.state_file.write_text(json.dumps({"version": 4, "resources": []}))
    registry.remove("demo")

    assert list((tmp_path / "aws" / "clusters").iterdir()) == []


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from clusterwiz.core.registry import Registry
    with Registry(Path(sys.argv[1])).lock("demo"):
        print("locked", flush=True)
        sys.stdin.readline()
""")


def test_the_lock_keeps_a_second_process_out_and_names_the_holder(tmp_path: Path):
    registry = Registry(tmp_path)
    registry.create(spec())
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY / "tui")}
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(RegistryError, match=rf"cluster 'demo' is busy: another clusterwiz \(pid {holder.pid}, "
                                                r"`-c .*`, since \S+\) is working on it"), registry.lock("demo"):
            pass
        with pytest.raises(RegistryError, match="is busy"):
            registry.remove("demo")
    finally:
        holder.communicate("\n", timeout=10)

    with registry.lock("demo"):  # released when the holder finished
        assert mode(registry.get("demo").directory / ".lock") == 0o600


def test_a_lock_on_an_unknown_cluster_says_so(tmp_path: Path):
    with pytest.raises(RegistryError, match="no cluster named 'ghost'"), Registry(tmp_path).lock("ghost"):
        pass
