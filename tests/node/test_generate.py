"""The generator: deterministic, idempotent files with the content the nodes need."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from clusterwiz.node.generate import SCALER_CONFIG, compute_files, head_files, write_tree
from clusterwiz.node.layout import Layout
from clusterwiz.node.nfs import mount_unit_name
from clusterwiz.node.params import ClusterParams, ParamsError, parse_params
from clusterwiz.node.scaler import load_scaler_config
from clusterwiz.node.slurm_conf import instance_of, node_name
from tests.node.conftest import compute_params_data, head_params_data

LAYOUT = Layout()


def test_head_tree_is_deterministic(head_params: ClusterParams) -> None:
    first = head_files(head_params, LAYOUT, "ip-10-0-1-10", "10.0.1.10")
    again = head_files(parse_params(head_params_data()), LAYOUT, "ip-10-0-1-10", "10.0.1.10")
    assert first == again
    assert sorted(first) == [
        "/etc/clusterwiz/imds-guard.nft",
        "/etc/clusterwiz/scaler.json",
        "/etc/exports.d/clusterwiz.exports",
        "/etc/systemd/system/clusterwiz-imds-guard.service",
        "/etc/systemd/system/clusterwiz-scaler.service",
        "/etc/systemd/system/clusterwiz-scaler.timer",
        "/etc/systemd/system/slurmctld.service.d/clusterwiz.conf",
        "/opt/clusterwiz/etc/slurm.conf",
    ]


def test_slurm_conf_has_a_partition_per_queue_filled_by_dynamic_nodes(head_params: ClusterParams) -> None:
    conf = head_files(head_params, LAYOUT, "ip-10-0-1-10", "10.0.1.10")[LAYOUT.slurm_conf].content
    lines = conf.splitlines()
    assert "SlurmctldHost=ip-10-0-1-10(10.0.1.10)" in lines
    assert "MaxNodeCount=12" in lines  # 4 + 2 (the queues' max_nodes) dynamic nodes, and as many stand-ins
    assert "NodeSet=ns_compute Feature=compute" in lines
    assert "PartitionName=compute Nodes=ns_compute Default=YES MaxTime=INFINITE State=UP" in lines
    assert "NodeSet=ns_gpu_spot Feature=gpu-spot" in lines
    assert "PartitionName=gpu-spot Nodes=ns_gpu_spot MaxTime=INFINITE State=UP" in lines
    assert not any(line.startswith("AuthInfo") for line in lines)  # munge's default socket on nodes


def test_each_queue_has_future_stand_ins_of_its_smallest_type(head_params: ClusterParams) -> None:
    """Slurm 23.11+ refuses a job for a partition with no node ("Requested node configuration is not available",
    seen on Debian 13's 24.11 in the twin tests), which is every queue scaled to zero. FUTURE nodes are in the
    partition but never booted (slurm.conf(5), State=FUTURE), so the job waits as demand the scaler sees."""
    params = parse_params(head_params_data(queues=[
        {"name": "compute", "instance_types": ["c6i.xlarge"], "min_nodes": 0, "max_nodes": 4,
         "group_name": "demo-compute", "node_cpus": 4, "node_memory_mib": 8192},
        {"name": "new-type", "instance_types": ["z9.huge"], "min_nodes": 0, "max_nodes": 1,
         "group_name": "demo-new-type"},
    ]))
    lines = head_files(params, LAYOUT, "h", "10.0.1.10")[LAYOUT.slurm_conf].content.splitlines()
    assert "NodeName=compute-standin[1-4] State=FUTURE Feature=compute CPUs=4 RealMemory=7372" in lines
    assert "NodeName=new-type-standin[1-1] State=FUTURE Feature=new-type" in lines


def test_exports_share_home_agent_dir_and_each_volume_with_the_nodes_subnet_only(head_params: ClusterParams) -> None:
    exports = head_files(head_params, LAYOUT, "h", "10.0.1.10")["/etc/exports.d/clusterwiz.exports"].content
    entries = [line.split() for line in exports.splitlines() if not line.startswith("#")]
    assert [entry[0] for entry in entries] == ["/home", "/shared", "/data/my-project", "/opt/clusterwiz"]
    assert all(entry[1].startswith("10.0.0.0/17(") for entry in entries)
    assert entries[-1][1] == "10.0.0.0/17(ro,sync,no_subtree_check,no_root_squash)"


def test_exports_follow_the_exports_grammar(head_params: ClusterParams) -> None:
    """exportfs is not installed here; check the exports(5) grammar: path, then client(options) per entry."""
    exports = head_files(head_params, LAYOUT, "h", "10.0.1.10")["/etc/exports.d/clusterwiz.exports"].content
    known = {"rw", "ro", "sync", "no_subtree_check", "no_root_squash"}
    for line in exports.splitlines():
        if line.startswith("#"):
            continue
        path, client = line.split(" ")
        assert os.path.isabs(path)
        host, options = client.rstrip(")").split("(")
        assert host == "10.0.0.0/17"
        assert set(options.split(",")) <= known


def test_scaler_config_maps_each_queue_to_its_group_and_node_size(tmp_path: Path) -> None:
    data = head_params_data()
    data["queues"][0].update(node_cpus=4, node_memory_mib=8192)
    path = tmp_path / "scaler.json"
    path.write_text(head_files(parse_params(data), LAYOUT, "h", "10.0.1.10")[SCALER_CONFIG].content)
    config = load_scaler_config(str(path))
    assert config.group_queues == {"demo-compute": "compute", "demo-gpu-spot": "gpu-spot"}
    assert config.node_cpus == {"compute": 4}, "a queue of unknown size is left to Slurm's node count"
    assert config.idle_limit_seconds == 600


def test_compute_tree_mounts_home_and_volumes_and_joins_its_queue(head_params: ClusterParams,
                                                                 compute_params: ClusterParams) -> None:
    tree = compute_files(head_params, compute_params, LAYOUT, "i-0123456789abcdef0")
    units = {path.rsplit("/", 1)[1]: file.content for path, file in tree.items() if path.endswith(".mount")}
    assert sorted(units) == ["data-my\\x2dproject.mount", "home.mount", "shared.mount"]
    assert "What=10.0.1.10:/data/my-project\nWhere=/data/my-project\n" in units["data-my\\x2dproject.mount"]
    environment = tree["/etc/clusterwiz/slurmd.env"].content
    assert ("SLURMD_OPTIONS=-f /opt/clusterwiz/etc/slurm.conf -Z -N compute-0123456789abcdef0 "
            "--conf Feature=compute\n") in environment


def test_slurmd_keeps_the_package_unit_s_own_start_command(head_params: ClusterParams,
                                                           compute_params: ClusterParams) -> None:
    """Slurm 23.11+ (Ubuntu 24.04, Debian 13) ships `Type=notify` units starting `slurmd --systemd
    $SLURMD_OPTIONS`; 22.05's are `Type=simple` with `slurmd -D -s $SLURMD_OPTIONS`. A drop-in that replaces
    ExecStart with `slurmd -D` never tells a notify unit it is ready, and systemd kills it after its start timeout
    (slurm's etc/slurmd.service.in). The options go through an EnvironmentFile, read after the package's own."""
    tree = compute_files(head_params, compute_params, LAYOUT, "i-0123456789abcdef0")
    dropin = tree["/etc/systemd/system/slurmd.service.d/clusterwiz.conf"].content
    assert "ExecStart" not in dropin and "Type=" not in dropin
    assert "EnvironmentFile=/etc/clusterwiz/slurmd.env\n" in dropin


def test_slurmctld_pid_file_is_in_a_directory_its_unit_creates(head_params: ClusterParams) -> None:
    """Slurm 23.11+ units start slurmctld as SlurmUser, which cannot write /run/slurmctld.pid; the drop-in gives
    every version /run/slurmctld (RuntimeDirectory, systemd.exec(5)) and slurm.conf puts the pid file there."""
    tree = head_files(head_params, LAYOUT, "h", "10.0.1.10")
    assert "SlurmctldPidFile=/run/slurmctld/slurmctld.pid" in tree[LAYOUT.slurm_conf].content.splitlines()
    assert "RuntimeDirectory=slurmctld\n" in tree["/etc/systemd/system/slurmctld.service.d/clusterwiz.conf"].content


@pytest.mark.parametrize("path", ["/home", "/shared", "/data/my-project", "/a.b/c_d", "/x/.hidden", "/weird:dir"])
def test_mount_unit_names_match_systemd_escape(path: str) -> None:
    expected = subprocess.run(["systemd-escape", "--path", "--suffix=mount", path], capture_output=True,
                              text=True, check=True).stdout.strip()
    assert mount_unit_name(path) == expected


def test_generated_units_pass_systemd_analyze(head_params: ClusterParams, compute_params: ClusterParams,
                                             tmp_path: Path) -> None:
    tree = {**head_files(head_params, LAYOUT, "h", "10.0.1.10"),
            **compute_files(head_params, compute_params, LAYOUT, "i-0123456789abcdef0")}
    units = [path for path in tree if path.endswith((".mount", ".service", ".timer"))]
    write_tree({path: tree[path] for path in units}, str(tmp_path))
    files = [str(tmp_path / path.lstrip("/")) for path in units]
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True)
    # verify also reports units it cannot resolve on this machine (nfs mounts, python path): only syntax counts.
    syntax_errors = [line for line in result.stderr.splitlines()
                     if "Unknown" in line or "Invalid" in line or "bad" in line.lower()]
    assert syntax_errors == []


def test_rewriting_a_configured_tree_changes_nothing(head_params: ClusterParams, compute_params: ClusterParams,
                                                     tmp_path: Path) -> None:
    tree = {**head_files(head_params, LAYOUT, "h", "10.0.1.10"),
            **compute_files(head_params, compute_params, LAYOUT, "i-0123456789abcdef0")}
    assert write_tree(tree, str(tmp_path)) == sorted(tree)
    snapshot = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in tmp_path.rglob("*") if path.is_file()}
    assert write_tree(tree, str(tmp_path)) == []
    after = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in tmp_path.rglob("*") if path.is_file()}
    assert after == snapshot


def test_a_changed_file_or_mode_is_rewritten(head_params: ClusterParams, tmp_path: Path) -> None:
    tree = head_files(head_params, LAYOUT, "h", "10.0.1.10")
    write_tree(tree, str(tmp_path))
    conf = tmp_path / LAYOUT.slurm_conf.lstrip("/")
    conf.write_text("edited by hand\n")
    exports = tmp_path / "etc/exports.d/clusterwiz.exports"
    exports.chmod(0o600)
    assert write_tree(tree, str(tmp_path)) == ["/etc/exports.d/clusterwiz.exports", LAYOUT.slurm_conf]
    assert conf.read_text() == tree[LAYOUT.slurm_conf].content
    assert stat.S_IMODE(exports.stat().st_mode) == 0o644


def test_node_names_map_back_to_instances() -> None:
    name = node_name("gpu-spot", "i-0123456789abcdef0")
    assert name == "gpu-spot-0123456789abcdef0"
    assert instance_of(name) == "i-0123456789abcdef0"


@pytest.mark.parametrize(("change", "message"), [
    ({"role": "login"}, "role should be 'head' or 'compute'"),
    ({"queues": []}, "no queues"),
    ({"cluster_name": "Bad Name"}, "invalid cluster name"),
    ({"scaledown_idle_minutes": "10"}, "'scaledown_idle_minutes' should be int"),
    ({"shared_storage": [{"mount_dir": "/x y", "volume_id": "vol-1", "device_name": "/dev/sdf"}]},
     "invalid mount_dir"),
])
def test_bad_params_are_refused_with_the_key_named(change: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        parse_params(head_params_data(**change))


def test_compute_params_need_queue_and_head_address() -> None:
    data = compute_params_data()
    del data["head_private_ip"]
    with pytest.raises(ParamsError, match="lacks 'head_private_ip'"):
        parse_params(data)
