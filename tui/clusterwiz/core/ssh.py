"""SSH to a cluster's head node: the right user for its OS, its key, and a known_hosts of the cluster's own.

The host is the head node's live public address (it changes after a stop/start). In the sandbox that address is
made up by the emulator and may belong to a real machine on the internet, so a sandbox cluster's target is
emulated: shown, never connected to (unless an override points at a machine of the user's). A cluster may carry an
override (host, port, user) kept in its registry directory, for a head node reached another way: a bastion
port-forward, a VPN to its private address, a custom AMI's login user. `clusterwiz ssh NAME --host ... --save`
writes it; tests point a cluster at a local sshd the same way.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import stat
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.files import atomic_write_text
from clusterwiz.core.registry import ClusterRecord
from clusterwiz.core.suggest import cli

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace

SSH_USERS = {"debian13": "admin", "ubuntu2404": "ubuntu", "ubuntu2204": "ubuntu", "rocky9": "rocky",
             "al2023": "ec2-user"}
KNOWN_HOSTS_FILE = "known_hosts"
OVERRIDE_FILE = "ssh.json"
SSH_PORT = 22
CONNECT_TIMEOUT_S = 10
SSH_FAILED = 255  # ssh's own exit code when it could not connect or log in
UNREACHABLE_SIGNS = ("Connection refused", "Connection timed out", "No route to host", "Could not resolve hostname",
                     "Network is unreachable", "Operation timed out", "Connection closed by")
HOST_KEY_SIGNS = ("REMOTE HOST IDENTIFICATION HAS CHANGED", "Host key verification failed")
SANDBOX_NOTICE = ("Sandbox nodes are emulated: there is no machine to log in to. On a real cluster this would "
                  "run:")


class SshError(ClusterwizError):
    """SSH to the head node cannot work as things are; the message says why and what to do."""


class SshKeyMissing(SshError):
    pass


class SshKeyPermissions(SshError):
    pass


class SshUnreachable(SshError):
    pass


class SshHostKeyChanged(SshError):
    pass


class SshLoginRefused(SshError):
    pass


class SshEmulated(SshError):
    """A sandbox head node: there is no machine to log in to, and its address must not be connected to."""


@dataclass(frozen=True)
class SshOverride:
    """How to reach a head node when its public address is not the way in."""

    host: str | None = None
    port: int | None = None
    user: str | None = None

    def is_empty(self) -> bool:
        return self.host is None and self.port is None and self.user is None

    def merged(self, other: SshOverride) -> SshOverride:
        """This override with every field `other` sets replaced."""
        return SshOverride(host=other.host or self.host, port=other.port or self.port, user=other.user or self.user)


def load_ssh_override(record: ClusterRecord) -> SshOverride:
    path = record.directory / OVERRIDE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SshOverride()
    except ValueError as error:
        raise SshError(f"{path} is not valid JSON ({error}); fix it, or delete it to use the head node's "
                       "public address") from error
    return SshOverride(host=data.get("host"), port=data.get("port"), user=data.get("user"))


def save_ssh_override(record: ClusterRecord, override: SshOverride) -> None:
    """Remember how to reach the head node; an empty override forgets it."""
    path = record.directory / OVERRIDE_FILE
    if override.is_empty():
        path.unlink(missing_ok=True)
        return
    atomic_write_text(path, json.dumps(asdict(override), indent=2) + "\n")


@dataclass(frozen=True)
class SshTarget:
    host: str
    user: str
    key_file: Path
    known_hosts: Path
    port: int = SSH_PORT
    emulated: bool = False  # a sandbox head node: the command is shown, never run

    def command(self, remote: Sequence[str] = (), batch: bool = False) -> list[str]:
        """The ssh argv; `batch` never prompts and keeps ssh's own notices out of captured output."""
        argv = ["ssh", "-i", str(self.key_file), "-o", "IdentitiesOnly=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=accept-new",
                "-o", f"ConnectTimeout={CONNECT_TIMEOUT_S}"]
        if self.port != SSH_PORT:
            argv += ["-p", str(self.port)]
        if batch:
            argv += ["-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]
        return [*argv, f"{self.user}@{self.host}", *remote]

    def shell_command(self) -> str:
        """The command a user can copy into a terminal."""
        return shlex.join(self.command())

    def refuse_if_emulated(self) -> None:
        if self.emulated:
            raise SshEmulated(f"{SANDBOX_NOTICE} {self.shell_command()}")


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


def ssh_user(os_name: str) -> str:
    return SSH_USERS.get(os_name, "ec2-user")


def expected_key_file(record: ClusterRecord) -> Path | None:
    """Where the cluster's private key should be: spec.ssh_key_file, else the key the wizard made in the registry."""
    spec = record.spec
    if spec.ssh_key_file:
        return Path(spec.ssh_key_file).expanduser()
    if spec.key_pair:
        return record.keys_dir / f"{spec.key_pair}.pem"
    return None


def key_file_for(record: ClusterRecord) -> Path:
    """The cluster's private key, which must exist."""
    spec = record.spec
    path = expected_key_file(record)
    if path is None:
        raise SshKeyMissing(f"cluster {record.name} has no key pair, so no key can log in; set key_pair and "
                            f"ssh_key_file in {record.spec_path} and apply again")
    if path.is_file():
        return path
    if spec.ssh_key_file:
        raise SshKeyMissing(f"the private key {path} (ssh_key_file of cluster {record.name}) does not exist; "
                            f"point ssh_key_file in {record.spec_path} at the private key of key pair "
                            f"{spec.key_pair!r}")
    raise SshKeyMissing(f"cluster {record.name} has no private key for key pair {spec.key_pair!r}: "
                        f"set ssh_key_file in {record.spec_path} to the file you saved when the key pair "
                        "was created (AWS keeps no copy of it)")


def check_key_file(path: Path) -> None:
    """ssh refuses a private key others can read; say so before ssh does, with the fix."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise SshKeyMissing(f"cannot read the private key {path} ({error.strerror}); check the path") from error
    if stat.S_IMODE(mode) & 0o077:
        raise SshKeyPermissions(f"the private key {path} is readable by other users (mode "
                                f"{stat.S_IMODE(mode):o}), so ssh will refuse it; run `chmod 600 {path}`")


def _no_address(record: ClusterRecord) -> str:
    """Why there is no head node to log in to, and the command that brings one: start for a stopped cluster, apply
    for one of which nothing exists (never created, or destroyed)."""
    from clusterwiz.core.status import may_bill

    name, sandbox = record.name, record.in_sandbox
    if not may_bill(record):
        what = "was destroyed" if record.metadata.status == "destroyed" else "is not created yet"
        again = " again" if record.metadata.status == "destroyed" else ""
        return (f"cluster {name} {what}, so it has no head node to log in to; create it{again} with "
                f"`{cli('apply', name, sandbox=sandbox)}`")
    return (f"the head node of cluster {name} has no public address: it is stopped or not created; see "
            f"`{cli('status', name, sandbox=sandbox)}`, start it with `{cli('start', name, sandbox=sandbox)}`")


def ssh_target(record: ClusterRecord, head_address: str | None, override: SshOverride | None = None,
               check_key: bool = True, emulated: bool = False) -> SshTarget:
    """Where and how to log in to the cluster's head node; checks the key first (unless only shown)."""
    chosen = load_ssh_override(record).merged(override or SshOverride())
    host = chosen.host or head_address
    if not host:
        raise SshUnreachable(_no_address(record))
    if check_key:
        key_file = key_file_for(record)
        check_key_file(key_file)
    else:
        key_file = expected_key_file(record) or Path("YOUR-PRIVATE-KEY.pem")
    return SshTarget(host=host, user=chosen.user or ssh_user(record.spec.os), key_file=key_file,
                     known_hosts=_known_hosts(record), port=chosen.port or SSH_PORT, emulated=emulated)


def cluster_ssh_target(workspace: Workspace, name: str, override: SshOverride | None = None,
                       check_key: bool = True) -> SshTarget:
    """How every front-end reaches a registered cluster's head node: its live address, unless an override gives
    the host; in the sandbox, without such an override, an emulated target that nothing connects to."""
    from clusterwiz.core.status import head_address

    record = workspace.registry.get(name)
    chosen = load_ssh_override(record).merged(override or SshOverride())
    address = None if chosen.host else head_address(workspace.session, record.spec)
    emulated = workspace.emulator is not None and not chosen.host
    return ssh_target(record, address, override, check_key=check_key and not emulated, emulated=emulated)


def _known_hosts(record: ClusterRecord) -> Path:
    path = record.directory / KNOWN_HOSTS_FILE
    if not path.exists():
        atomic_write_text(path, "")
    return path


def _ssh_binary() -> str:
    found = shutil.which("ssh")
    if found is None:
        raise SshError("the ssh command is not installed; install the OpenSSH client (e.g. `apt install "
                       "openssh-client`, or enable it under Windows optional features)")
    return found


def check_reachable(target: SshTarget, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail early and clearly when nothing answers on the SSH port."""
    target.refuse_if_emulated()
    try:
        with socket.create_connection((target.host, target.port), timeout=timeout):
            return
    except OSError as error:
        raise _unreachable(target, str(error)) from error


def _unreachable(target: SshTarget, reason: str) -> SshUnreachable:
    return SshUnreachable(f"cannot reach the head node at {target.host} port {target.port} ({reason}); check "
                          "that it is running (`clusterwiz status NAME`, `clusterwiz start NAME`) and that "
                          "your address is inside the cluster's network.ssh_cidr (your IP may have changed: "
                          "update ssh_cidr and apply)")


def explain_failure(target: SshTarget, stderr: str) -> SshError | None:
    """The user's error for ssh exiting 255, from what ssh said; None when ssh itself did not fail
    (the remote command may exit 255 too)."""
    if any(sign in stderr for sign in HOST_KEY_SIGNS):
        host = target.host if target.port == SSH_PORT else f"[{target.host}]:{target.port}"
        return SshHostKeyChanged(
            f"the head node at {target.host} presents a different host key than the one recorded in "
            f"{target.known_hosts}; if the head node was recreated, forget the old key with "
            f"`ssh-keygen -R '{host}' -f {target.known_hosts}` and try again (otherwise do not connect: "
            "something else answers at that address)")
    if "Permission denied" in stderr:
        return SshLoginRefused(
            f"the head node refused {target.key_file} for user {target.user}; check that this is the private "
            "key of the cluster's key pair (ssh_key_file in cluster.yaml) and that the user is right for its OS")
    if any(sign in stderr for sign in UNREACHABLE_SIGNS):
        return _unreachable(target, stderr.strip().splitlines()[-1])
    return None


def run_command(target: SshTarget, command: str, timeout: float | None = 120) -> CommandResult:
    """Run one command on the head node and capture its output (e.g. `sinfo`)."""
    target.refuse_if_emulated()
    argv = [_ssh_binary(), *target.command([command], batch=True)[1:]]
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                                   check=False)
    except subprocess.TimeoutExpired as error:
        raise SshError(f"`{command}` on {target.host} did not finish within {timeout:.0f} s; run it in a shell "
                       f"(`{target.shell_command()}`) to watch it") from error
    failure = explain_failure(target, completed.stderr) if completed.returncode == SSH_FAILED else None
    if failure is not None:
        raise failure
    return CommandResult(exit_code=completed.returncode, stdout=completed.stdout, stderr=completed.stderr)


def open_session(target: SshTarget, remote: Sequence[str] = ()) -> int:
    """Hand the terminal to ssh (a shell, or `remote` with its output streamed) and return its exit code."""
    check_reachable(target)
    argv = [_ssh_binary(), *target.command(remote)[1:]]
    return subprocess.call(argv, env=os.environ.copy())
