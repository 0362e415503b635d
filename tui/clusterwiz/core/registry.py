"""Every cluster clusterwiz knows, on disk: its spec, Terraform working directory and state, logs, keys.

Layout: <home>/<area>/clusters/<name>/{cluster.yaml, metadata.json, workdir/, logs/, keys/, .lock}
where area is "aws" (real accounts) or "sandbox" (the local endpoint), so the two never mix.
Directories are 0700 and files 0600; every file is written atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from clusterwiz.core.constraints import NAME_PATTERN
from clusterwiz.core.errors import RegistryError
from clusterwiz.core.files import atomic_write_text, ensure_private_dir

if TYPE_CHECKING:
    from clusterwiz.core.spec import ClusterSpec

Area = Literal["aws", "sandbox"]
# cancelled: the user stopped an apply or destroy midway (Terraform stopped cleanly; part of the cluster may exist)
Status = Literal["new", "rendered", "applied", "destroyed", "failed", "cancelled"]
STATUSES: tuple[Status, ...] = ("new", "rendered", "applied", "destroyed", "failed", "cancelled")
SPEC_FILE = "cluster.yaml"
METADATA_FILE = "metadata.json"
LOCK_FILE = ".lock"
STATE_FILE = "terraform.tfstate"
_NAME = re.compile(NAME_PATTERN)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Metadata:
    """When the cluster was created and last applied or destroyed, and where it stands now."""

    status: Status
    created: str
    updated: str
    applied: str | None = None
    destroyed: str | None = None
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Metadata:
        status = data.get("status")
        return cls(status=status if status in STATUSES else "failed", created=str(data.get("created", "")),
                   updated=str(data.get("updated", "")), applied=data.get("applied"),
                   destroyed=data.get("destroyed"), error=data.get("error"))


@dataclass(frozen=True)
class ClusterRecord:
    """One registered cluster: where its files are, its spec and its metadata."""

    name: str
    directory: Path
    spec: ClusterSpec
    metadata: Metadata

    @property
    def area(self) -> Area:
        """Where the cluster lives (the layout <home>/<area>/clusters/<name> says): AWS or the sandbox."""
        return "sandbox" if self.directory.parent.parent.name == "sandbox" else "aws"

    @property
    def in_sandbox(self) -> bool:
        return self.area == "sandbox"

    @property
    def spec_path(self) -> Path:
        return self.directory / SPEC_FILE

    @property
    def workdir(self) -> Path:
        return self.directory / "workdir"

    @property
    def logs_dir(self) -> Path:
        return self.directory / "logs"

    @property
    def keys_dir(self) -> Path:
        return self.directory / "keys"

    @property
    def state_file(self) -> Path:
        return self.workdir / STATE_FILE

    def log_file(self, kind: str = "terraform") -> Path:
        """The log a kind of run appends to (e.g. logs/terraform.log)."""
        return self.logs_dir / f"{kind}.log"

    def managed_resources(self) -> int:
        """How many managed resources Terraform's state still records (0 without a state)."""
        return len(self._managed_state())

    def managed_ids(self) -> frozenset[str]:
        """Every text the state records of its managed resources: their ids and ARNs, and those of what they hold
        (the head node's root volume and network interface, say)."""
        found = set()
        pending: list[Any] = [instance.get("attributes") for resource in self._managed_state()
                              for instance in resource.get("instances", [])]
        while pending:
            value = pending.pop()
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, dict):
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
        return frozenset(found)

    def _managed_state(self) -> list[dict[str, Any]]:
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except ValueError as exc:
            raise RegistryError(f"the Terraform state {self.state_file} is not valid JSON ({exc}); restore it "
                                "from terraform.tfstate.backup in the same directory") from exc
        return [resource for resource in state.get("resources", []) if resource.get("mode") == "managed"]


class Registry:
    """The clusters of one area under a clusterwiz home directory."""

    def __init__(self, home: Path, area: Area = "aws"):
        if area not in ("aws", "sandbox"):
            raise ValueError(f"unknown registry area {area!r}")
        self.home = Path(home)
        self.area = area
        self.root = self.home / area / "clusters"

    def names(self) -> list[str]:
        """Registered cluster names, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir()
                      if _NAME.match(entry.name) and (entry / SPEC_FILE).is_file())

    def records(self) -> list[ClusterRecord]:
        return [self.get(name) for name in self.names()]

    def exists(self, name: str) -> bool:
        return (self._directory(name) / SPEC_FILE).is_file()

    def get(self, name: str) -> ClusterRecord:
        directory = self._directory(name)
        if not (directory / SPEC_FILE).is_file():
            known = ", ".join(self.names()) or "none yet"
            raise RegistryError(f"there is no cluster named {name!r} in {self.root} (known: {known}); "
                                "run `clusterwiz list` to see them, or `clusterwiz render` to add one")
        from clusterwiz.core.spec import ClusterSpec  # pydantic: not needed to list names on the first screen

        spec = ClusterSpec.load(directory / SPEC_FILE)
        return ClusterRecord(name=name, directory=directory, spec=spec, metadata=self._read_metadata(directory))

    def create(self, spec: ClusterSpec) -> ClusterRecord:
        """Register a new cluster; refuses a name that is already taken."""
        directory = self._directory(spec.name)
        if not self._make_directory(directory) and (directory / SPEC_FILE).is_file():
            raise RegistryError(
                f"a cluster named {spec.name!r} already exists in {self.root}; choose another name, or "
                f"remove the old one first (`clusterwiz destroy {spec.name}`)")
        self._register(directory, spec)
        return self.get(spec.name)

    @contextlib.contextmanager
    def saving(self, spec: ClusterSpec) -> Iterator[ClusterRecord]:
        """Register the spec (a new cluster, or a registered one's new spec) once the block, under the cluster's
        lock, has written what goes with it. While another clusterwiz holds the lock nothing is written; when the
        block fails the registered spec stays as it was, and a new cluster is not registered."""
        directory = self._directory(spec.name)
        made = self._make_directory(directory)
        try:
            with self.lock(spec.name):
                registered = (directory / SPEC_FILE).is_file()
                metadata = self._read_metadata(directory) if registered else Metadata("new", _now(), _now())
                yield ClusterRecord(name=spec.name, directory=directory, spec=spec, metadata=metadata)
                if registered:
                    atomic_write_text(directory / SPEC_FILE, spec.to_yaml())
                else:
                    self._register(directory, spec)
        except BaseException:
            if made:
                shutil.rmtree(directory, ignore_errors=True)
            raise

    def _make_directory(self, directory: Path) -> bool:
        """The cluster's private directories; True when the cluster's own was made now. One without a spec is
        what a crash during create leaves behind: it is reused."""
        for private in (self.home, self.home / self.area, self.root):
            ensure_private_dir(private)
        try:
            directory.mkdir(mode=0o700)
            made = True
        except FileExistsError:
            made = False
        for sub in ("workdir", "logs", "keys"):
            ensure_private_dir(directory / sub)
        os.chmod(directory, 0o700)
        return made

    @staticmethod
    def _register(directory: Path, spec: ClusterSpec) -> None:
        now = _now()
        atomic_write_text(directory / METADATA_FILE, Metadata(status="new", created=now, updated=now).to_json())
        # The spec last: its presence is what makes the cluster registered.
        atomic_write_text(directory / SPEC_FILE, spec.to_yaml())

    def save_spec(self, spec: ClusterSpec) -> ClusterRecord:
        """Replace a registered cluster's spec."""
        record = self.get(spec.name)
        atomic_write_text(record.spec_path, spec.to_yaml())
        return self.get(spec.name)

    def set_status(self, name: str, status: Status, error: str | None = None) -> ClusterRecord:
        """Record where the cluster stands; applied/destroyed also stamp their time."""
        if status not in STATUSES:
            raise ValueError(f"unknown cluster status {status!r}")
        record = self.get(name)
        now = _now()
        old = record.metadata
        metadata = Metadata(status=status, created=old.created, updated=now,
                            applied=now if status == "applied" else old.applied,
                            destroyed=now if status == "destroyed" else old.destroyed,
                            error=error if status in ("failed", "cancelled") else None)
        atomic_write_text(record.directory / METADATA_FILE, metadata.to_json())
        return self.get(name)

    def remove(self, name: str, force: bool = False) -> None:
        """Forget a cluster and delete its files. Refuses while its state still holds resources,
        since those would keep running (and billing) with nothing left to destroy them."""
        record = self.get(name)
        with self.lock(name):
            remaining = record.managed_resources()
            if remaining and not force:
                raise RegistryError(
                    f"cluster {name!r} still has {remaining} resource(s) in its Terraform state; run "
                    f"`clusterwiz destroy {name}` first so nothing is left running in AWS")
            # Renamed away first, so a crash midway never leaves a half-deleted cluster in names().
            graveyard = Path(tempfile.mkdtemp(prefix=f".removing-{name}-", dir=self.root))
            os.replace(record.directory, graveyard / name)
        shutil.rmtree(graveyard)

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[ClusterLock]:
        """Hold the cluster's lock, so no other clusterwiz runs Terraform on it meanwhile. A Terraform started
        under it inherits it (core.terraform), so one that outlives a killed clusterwiz still holds it.

        Non-blocking: when another process holds it, RegistryError names that process.
        """
        directory = self._directory(name)
        if not directory.is_dir():
            self.get(name)  # raises the "no such cluster" error
        descriptor = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RegistryError(f"cluster {name!r} is busy: {_holder(descriptor)}") from None
            held = ClusterLock(descriptor, {"pid": os.getpid(), "command": " ".join(sys.argv), "since": _now()})
            held.child_ended()
            try:
                yield held
            finally:
                os.ftruncate(descriptor, 0)
        finally:
            os.close(descriptor)  # closing releases the flock, unless a Terraform still running holds it too

    def _directory(self, name: str) -> Path:
        # The name becomes a path: anything but a valid cluster name could escape the registry.
        if not isinstance(name, str) or not _NAME.match(name):
            raise RegistryError(f"{name!r} is not a valid cluster name; use 1-31 lowercase letters, digits or "
                                "'-', starting with a letter")
        return self.root / name

    @staticmethod
    def _read_metadata(directory: Path) -> Metadata:
        try:
            return Metadata.from_mapping(json.loads((directory / METADATA_FILE).read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            # Lost or damaged metadata must not hide the cluster (and its state) from the user.
            return Metadata(status="failed", created="", updated="", error="metadata.json is missing or damaged")


@dataclass
class ClusterLock:
    """A held cluster lock, and what its file says of the holder: this clusterwiz, and the Terraform it runs."""

    descriptor: int
    holder: dict[str, Any]

    def record_child(self, pid: int, command: str, log_file: Path) -> None:
        """A Terraform started under the lock (and holding it with us): named to whoever finds the cluster busy."""
        self._write({**self.holder, "terraform": {"pid": pid, "command": command, "since": _now(),
                                                  "log": str(log_file)}})

    def child_ended(self) -> None:
        self._write(self.holder)

    def _write(self, holder: dict[str, Any]) -> None:
        os.ftruncate(self.descriptor, 0)
        os.pwrite(self.descriptor, json.dumps(holder).encode(), 0)


def _holder(descriptor: int) -> str:
    """Who holds a lock, from what it wrote into the lock file, and what to do."""
    wait = "wait for it to finish (or stop it) and try again"
    try:
        data = json.loads(os.pread(descriptor, 4096, 0).decode() or "{}")
        pid, command, since = data["pid"], data["command"], data.get("since", "?")
    except (ValueError, KeyError, OSError):
        return f"another clusterwiz process is working on it; {wait}"
    terraform = data.get("terraform")
    if not terraform or process_alive(pid):
        running = f", running `{terraform['command']}` (pid {terraform['pid']})" if terraform else ""
        return f"another clusterwiz (pid {pid}, `{command}`, since {since}{running}) is working on it; {wait}"
    # The lock is held and its clusterwiz is gone: the Terraform it started (which inherited the lock) runs on.
    return (f"an earlier run still holds the Terraform state lock: `{command}` (pid {pid}) is gone, but the "
            f"`{terraform['command']}` it started (pid {terraform['pid']}, since {terraform['since']}) still runs. "
            "Terraform saves what it creates when it finishes; another Terraform started now would create the same "
            f"resources again. Wait for it to end (its output goes to {terraform['log']}; `kill -INT "
            f"{terraform['pid']}` makes it stop cleanly sooner), then run your command again. Do not delete the "
            "lock or pass -lock=false")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
