"""The sandbox: a local AWS emulator (moto's server) per clusterwiz home, started on demand and reused.

One background process per home, on 127.0.0.1 at a port it picks itself; <home>/sandbox/emulator.json
records its pid, port and start time, so later commands reuse it. Clusters made in the sandbox live in
the registry's "sandbox" area. The emulator keeps everything in memory: once it stops, the clusters that
lived in it are gone (their Terraform state names resources that no longer exist) and can be forgotten.

Credentials and endpoint are handed only to clusterwiz's own boto3 session and Terraform subprocesses;
os.environ is never changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clusterwiz.core.errors import ClusterwizError, RegistryError
from clusterwiz.core.files import atomic_write_text, ensure_private_dir
from clusterwiz.core.registry import Registry
from clusterwiz.core.sandbox_seed import SANDBOX_REGION
from clusterwiz.core.suggest import cli

if TYPE_CHECKING:
    from clusterwiz.core.aws.session import AwsSession
    from clusterwiz.core.registry import ClusterRecord
    from clusterwiz.core.settings import Settings

SANDBOX_DIR = "sandbox"
STATE_FILE = "emulator.json"
LOCK_FILE = "emulator.lock"
LOG_FILE = "emulator.log"
SERVER_MODULE = "clusterwiz.core.sandbox_server"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
HEALTH_TIMEOUT_S = 2.0
# Throwaway credentials the emulator accepts; they open nothing anywhere else.
ACCESS_KEY_ID = "sandbox"
SECRET_ACCESS_KEY = "sandbox-not-a-secret"
# Variables that could point clusterwiz's calls at a real account; dropped for sandbox subprocesses.
REAL_ACCOUNT_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CA_BUNDLE",
    "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
)


class SandboxError(ClusterwizError):
    """The sandbox emulator could not be started, reached or stopped."""


class SandboxNotInstalled(SandboxError):
    def __init__(self) -> None:
        super().__init__("the sandbox needs moto's server, which is not installed in this Python; install it "
                         "with `pip install 'clusterwiz[sandbox]'` and run the command again")


@dataclass(frozen=True)
class Emulator:
    """A running sandbox emulator, as recorded in <home>/sandbox/emulator.json."""

    pid: int
    port: int
    started: float  # epoch seconds: clusters applied before this lived in an earlier emulator
    seed: Mapping[str, Any]

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def started_at(self) -> str:
        return datetime.fromtimestamp(self.started).astimezone().isoformat(timespec="seconds")

    def to_json(self) -> str:
        return json.dumps({"pid": self.pid, "port": self.port, "started": self.started, "seed": dict(self.seed)},
                          indent=2) + "\n"


def sandbox_dir(home: Path) -> Path:
    return Path(home) / SANDBOX_DIR


def is_installed() -> bool:
    # moto's server needs flask on top of moto itself (both come with the `sandbox` extra).
    return all(importlib.util.find_spec(name) is not None for name in ("moto", "flask", "werkzeug"))


# -- finding a running emulator -------------------------------------------------------------------------

def _recorded(home: Path) -> Emulator | None:
    try:
        data = json.loads((sandbox_dir(home) / STATE_FILE).read_text(encoding="utf-8"))
        return Emulator(pid=int(data["pid"]), port=int(data["port"]), started=float(data["started"]),
                        seed=data.get("seed", {}))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def _is_our_process(pid: int) -> bool:
    """The pid is alive and runs our server module (a recycled pid belongs to someone else)."""
    _reap(pid)
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True  # no /proc (macOS): a live pid is the best evidence there is
    return SERVER_MODULE.encode() in command


def _answers(port: int) -> bool:
    """moto's cheapest endpoint replies: the server is up and not wedged."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HEALTH_TIMEOUT_S)
    try:
        connection.request("GET", "/moto-api/config")
        return 200 <= connection.getresponse().status < 300
    except OSError:
        return False
    finally:
        connection.close()


def running_emulator(home: Path) -> Emulator | None:
    """The home's emulator when it is alive and answering; None otherwise (never starts one)."""
    emulator = _recorded(home)
    if emulator is None or not _is_our_process(emulator.pid) or not _answers(emulator.port):
        return None
    return emulator


# -- starting and stopping ------------------------------------------------------------------------------

@contextlib.contextmanager
def _emulator_lock(home: Path) -> Iterator[None]:
    """One clusterwiz at a time starts or stops a home's emulator; the others wait and then reuse it."""
    directory = ensure_private_dir(sandbox_dir(home))
    descriptor = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _server_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in REAL_ACCOUNT_VARIABLES}
    # The child imports clusterwiz from wherever this process did (a source checkout has no install).
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _launch(home: Path) -> Emulator:
    directory = sandbox_dir(home)
    log = os.open(directory / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    started = time.time()
    try:
        # Its own session: Ctrl-C in the terminal that started it must not stop the emulator.
        process = subprocess.Popen([sys.executable, "-m", SERVER_MODULE, str(directory)], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=log, env=_server_environment(), cwd=directory,
                                   start_new_session=True)
    finally:
        os.close(log)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_S)
    line = process.stdout.readline() if ready else b""
    process.stdout.close()
    try:
        handshake = json.loads(line)
        return Emulator(pid=process.pid, port=int(handshake["port"]), started=started, seed=handshake["seed"])
    except (ValueError, KeyError, TypeError):
        process.kill()
        process.wait()
        raise SandboxError(f"the sandbox emulator did not start within {START_TIMEOUT_S:.0f} s; its log is "
                           f"{directory / LOG_FILE}. Run `clusterwiz sandbox reset` to try again.") from None


def ensure_emulator(home: Path) -> Emulator:
    """The home's emulator, started (and seeded) when none is running."""
    emulator = running_emulator(home)
    if emulator is not None:
        return emulator
    if not is_installed():
        raise SandboxNotInstalled()
    with _emulator_lock(home):
        emulator = running_emulator(home)  # another clusterwiz may have started it while we waited
        if emulator is None:
            _terminate(_recorded(home))  # a wedged one that no longer answers
            emulator = _launch(home)
            atomic_write_text(sandbox_dir(home) / STATE_FILE, emulator.to_json())
        return emulator


def _reap(pid: int) -> None:
    # When this process started the emulator, its exit leaves a zombie until someone waits for it.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _terminate(emulator: Emulator | None) -> None:
    if emulator is None or not _is_our_process(emulator.pid):
        return
    os.kill(emulator.pid, signal.SIGTERM)
    os.kill(emulator.pid, signal.SIGCONT)  # a stopped (wedged) process acts on SIGTERM only once continued
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _is_our_process(emulator.pid):
        if time.monotonic() > deadline:
            os.kill(emulator.pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.02)


def stop_emulator(home: Path) -> Emulator | None:
    """Stop the home's emulator (everything in it is forgotten); returns what was running, if anything."""
    with _emulator_lock(home):
        emulator = _recorded(home)
        running = emulator if emulator is not None and _is_our_process(emulator.pid) else None
        _terminate(running)
        (sandbox_dir(home) / STATE_FILE).unlink(missing_ok=True)
        return running


def reset_emulator(home: Path) -> tuple[Emulator, list[str]]:
    """A fresh, freshly seeded emulator; the clusters of the old one are forgotten. Returns (emulator, names)."""
    stop_emulator(home)
    emulator = ensure_emulator(home)
    return emulator, forget_gone_clusters(home)


# -- clusters that lived in an emulator that is no more -------------------------------------------------

def is_gone(record: ClusterRecord, emulator: Emulator | None) -> bool:
    """A sandbox cluster whose state names resources of an emulator that has since stopped.

    Its metadata's last update (apply, destroy or failure) predates the running emulator's start, or no
    emulator runs at all. A cluster with nothing in its state is never gone: it can still be applied.
    """
    if record.managed_resources() == 0:
        return False
    if emulator is None:
        return True
    try:
        updated = datetime.fromisoformat(record.metadata.updated).timestamp()
    except ValueError:
        return True  # damaged metadata: its time cannot vouch for it
    return updated < emulator.started


def gone_clusters(home: Path) -> list[str]:
    emulator = running_emulator(home)
    return [record.name for record in Registry(home, area="sandbox").records() if is_gone(record, emulator)]


def forget_gone_clusters(home: Path, names: list[str] | None = None) -> list[str]:
    """Remove gone sandbox clusters (all, or those named) from the registry; returns the names removed.

    Refuses a named cluster that is not gone: its resources still exist in the emulator.
    """
    registry = Registry(home, area="sandbox")
    gone = gone_clusters(home)
    for name in names or ():
        registry.get(name)  # a clear error for a name that is not registered
        if name not in gone:
            raise SandboxError(f"sandbox cluster {name!r} still exists in the running sandbox; remove it with "
                               f"`clusterwiz destroy {name} --sandbox`")
    chosen = list(names) if names else gone
    for name in chosen:
        registry.remove(name, force=True)  # its resources died with the emulator: nothing is left to bill
    return chosen


# -- what clusterwiz's own calls use ----------------------------------------------------------------------

def sandbox_region(region: str | None) -> str:
    return region or SANDBOX_REGION


def terraform_environment(base: Mapping[str, str], emulator: Emulator, region: str | None) -> dict[str, str]:
    """`base` (the caller's environment) with every real-account variable replaced by the emulator's."""
    env = {key: value for key, value in base.items() if key not in REAL_ACCOUNT_VARIABLES}
    env.update({
        "AWS_ENDPOINT_URL": emulator.endpoint_url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_REGION": sandbox_region(region),
        "AWS_DEFAULT_REGION": sandbox_region(region),
        # No shared config or credentials file: nothing of the user's real setup can leak in.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def sandbox_session(emulator: Emulator, region: str | None,
                    on_wait: Callable[[str], None] | None = None) -> AwsSession:
    """An AwsSession on the emulator with throwaway credentials, deaf to the user's profiles and keys."""
    import boto3
    import botocore.session

    from clusterwiz.core.aws.session import AwsSession

    session = AwsSession(region=sandbox_region(region), endpoint_url=emulator.endpoint_url, on_wait=on_wait)
    # Read from nowhere rather than from the environment: no profile, config file or CA bundle of the user.
    unread = (None, None, None, None)
    isolated = botocore.session.Session(session_vars={
        "profile": unread, "ca_bundle": unread, "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None)})
    isolated.set_credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    session.boto_session = boto3.Session(botocore_session=isolated, region_name=sandbox_region(region))
    return session


def session_for(settings: Settings, emulator: Emulator | None) -> AwsSession:
    """clusterwiz's AWS session: on the emulator in the sandbox, else from the options and credential chain."""
    from clusterwiz.core.aws.session import AwsSession

    if settings.sandbox:
        return sandbox_session(emulator or ensure_emulator(settings.home), settings.region, settings.on_aws_wait)
    return AwsSession.from_settings(settings)


# -- keeping the sandbox and real AWS apart ---------------------------------------------------------------

class WrongAreaError(RegistryError):
    """A command for real AWS named a sandbox cluster, or the other way round."""

    def __init__(self, name: str, area: str):
        if area == "sandbox":
            message = (f"cluster {name!r} lives in the sandbox, not in your AWS account; add --sandbox to the "
                       f"command to reach it (e.g. `clusterwiz destroy {name} --sandbox`)")
        else:
            message = (f"cluster {name!r} is a real AWS cluster, not a sandbox one; run the command without "
                       "--sandbox to reach it")
        super().__init__(message)


class AreaRegistry(Registry):
    """A registry area that, asked for a cluster of the other area, says which way to reach it."""

    def get(self, name: str) -> ClusterRecord:
        try:
            return super().get(name)
        except RegistryError:
            other = "aws" if self.area == "sandbox" else "sandbox"
            if Registry(self.home, area=other).exists(name):
                raise WrongAreaError(name, other) from None
            raise


def area_registry(settings: Settings) -> AreaRegistry:
    return AreaRegistry(settings.home, area="sandbox" if settings.sandbox else "aws")


def other_area_note(settings: Settings, command: str = "list") -> str | None:
    """What a list of one area's clusters says about the other's, which it does not show; None when it has none.

    `command` is the one that shows them (list, teardown): real clusters bill, so a sandbox list must not read as
    if nothing does, and a real list must not make the sandbox's clusters look gone."""
    other = "aws" if settings.sandbox else "sandbox"
    names = Registry(settings.home, area=other).names()
    if not names:
        return None
    where = ("live in your AWS account and may bill" if other == "aws"
             else "live in the sandbox (emulated: nothing bills)")
    return (f"{len(names)} more cluster(s) {where}: {', '.join(names)}. See them with "
            f"`{cli(command, sandbox=other == 'sandbox')}`.")

