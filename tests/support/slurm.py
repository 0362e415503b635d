"""A real Slurm on localhost for tests: munged + slurmctld + slurmd, each a child process of the test.

Everything lives in a world-executable directory under /tmp (munge refuses a socket path with a
private directory on it, and pytest's tmp dirs are 0700), on free ports, so several test sessions
can run Slurm side by side. Needs root (slurmd runs jobs as their users) and Debian's
`slurmctld slurmd slurm-client munge` packages.

    with local_slurm() as slurm:
        slurm.start_controller(render_slurm_conf(params, slurm.layout, "localhost", "127.0.0.1"))
        slurm.start_node("compute-0abc", ["-Z", "--conf", "Feature=compute"])
        job = slurm.submit("-p", "compute", "--wrap", "hostname")
        slurm.wait_for_job(job, "COMPLETED")

`static_slurm_conf()` gives a one-partition cluster with a static node for tests that just need a
working Slurm (e.g. a job runner).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from clusterwiz.node.layout import Layout
from clusterwiz.node.slurm_conf import controller_lines
from tests.support.moto_server import free_port

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo")
FINISHED_STATES = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY")


class SlurmUnavailable(RuntimeError):
    """Slurm or munge is not installed, or the test does not run as root."""


def missing_requirements() -> str | None:
    missing = [name for name in DAEMONS if shutil.which(name) is None]
    if missing:
        return (f"{', '.join(missing)} not found: install Debian's slurmctld slurmd slurm-client munge "
                "(--no-install-recommends)")
    if os.geteuid() != 0:
        return "the real-Slurm tests run as root (slurmd starts jobs as their owners)"
    return None


def test_layout(root: Path) -> Layout:
    """The node layout moved into root, on free ports, with root as SlurmUser."""
    return Layout(agent_root=str(root / "opt"), slurm_user="root", state_dir=str(root / "state"),
                  spool_dir=str(root / "spool"), log_dir=str(root / "log"), pid_dir=str(root / "run"),
                  munge_socket=str(root / "munge" / "munge.socket"), slurmctld_port=free_port(),
                  slurmd_port=free_port())


def static_slurm_conf(layout: Layout, partition: str = "debug", node: str = "localhost") -> str:
    """A minimal cluster: one static node on this host in one partition."""
    lines = controller_lines("clusterwiz-test", layout, node, "127.0.0.1") + [
        f"NodeName={node} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} State=UNKNOWN",
        f"PartitionName={partition} Nodes={node} Default=YES MaxTime=INFINITE State=UP",
    ]
    return "\n".join(lines) + "\n"


class LocalSlurm:
    def __init__(self, root: Path):
        self.root = root
        self.layout = test_layout(root)
        self.conf_path = Path(self.layout.slurm_conf)  # where the generated slurmd arguments look for it
        self.env = {**os.environ, "SLURM_CONF": str(self.conf_path)}
        self._controller: subprocess.Popen[bytes] | None = None
        self._munged: subprocess.Popen[bytes] | None = None
        self.nodes: dict[str, subprocess.Popen[bytes]] = {}
        for name in ("munge", "state", "spool", "log", "run/slurmctld", "opt/etc"):
            (root / name).mkdir(mode=0o755, parents=True, exist_ok=True)

    # -- daemons ------------------------------------------------------------------------------

    def _spawn(self, arguments: list[str], log_name: str) -> subprocess.Popen[bytes]:
        with open(self.root / "log" / log_name, "ab") as output:
            return subprocess.Popen(arguments, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                                    start_new_session=True)

    def start_munge(self) -> None:
        munge = self.root / "munge"
        key = munge / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        self._munged = self._spawn(["munged", "-F", "-f", f"--key-file={key}", f"--socket={self.layout.munge_socket}",
                                    f"--pid-file={munge / 'munged.pid'}", f"--seed-file={munge / 'seed'}",
                                    f"--log-file={munge / 'munged.log'}"], "munged.out")
        self.wait_until(lambda: Path(str(self.layout.munge_socket)).exists(), 10, "munged to create its socket")

    def start_controller(self, slurm_conf: str) -> None:
        """Write slurm.conf and start munged (once) and slurmctld; return when it answers."""
        self.conf_path.write_text(slurm_conf)
        if self._munged is None:
            self.start_munge()
        self._controller = self._spawn(["slurmctld", "-D", "-i", "-f", str(self.conf_path)], "slurmctld.out")
        self.wait_until(self._controller_answers, 20, "slurmctld to answer")

    def _controller_answers(self) -> bool:
        if self._controller is not None and self._controller.poll() is not None:
            raise RuntimeError(f"slurmctld exited:\n{self.log_tail('slurmctld.log')}{self.log_tail('slurmctld.out')}")
        return subprocess.run(["scontrol", "ping"], env=self.env, capture_output=True, text=True).returncode == 0

    def start_node(self, name: str, arguments: list[str], wait: bool = True) -> float:
        """Start slurmd -D for node name with arguments; return the time.monotonic() it was started at."""
        (self.root / "spool" / name).mkdir(mode=0o755, exist_ok=True)
        started = time.monotonic()
        if "-f" not in arguments:
            arguments = ["-f", str(self.conf_path), *arguments]
        if "-N" not in arguments:
            arguments = [*arguments, "-N", name]
        self.nodes[name] = self._spawn(["slurmd", "-D", *arguments], f"slurmd-{name}.out")
        if wait:
            self.wait_until(lambda: self.node_state(name).startswith(("IDLE", "MIXED", "ALLOCATED")), 30,
                            f"node {name} to register")
        return started

    def stop_node(self, name: str) -> None:
        process = self.nodes.pop(name)
        process.terminate()
        process.wait(timeout=15)

    def close(self) -> None:
        if self._controller is not None and self._controller.poll() is None:
            subprocess.run(["scancel", "--full", "--user=root"], env=self.env, capture_output=True)
        for process in [*self.nodes.values(), self._controller, self._munged]:
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.nodes.clear()

    # -- commands -----------------------------------------------------------------------------

    def run(self, *arguments: str, check: bool = True) -> str:
        completed = subprocess.run(list(arguments), env=self.env, capture_output=True, text=True, timeout=60)
        if check and completed.returncode != 0:
            raise RuntimeError(f"{' '.join(arguments)} failed ({completed.returncode}): {completed.stderr.strip()}")
        return completed.stdout

    def submit(self, *arguments: str) -> str:
        output = self.run("sbatch", "--parsable", f"--chdir={self.root}", *arguments)
        return output.strip().split(";")[0]

    def job_field(self, job_id: str, field: str) -> str:
        output = self.run("scontrol", "-o", "show", "job", job_id)
        match = re.search(rf"\b{field}=(\S*)", output)
        return match.group(1) if match else ""

    def job_state(self, job_id: str) -> str:
        return self.job_field(job_id, "JobState")

    def node_state(self, name: str) -> str:
        output = self.run("scontrol", "-o", "show", "node", name, check=False)
        match = re.search(r"\bState=(\S+)", output)
        return match.group(1) if match else ""

    def wait_for_job(self, job_id: str, state: str, timeout: float = 30) -> None:
        self.wait_until(lambda: self.job_state(job_id) == state, timeout, f"job {job_id} to be {state}")

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}\n{self.log_tail('slurmctld.log')}")
            time.sleep(0.1)

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.root / "log" / name
        if not path.exists():
            return ""
        return f"--- {name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"


@contextmanager
def local_slurm() -> Iterator[LocalSlurm]:
    """A LocalSlurm in a fresh world-executable directory; every daemon stopped and the directory removed after."""
    problem = missing_requirements()
    if problem:
        raise SlurmUnavailable(problem)
    root = Path(tempfile.mkdtemp(prefix="clusterwiz-slurm-", dir="/tmp"))
    root.chmod(0o755)
    slurm = LocalSlurm(root)
    try:
        yield slurm
    finally:
        slurm.close()
        shutil.rmtree(root, ignore_errors=True)
