"""One twin: an instance the emulator launched, booted as a real Debian machine under systemd-nspawn.

Its disk is an overlay over the shared image (kept across a stop and start, dropped on terminate); cloud-init finds
the instance's user data and key in a NoCloud seed; its network is the instance's own namespace. A reboot inside it
(`systemctl reboot`) boots it again on the same disk, as EC2 does.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

NSPAWN_REBOOT = 133  # systemd-nspawn's exit status when the container rebooted
BOOT_TIMEOUT_S = 60


@dataclass
class TwinSpec:
    """What the emulator says of the instance, and what the harness gives it."""

    instance_id: str
    private_ip: str
    hostname: str
    user_data: bytes
    public_keys: list[str]
    hosts: dict[str, list[str]]  # address -> names, for /etc/hosts
    binds: dict[str, str] = field(default_factory=dict)  # host path -> path in the twin


class Twin:
    def __init__(self, spec: TwinSpec, image_root: Path, directory: Path, namespace: str):
        self.spec = spec
        self.image_root = image_root
        self.directory = directory
        self.namespace = namespace
        self.merged = directory / "merged"
        self.console = directory / "console.log"
        self.boots = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.halting = threading.Event()
        self.halted = threading.Event()
        self.supervisor: threading.Thread | None = None
        self.devices: dict[str, str] = {}  # path in the twin -> host block device

    # -- disk ------------------------------------------------------------------------------------

    def _mount_disk(self) -> None:
        for name in ("upper", "work", "merged"):
            (self.directory / name).mkdir(parents=True, exist_ok=True)
        # index and nfs_export: nfs-ganesha serves the head's files by handle, which an overlay gives only so.
        options = (f"lowerdir={self.image_root},upperdir={self.directory / 'upper'},"
                   f"workdir={self.directory / 'work'},index=on,nfs_export=on")
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(self.merged)], check=True)

    def _write_seed(self) -> None:
        seed = self.merged / "var/lib/cloud/seed/nocloud"
        seed.mkdir(parents=True, exist_ok=True)
        meta = {"instance-id": self.spec.instance_id, "local-hostname": self.spec.hostname,
                "public-keys": self.spec.public_keys}
        (seed / "meta-data").write_text(yaml.safe_dump(meta))
        (seed / "user-data").write_bytes(self.spec.user_data)
        lines = ["127.0.0.1 localhost", f"{self.spec.private_ip} {self.spec.hostname}"]
        lines += [f"{address} {' '.join(names)}" for address, names in self.spec.hosts.items()]
        (self.merged / "etc/hosts").write_text("\n".join(lines) + "\n")
        # Names resolve from /etc/hosts alone: no resolver is reachable from the twins' network.
        resolv = self.merged / "etc/resolv.conf"
        resolv.unlink(missing_ok=True)
        resolv.write_text("# clusterwiz twin: no DNS server; see /etc/hosts\n")

    def path(self, path_in_twin: str) -> Path:
        """A file of the twin's disk as this host sees it (not what the twin has mounted over it)."""
        return self.merged / path_in_twin.lstrip("/")

    # -- boot and halt ---------------------------------------------------------------------------

    def start(self) -> None:
        if not self.merged.is_mount():
            self._mount_disk()
            self._write_seed()
        self.halting.clear()
        self.halted.clear()
        self.supervisor = threading.Thread(target=self._supervise, name=f"twin-{self.spec.instance_id}",
                                           daemon=True)
        self.supervisor.start()
        self._wait_for_leader()

    def _command(self) -> list[str]:
        command = ["systemd-nspawn", "--quiet", "--keep-unit", "--register=no", "-D", str(self.merged), "-b",
                   f"--network-namespace-path=/run/netns/{self.namespace}", f"--machine={self.spec.hostname}",
                   "--resolv-conf=off", "--timezone=off", "--link-journal=no", "--console=pipe",
                   # nfs-ganesha serves files by handle (open_by_handle_at), which nspawn filters by default.
                   "--system-call-filter=open_by_handle_at name_to_handle_at",
                   # Root on an instance manages its own network (the head node loads a firewall table); nspawn
                   # grants this only with --private-network, and the namespace here is the twin's alone.
                   "--capability=CAP_NET_ADMIN"]
        command += [f"--bind={source}:{target}" for source, target in self.spec.binds.items()]
        return command

    def _supervise(self) -> None:
        while not self.halting.is_set():
            self.boots += 1
            with self.console.open("ab") as console:
                console.write(f"\n--- clusterwiz twin: boot {self.boots} ---\n".encode())
                console.flush()
                self.process = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL, stdout=console,
                                                stderr=subprocess.STDOUT, start_new_session=True)
                status = self.process.wait()
            if status != NSPAWN_REBOOT:
                break
            self.devices_lost()
        self.halted.set()

    def devices_lost(self) -> None:
        """A new boot has a new /dev: the harness presents the volumes again."""
        self.devices.clear()

    def leader(self) -> int | None:
        """The twin's PID 1 (systemd) as this host sees it."""
        process = self.process
        if process is None or process.poll() is not None:
            return None
        try:
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    def _wait_for_leader(self) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.halted.is_set():
                raise RuntimeError(f"twin {self.spec.instance_id} stopped at once; see {self.console}:\n"
                                   + self.console.read_text(errors="replace")[-3000:])
            leader = self.leader()
            if leader and Path(f"/proc/{leader}/ns/mnt").exists() and os.path.exists(f"/proc/{leader}/root/run"):
                return
            time.sleep(0.1)
        raise RuntimeError(f"twin {self.spec.instance_id} did not start within {BOOT_TIMEOUT_S}s")

    @property
    def running(self) -> bool:
        return self.supervisor is not None and not self.halted.is_set()

    def halt(self, timeout: float = 60) -> None:
        """Power off as EC2's stop does (systemd shuts down in order); killed if it does not within timeout."""
        self.halting.set()
        process = self.process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # nspawn asks the twin's systemd to power off
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.supervisor is not None:
            self.supervisor.join()

    def discard(self) -> None:
        """Terminated: the disk goes too."""
        self.halt()
        if self.merged.is_mount():
            subprocess.run(["umount", str(self.merged)], check=True)
        shutil.rmtree(self.directory, ignore_errors=True)

    def release_disk(self) -> None:
        """Unmount the disk but keep it, for a later start."""
        if self.merged.is_mount():
            subprocess.run(["umount", str(self.merged)], check=True)

    # -- inside ----------------------------------------------------------------------------------

    def run(self, *command: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside the twin (all its namespaces), as root."""
        leader = self.leader()
        if leader is None:
            raise RuntimeError(f"twin {self.spec.instance_id} is not running")
        return subprocess.run(["nsenter", "-t", str(leader), "-a", "--", *command], capture_output=True, text=True,
                              timeout=timeout, check=check)

    def present_device(self, path_in_twin: str, host_device: str) -> None:
        """A block device of this host appears in the twin at path_in_twin (as an attached EBS volume does)."""
        if self.devices.get(path_in_twin) == host_device:
            return
        details = os.stat(host_device)
        major, minor = os.major(details.st_rdev), os.minor(details.st_rdev)
        self.run("sh", "-c", f'mkdir -p "$(dirname {path_in_twin})" && rm -f {path_in_twin} && '
                             f"mknod -m 0660 {path_in_twin} b {major} {minor}")
        self.devices[path_in_twin] = host_device
