"""A cluster the job runner can really use: real Slurm and real sshd on this machine, registered like any other.

The registry entry is an ordinary cluster whose SSH override (what `clusterwiz ssh NAME --host ... --port ...
--save` writes for a head node behind a port forward) points at the local sshd. The sshd plays the head
node: its logins get SLURM_CONF (a real head node has /etc/slurm/slurm.conf, which the test may not touch).
"""

from __future__ import annotations

import os
import signal
import socket
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clusterwiz.core.registry import ClusterRecord, Registry
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.ssh import SshOverride, save_ssh_override
from tests.support.slurm import LocalSlurm, SlurmUnavailable, local_slurm, static_slurm_conf
from tests.support.sshd import LocalSshd, local_sshd

CLUSTER = "jobs-test"


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    path.chmod(mode)
    return path


def script_job_file(directory: Path, order: str, scripts: dict[str, str], wait_time: int | None = 1) -> Path:
    """A job file running each script (job name -> its text) as a one-file job, listed under `order`."""
    sections = [f"[order]\n{order} = {', '.join(scripts)}\n"]
    for name, text in scripts.items():
        write(directory / f"{name}.sh", text)
        sections.append(f"[job {name}]\nlocal_path = {name}.sh\nhandler = {name}.sh\n"
                        + (f"wait_time = {wait_time}\n" if wait_time is not None else ""))
    return write(directory / "jobs.cfg", "\n".join(sections))


@dataclass(frozen=True)
class LocalCluster:
    home: Path
    record: ClusterRecord
    slurm: LocalSlurm
    sshd: LocalSshd
    shared_dir: Path  # stands in for the head node's shared storage

    @property
    def registry(self) -> Registry:
        return Registry(self.home)


def _give_logins_slurm_conf(sshd: LocalSshd, directory: Path, slurm_conf: Path) -> None:
    """Add SetEnv to the running sshd's config and make it reload (sshd re-reads its config on SIGHUP)."""
    config = directory / "sshd_config"
    config.write_text(config.read_text() + f"SetEnv SLURM_CONF={slurm_conf}\n")
    pid = int((directory / "sshd.pid").read_text())
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while True:
        time.sleep(0.2)
        try:
            with socket.create_connection((sshd.host, sshd.port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"sshd did not come back after reloading its config:\n{sshd.log_file.read_text()}")


@pytest.fixture(scope="module")
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """One Slurm node and an sshd on 127.0.0.1, registered as cluster "jobs-test" in a fresh clusterwiz home."""
    base = tmp_path_factory.mktemp("jobs-cluster")
    try:
        with local_slurm() as slurm, local_sshd(base / "sshd") as sshd:
            slurm.start_controller(static_slurm_conf(slurm.layout))
            slurm.start_node("localhost", [])
            _give_logins_slurm_conf(sshd, base / "sshd", slurm.conf_path)
            # Jobs run on the node as root from the shared dir: keep it outside pytest's 0700 tree.
            shared_dir = slurm.root / "shared"
            shared_dir.mkdir(mode=0o755)
            home = base / "home"
            spec = ClusterSpec.model_validate({
                "name": CLUSTER, "region": "eu-west-2", "key_pair": "jobs-test", "ssh_key_file": str(sshd.key_file),
                "queues": [{"name": "debug", "instance_types": ["t3.micro"], "max_nodes": 1}],
            })
            record = Registry(home).create(spec)
            save_ssh_override(record, SshOverride(host=sshd.host, port=sshd.port, user=sshd.user))
            yield LocalCluster(home=home, record=record, slurm=slurm, sshd=sshd, shared_dir=shared_dir)
    except SlurmUnavailable as problem:
        pytest.fail(str(problem))
