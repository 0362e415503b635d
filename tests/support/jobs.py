"""clusterwiz started as a shell starts a job: in a session and process group of its own, on a terminal of its own
(a pty), so that a signal sent to the group reaches it as a terminal's Ctrl-C or hang-up would, and a closed
terminal fails its writes as a real one does. Also: the Terraform processes working in a directory, found from
/proc whoever started them (a Terraform that outlived its clusterwiz has no parent to ask)."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from tests.support.cli import clusterwiz_command


class TerminalJob:
    """`clusterwiz ARGS` running on a pty, as the foreground job of a shell of its own; what it prints is in
    `output`. Leaving the block kills what is left of the job's process group."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None):
        argv, environment = clusterwiz_command(home, *args, env=env)
        self._terminal, attached = pty.openpty()
        self.process = subprocess.Popen(argv, env=environment, stdin=attached, stdout=attached, stderr=attached,
                                        start_new_session=True)
        os.close(attached)
        self._lock = threading.Lock()
        self._output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def output(self) -> str:
        with self._lock:
            return "".join(self._output)

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._terminal, 65536)
            except OSError:  # the job closed its side, or we hung up
                return
            if not chunk:
                return
            with self._lock:
                self._output.append(chunk.decode("utf-8", "replace"))

    def events(self) -> list[dict]:
        """What a `--json` job has printed so far, one object per line (its other lines left out)."""
        found = []
        for line in self.output.splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found

    def wait_for_event(self, timeout: float, **fields: str) -> None:
        """Until a `--json` job has printed an event with these fields; fails if it ends or `timeout` passes."""
        self.wait_until(lambda: any(all(event.get(key) == value for key, value in fields.items())
                                    for event in self.events()), timeout, f"an event with {fields}")

    def wait_for(self, text: str, timeout: float) -> None:
        """Until the job has printed `text`; fails if it ends or `timeout` passes first."""
        self.wait_until(lambda: text in self.output, timeout, repr(text))

    def wait_until(self, printed: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not printed():
            if self.process.poll() is not None:
                raise AssertionError(f"the job ended ({self.process.returncode}) before printing {what}:\n"
                                     f"{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the job did not print {what} within {timeout} s:\n{self.output}")
            time.sleep(0.05)

    def signal(self, number: int) -> None:
        """Signal the job's process group, as a terminal signals its foreground job."""
        os.killpg(self.process.pid, number)

    def hang_up(self) -> None:
        """Close the terminal: the kernel hangs up its foreground process group, whose writes then fail."""
        os.close(self._terminal)
        self.signal(signal.SIGHUP)

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def __enter__(self) -> TerminalJob:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGKILL)
            self.process.wait(10)
        with contextlib.suppress(OSError):  # already closed by hang_up()
            os.close(self._terminal)


def terraform_processes(directory: Path) -> list[int]:
    """The pids of the Terraform processes whose working directory is `directory`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "terraform" and (entry / "cwd").resolve() == directory.resolve():
                found.append(int(entry.name))
        except OSError:  # it ended meanwhile
            continue
    return found


def wait_until_no_terraform(directory: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while terraform_processes(directory):
        if time.monotonic() > deadline:
            raise AssertionError(f"Terraform still runs in {directory} after {timeout} s")
        time.sleep(0.2)
