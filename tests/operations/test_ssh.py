"""SSH to a cluster's head node, against a real sshd on 127.0.0.1 (the cluster's override points there)."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterwiz.core.registry import ClusterRecord, Registry
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.ssh import (
    SshHostKeyChanged,
    SshKeyMissing,
    SshKeyPermissions,
    SshLoginRefused,
    SshOverride,
    SshUnreachable,
    check_key_file,
    load_ssh_override,
    run_command,
    save_ssh_override,
    ssh_target,
)
from tests.support.cli import clusterwiz
from tests.support.moto_server import free_port
from tests.support.sshd import LocalSshd, local_sshd


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[LocalSshd]:
    with local_sshd(tmp_path / "sshd") as server:
        yield server


def register(home: Path, key_file: Path | None, os_name: str = "ubuntu2404", key_pair: str | None = "lab"
             ) -> ClusterRecord:
    spec = ClusterSpec.model_validate({
        "name": "lab", "region": "eu-west-2", "os": os_name, "key_pair": key_pair,
        "ssh_key_file": str(key_file) if key_file else None,
        "queues": [{"name": "compute", "instance_types": ["c5.large"]}],
    })
    return Registry(home).create(spec)


def local_override(server: LocalSshd) -> SshOverride:
    return SshOverride(port=server.port, user=server.user)


def test_a_command_runs_on_the_head_node_and_its_host_key_is_kept_in_the_clusters_own_known_hosts(sshd, tmp_path):
    record = register(tmp_path / "home", sshd.key_file)
    target = ssh_target(record, sshd.host, local_override(sshd))

    result = run_command(target, "hostname; echo oops >&2; exit 3")

    assert (result.exit_code, result.stdout.strip(), result.stderr.strip()) == (3, socket.gethostname(), "oops")
    assert target.known_hosts == record.directory / "known_hosts"
    assert sshd.host_public_key.split()[1] in target.known_hosts.read_text()
    assert target.known_hosts.stat().st_mode & 0o777 == 0o600
    assert run_command(target, "echo again").stdout == "again\n"


def test_the_user_follows_the_os_and_the_key_comes_from_the_registry_when_the_spec_names_none(tmp_path):
    record = register(tmp_path / "home", None, os_name="rocky9")
    with pytest.raises(SshKeyMissing, match="ssh_key_file"):
        ssh_target(record, "203.0.113.7")
    key = record.keys_dir / "lab.pem"
    key.write_text("private")
    key.chmod(0o600)

    target = ssh_target(record, "203.0.113.7")

    assert (target.user, target.key_file, target.port) == ("rocky", key, 22)
    assert target.shell_command().endswith("rocky@203.0.113.7")
    assert "-p" not in target.command()


def test_a_missing_key_file_and_one_others_can_read_say_what_to_do(tmp_path):
    missing = tmp_path / "nowhere.pem"
    record = register(tmp_path / "home", missing)
    with pytest.raises(SshKeyMissing, match="does not exist"):
        ssh_target(record, "203.0.113.7")
    open_key = tmp_path / "open.pem"
    open_key.write_text("private")
    open_key.chmod(0o644)
    with pytest.raises(SshKeyPermissions, match=f"chmod 600 {open_key}"):
        check_key_file(open_key)
    no_pair = register(tmp_path / "other-home", None, key_pair=None)
    with pytest.raises(SshKeyMissing, match="no key pair"):
        ssh_target(no_pair, "203.0.113.7")


def test_a_stopped_head_node_and_a_closed_port_are_reported_as_unreachable(sshd, tmp_path):
    record = register(tmp_path / "home", sshd.key_file)
    # Never applied: nothing to start, the cluster is to be created (issue 16).
    with pytest.raises(SshUnreachable, match="cluster lab is not created yet.*create it with `clusterwiz apply lab`"):
        ssh_target(record, None)
    record = Registry(tmp_path / "home").set_status("lab", "applied")
    with pytest.raises(SshUnreachable, match="clusterwiz start lab"):
        ssh_target(record, None)
    record = Registry(tmp_path / "home").set_status("lab", "destroyed")
    with pytest.raises(SshUnreachable, match="cluster lab was destroyed.*create it again with `clusterwiz apply lab`"):
        ssh_target(record, None)
    closed = ssh_target(record, "127.0.0.1", SshOverride(port=free_port(), user=sshd.user))
    with pytest.raises(SshUnreachable, match="ssh_cidr"):
        run_command(closed, "true")


def test_a_changed_host_key_and_a_refused_key_are_explained(sshd, tmp_path):
    record = register(tmp_path / "home", sshd.key_file)
    target = ssh_target(record, sshd.host, local_override(sshd))
    impostor = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEQQ5ZTtzDtq"
    target.known_hosts.write_text(f"[{sshd.host}]:{sshd.port} {impostor}\n")
    with pytest.raises(SshHostKeyChanged, match="ssh-keygen -R"):
        run_command(target, "true")

    target.known_hosts.write_text("")
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger / "key")], check=True)
    refused = ssh_target(register(tmp_path / "home2", stranger / "key"), sshd.host, local_override(sshd))
    with pytest.raises(SshLoginRefused, match="private key of the cluster's key pair"):
        run_command(refused, "true")


def test_overrides_are_remembered_per_cluster_and_forgotten_when_empty(tmp_path):
    record = register(tmp_path / "home", None)
    save_ssh_override(record, SshOverride(host="10.0.1.5", port=2222))
    assert load_ssh_override(record) == SshOverride(host="10.0.1.5", port=2222)
    assert load_ssh_override(record).merged(SshOverride(user="admin")) == SshOverride("10.0.1.5", 2222, "admin")
    save_ssh_override(record, SshOverride())
    assert load_ssh_override(record) == SshOverride()


def test_clusterwiz_ssh_runs_a_command_on_the_head_node(sshd, tmp_path):
    home = tmp_path / "home"
    register(home, sshd.key_file)

    first = clusterwiz(home, "ssh", "--host", sshd.host, "--port", str(sshd.port), "--user", sshd.user, "--save",
                       "lab", "--", "hostname")
    assert first.stdout.strip() == socket.gethostname()

    # Remembered: later runs need no options, and --json captures the output and the exit code.
    result = clusterwiz(home, "--json", "ssh", "lab", "--", "echo", "hi;", "exit", "4", check=False)
    assert result.returncode == 4
    assert json.loads(result.stdout) == {"exit_code": 4, "stdout": "hi\n", "stderr": ""}

    failed = clusterwiz(home, "ssh", "--port", str(free_port()), "lab", "--", "true", check=False)
    assert failed.returncode == 2
    assert "cannot reach the head node" in failed.stderr and "Traceback" not in failed.stderr
