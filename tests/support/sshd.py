"""A real OpenSSH server on 127.0.0.1 for tests: Debian's sshd, a free port, fresh keys, in a temp dir.

Usage (as root, which sshd needs to switch to the login user):

    with local_sshd(tmp_path) as server:
        subprocess.run(["ssh", *server.client_options(), server.destination, "hostname"], check=True)

`LocalSshd` fields:
  host, port     where sshd listens (127.0.0.1, a free port)
  user           who may log in: the user running the tests (root here), by key only
  key_file       that user's private key (ed25519, 0600), accepted by the server
  known_hosts    a known_hosts file holding the server's host key, for strict host key checking
  host_public_key  the server's host key line ("ssh-ed25519 AAAA...")
  log_file       sshd's own log (-E), to read when a login fails

sshd runs with -D in the foreground of a child process and is stopped when the context exits.
Missing sshd (apt package openssh-server) fails the test: CI installs it.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.moto_server import free_port

SSHD = "/usr/sbin/sshd"  # sshd refuses to start unless called by its absolute path
PRIVILEGE_SEPARATION_DIR = Path("/run/sshd")
START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class LocalSshd:
    host: str
    port: int
    user: str
    key_file: Path
    known_hosts: Path
    host_public_key: str
    log_file: Path

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}"

    def client_options(self) -> list[str]:
        """ssh options that log in to this server non-interactively with strict host key checking."""
        return ["-p", str(self.port), "-i", str(self.key_file), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes"]


def _keygen(path: Path, comment: str) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True,
                   capture_output=True)
    return path.with_suffix(".pub").read_text().strip()


def _config(directory: Path, port: int, user: str) -> str:
    return "\n".join([
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {directory / 'host_ed25519'}",
        f"PidFile {directory / 'sshd.pid'}",
        f"AuthorizedKeysFile {directory / 'authorized_keys'}",
        f"AllowUsers {user}",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        # PAM would consult the machine's own login policy; the test wants key login only.
        "UsePAM no",
        # pytest's temp dirs are not laid out like a home directory; the keys in them are the test's own.
        "StrictModes no",
        "LogLevel VERBOSE",
        "",
    ])


def _wait_for_port(host: str, port: int, process: subprocess.Popen, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sshd exited with {process.returncode}:\n{log_file.read_text(errors='replace')}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"sshd did not listen on {host}:{port} within {START_TIMEOUT_S} s")


@contextmanager
def local_sshd(directory: Path) -> Iterator[LocalSshd]:
    """Start sshd on 127.0.0.1 at a free port with keys generated under `directory`; stop it on exit."""
    if not Path(SSHD).is_file() or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.fail("sshd, ssh and ssh-keygen are required (apt install openssh-server openssh-client)")
    if os.geteuid() != 0:
        pytest.fail("the local sshd fixture must run as root (sshd switches to the login user)")
    directory.mkdir(parents=True, exist_ok=True)
    PRIVILEGE_SEPARATION_DIR.mkdir(mode=0o755, exist_ok=True)
    user = getpass.getuser()
    host, port = "127.0.0.1", free_port()
    host_public_key = _keygen(directory / "host_ed25519", "clusterwiz test host")
    user_public_key = _keygen(directory / "user_ed25519", "clusterwiz test user")
    (directory / "authorized_keys").write_text(user_public_key + "\n")
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"[{host}]:{port} {host_public_key}\n")
    config = directory / "sshd_config"
    config.write_text(_config(directory, port, user))
    log_file = directory / "sshd.log"
    checked = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        pytest.fail(f"sshd rejected its test config:\n{checked.stderr}")
    process = subprocess.Popen([SSHD, "-D", "-f", str(config), "-E", str(log_file)], stdin=subprocess.DEVNULL)
    try:
        _wait_for_port(host, port, process, log_file)
        yield LocalSshd(host=host, port=port, user=user, key_file=directory / "user_ed25519",
                        known_hosts=known_hosts, host_public_key=host_public_key, log_file=log_file)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
