"""Runs Terraform for one working directory and turns its `-json` stream into typed events.

Built on python-terraform (the wrapper clusterwiz was specified with), kept for what it does right:
building command lines, `output`, `version` (`init` streams like a plan, so it can be interrupted cleanly).
Its gaps are fixed here, each pinned by a test in tests/runner/test_python_terraform_gaps.py:
- `destroy()` sends `-force`, which Terraform >= 1.0 rejects: destroy is `plan -destroy -out` + `apply`;
- `synchronous=False` is passed on to Terraform as a bogus `-synchronous=false` flag: streaming runs
  use our own process handling instead;
- `plan()` uses `-detailed-exitcode`, so exit 2 means "changes", not failure;
- every call with the default (empty) variables writes a stray `-var-file` into /tmp: we pass none;
- its `cmd()` always runs with a copy of os.environ, no umask and no log: ours runs with the caller's
  environment, umask 077 (state and plan files are 0600) and appends all output to the run log.

Ctrl-C, SIGTERM, a hang-up (a closed terminal, a dropped SSH session) or `cancel()` from another thread send
Terraform one SIGINT, to its own process group, and wait for it to finish the operations in flight and save its
state; a second SIGINT would make Terraform exit at once and lose track of resources, so it is never sent. Only a
Terraform still running `stop_grace_seconds` after the interrupt is killed.

Terraform must never die of our exit, which no handler sees coming (SIGKILL, the OOM killer): its output goes to
the run log, a file, which it can write whatever happens to us (a pipe would kill it with SIGPIPE on its next line,
mid-create), and clusterwiz follows that file. A runner given the cluster's lock (`lock`) hands it down to
Terraform, so a Terraform that outlives us still holds it and no second one starts on the same state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar

import python_terraform

from clusterwiz.core.errors import TerraformError
from clusterwiz.core.events import ChangeSummary, Diagnostic, Event, Log, Outputs, ResourceDone, parse_line
from clusterwiz.core.files import PRIVATE_FILE_MODE, atomic_write_text
from clusterwiz.core.hints import hint_for
from clusterwiz.core.provider import LOCK_FILE
from clusterwiz.core.registry import process_alive

MINIMUM_VERSION = (1, 6, 0)
INSTALL_HINT = ("install Terraform 1.6 or newer (https://developer.hashicorp.com/terraform/install) "
                "and make sure `terraform` is on PATH")
# Plan files are named for the process that made them (clusterwiz-<pid>-<token>.tfplan), so a plan left by a run
# that was killed is known as such and removed, and no command ever applies another's plan.
PLAN_FILE_GLOB = "clusterwiz*.tfplan"  # clusterwiz.tfplan too, the one name an older clusterwiz used
PLAN_FILE_PID = re.compile(r"clusterwiz-(\d+)-[0-9a-f]+\.tfplan")
PREVIOUS_LOG_SUFFIX = ".1"
# Written only when an init exits 0, with a digest of what it read: a folder .terraform alone proves nothing, since
# a failed or interrupted init leaves one behind.
INIT_MARKER = ".terraform/clusterwiz-init-done"
DEFAULT_STOP_GRACE_SECONDS = 900.0
RUN_UMASK = 0o077
# Exit codes that are not failures: `plan -detailed-exitcode` exits 2 when there are changes.
PLAN_EXIT_CODES = (0, 2)
FOLLOW_POLL_SECONDS = 0.05
STATE_LOCK_INFO = ".terraform.tfstate.lock.info"
# The signals that stop a run gracefully, as the user would name what happened.
STOP_SIGNALS = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM",
                signal.SIGHUP: "a hang-up (SIGHUP: the terminal or SSH session closed)"}
CANCELLED = "a cancel request"
DONE_WORDS = {"create": "created", "update": "changed", "delete": "destroyed"}

EventCallback = Callable[[Event], None]
T = TypeVar("T")


class TerraformRunFailed(TerraformError):
    """A Terraform command exited with an error; `diagnostics` holds its error diagnostics."""

    def __init__(self, message: str, command: str, exit_code: int, diagnostics: Sequence[Diagnostic] = ()):
        super().__init__(message)
        self.command = command
        self.exit_code = exit_code
        self.diagnostics = tuple(diagnostics)


class TerraformInterrupted(TerraformError):
    """The run was interrupted (a signal or cancel()) and Terraform stopped cleanly. `completed`: Terraform had
    finished the whole command all the same (it ignores an interrupt that comes before its work begins)."""

    def __init__(self, message: str, completed: bool = False):
        super().__init__(message)
        self.completed = completed


class InheritableLock(Protocol):
    """A held lock whose descriptor, passed down to Terraform, keeps it held for as long as Terraform runs."""

    @property
    def descriptor(self) -> int: ...

    def record_child(self, pid: int, command: str, log_file: Path) -> None: ...

    def child_ended(self) -> None: ...


@dataclass(frozen=True)
class PlanResult:
    plan_file: Path
    destroy: bool
    has_changes: bool
    summary: ChangeSummary | None


@dataclass(frozen=True)
class ApplyResult:
    summary: ChangeSummary | None
    outputs: Mapping[str, Any] = field(default_factory=dict)


class _PythonTerraform(python_terraform.Terraform):
    """python-terraform, with every command it builds executed by our runner."""

    def __init__(self, runner: TerraformRunner):
        super().__init__(working_dir=str(runner.workdir), terraform_bin_path=runner.binary)
        # None, not {}: an empty dict makes python-terraform write an empty -var-file into /tmp.
        self.variables = None
        self._runner = runner

    def cmd(self, cmd: str, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
        kwargs.pop("capture_output", None)
        kwargs.pop("raise_on_error", None)
        return self._runner.run_captured(self.generate_cmd_string(cmd, *args, **kwargs))


class TerraformRunner:
    """Terraform for one working directory; every run's output is appended to `log_file`.

    `fresh_log`: this runner's first run starts the log afresh and keeps the one before as <log>.1, so the log holds
    what this runner ran and one earlier runner's, however many there were (a TF_LOG=TRACE run alone writes
    megabytes). Only for a runner under the cluster's lock, or a log nobody else writes: a Terraform still running
    writes on into the file it has open."""

    def __init__(self, workdir: Path, log_file: Path, env: Mapping[str, str] | None = None,
                 binary: str | None = None, stop_grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS,
                 lock: InheritableLock | None = None, fresh_log: bool = False):
        self.workdir = Path(workdir)
        self.log_file = Path(log_file)
        self._fresh_log = fresh_log
        self.stop_grace_seconds = stop_grace_seconds
        self.lock = lock
        self.binary = binary or shutil.which("terraform") or "terraform"
        # Endpoints and credentials come from the caller's environment, never from generated config.
        self.env = {**(os.environ if env is None else env), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
                    "CHECKPOINT_DISABLE": "1"}
        self._wrapper = _PythonTerraform(self)
        self._version: tuple[int, int, int] | None = None
        # Re-entrant: the SIGINT handler calls cancel() on the main thread, maybe while it holds the lock.
        self._lock = threading.RLock()
        self._process: subprocess.Popen[bytes] | None = None
        self._cancelled = threading.Event()
        self._stop_reason = CANCELLED
        self._interrupt_sent = False
        self._killed = False

    # -- commands -------------------------------------------------------------------------------

    def version(self) -> tuple[int, int, int]:
        """Terraform's version; raises TerraformError when it is missing or older than 1.6."""
        if self._version is None:
            code, out, _ = self.run_captured([self.binary, "version", "-json"], check_version=False)
            found = _parse_version(out)
            if code != 0 or found is None:
                raise TerraformError(f"could not tell the version of Terraform at {self.binary}; {INSTALL_HINT}")
            if found < MINIMUM_VERSION:
                raise TerraformError(f"Terraform {'.'.join(map(str, found))} at {self.binary} is too old; "
                                     f"clusterwiz needs 1.6 or newer: {INSTALL_HINT}")
            self._version = found
        return self._version

    def init(self) -> None:
        """`terraform init` (providers come from the CLI config in the environment: see core/provider.py).

        It streams like a plan, so Ctrl-C reaches Terraform as one SIGINT and it stops on its own; the working
        directory counts as initialised (initialised()) only once an init has exited 0.
        """
        self._cancelled.clear()
        marker = self.workdir / INIT_MARKER
        marker.unlink(missing_ok=True)
        try:
            self._stream(["init", "-input=false", "-no-color"], None, (0,))
        except TerraformInterrupted as interrupted:
            if interrupted.completed:
                self._mark_initialised()
                raise TerraformInterrupted(f"terraform init was interrupted by {self._stop_reason} once it had "
                                           "finished; nothing in AWS changed", completed=True) from interrupted
            raise TerraformInterrupted(
                f"terraform init was interrupted before it finished in {self.workdir}; nothing in AWS changed, "
                "and the next plan, apply or destroy runs init again") from interrupted
        except TerraformRunFailed as failed:
            raise TerraformRunFailed(
                f"{failed}\nA provider that cannot be installed: run `clusterwiz doctor`, which says where "
                "clusterwiz looks for it and what to do. The next plan, apply or destroy runs init again.",
                "init", failed.exit_code, failed.diagnostics) from failed
        finally:
            # Terraform writes the lock file 0644 whatever the umask; everything in the working directory is private.
            with contextlib.suppress(FileNotFoundError):
                os.chmod(self.workdir / LOCK_FILE, PRIVATE_FILE_MODE)
        self._mark_initialised()

    def _mark_initialised(self) -> None:
        marker = self.workdir / INIT_MARKER
        marker.parent.mkdir(exist_ok=True)  # an init with nothing to install makes no .terraform
        atomic_write_text(marker, self._init_inputs())

    def initialised(self) -> bool:
        """Whether an init completed for the working directory as it is now: none was interrupted or failed since,
        nothing init reads (configuration files, module sources, the lock file) has changed, and the providers
        it linked are still there (a plugin cache emptied by hand leaves dangling links)."""
        marker = self.workdir / INIT_MARKER
        try:
            recorded = marker.read_text(encoding="utf-8")
        except OSError:
            return False
        providers = self.workdir / ".terraform" / "providers"
        installed = list(providers.glob("*/*/*/*/*")) if providers.is_dir() else []
        return recorded == self._init_inputs() and all(path.exists() for path in installed)

    def _init_inputs(self) -> str:
        """A digest of what `terraform init` reads: every configuration file (the root's and the modules') and the
        dependency lock file."""
        read = []
        for directory, subdirectories, names in os.walk(self.workdir):
            subdirectories[:] = [name for name in subdirectories if name != ".terraform"]
            read += [Path(directory, name) for name in names
                     if name == LOCK_FILE or name.endswith((".tf", ".tf.json"))]
        digest = hashlib.sha256()
        for path in sorted(read):
            digest.update(f"{path.relative_to(self.workdir)}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
        return digest.hexdigest() + "\n"

    def output(self) -> dict[str, Any]:
        """The root module's outputs by name (sensitive values included: do not print them)."""
        values = self._wrapper.output()
        if values is None:  # python-terraform's way of saying the command failed
            raise TerraformRunFailed(f"terraform output failed in {self.workdir}; the full output is in "
                                     f"{self.log_file}", "output", 1)
        return {name: body["value"] for name, body in values.items()}

    def plan(self, on_event: EventCallback | None = None, destroy: bool = False,
             plan_file: Path | None = None) -> PlanResult:
        """`terraform plan [-destroy] -out=<plan_file>`; the plan is applied with apply()."""
        self._cancelled.clear()
        return self._plan(on_event, destroy, plan_file)

    def apply(self, plan: PlanResult, on_event: EventCallback | None = None) -> ApplyResult:
        """`terraform apply <planfile>`: exactly the changes the plan showed, nothing else."""
        self._cancelled.clear()
        return self._apply(plan, on_event)

    def destroy(self, on_event: EventCallback | None = None) -> ApplyResult:
        """Destroy everything in the state: `plan -destroy -out` then `apply` of that plan."""
        self._cancelled.clear()
        plan = self._plan(on_event, destroy=True, plan_file=None)
        if self._cancelled.is_set():
            plan.plan_file.unlink(missing_ok=True)
            raise TerraformInterrupted("terraform destroy was interrupted before it changed anything; "
                                       "run the destroy again to remove the cluster")
        if not plan.has_changes:
            plan.plan_file.unlink(missing_ok=True)
            return ApplyResult(summary=plan.summary)
        return self._apply(plan, on_event)

    def _plan(self, on_event: EventCallback | None, destroy: bool, plan_file: Path | None) -> PlanResult:
        target = plan_file or self.workdir / f"clusterwiz-{os.getpid()}-{secrets.token_hex(4)}.tfplan"
        try:
            events = self._stream(["plan", "-json", "-input=false", "-no-color", "-detailed-exitcode",
                                   *(["-destroy"] if destroy else []), f"-out={target}"],
                                  on_event, PLAN_EXIT_CODES)
        except TerraformInterrupted:
            target.unlink(missing_ok=True)  # a plan finished despite the interrupt is not to be applied
            raise
        return PlanResult(plan_file=target, destroy=destroy, has_changes=events.exit_code == 2,
                          summary=events.summary)

    def _apply(self, plan: PlanResult, on_event: EventCallback | None) -> ApplyResult:
        try:
            events = self._stream(["apply", "-json", "-input=false", "-no-color", str(plan.plan_file)],
                                  on_event, (0,))
        finally:
            # Applied or not, a plan file is stale after an apply and may hold sensitive values.
            plan.plan_file.unlink(missing_ok=True)
        return ApplyResult(summary=events.summary, outputs=events.outputs)

    def remove_stale_plans(self) -> list[Path]:
        """Remove the plan files no running clusterwiz will apply (what a killed run left: they may hold sensitive
        values); under the cluster's lock. Returns them."""
        stale = []
        for path in self.workdir.glob(PLAN_FILE_GLOB):
            made_by = PLAN_FILE_PID.fullmatch(path.name)
            if made_by is None or not process_alive(int(made_by[1])):
                path.unlink(missing_ok=True)
                stale.append(path)
        return stale

    def stream(self, operation: Callable[..., T], *args: Any) -> EventStream[T]:
        """Iterate the events of `operation` (plan, apply, destroy) instead of passing a callback."""
        return EventStream(self, operation, args)

    def cancel(self, reason: str = CANCELLED) -> None:
        """Ask the current run to stop cleanly; safe from any thread, and idempotent. `reason` is what the
        interrupt's message names: a signal's description, or the default, a cancel."""
        with self._lock:
            if not self._cancelled.is_set():
                self._stop_reason = reason
            self._cancelled.set()
            process = self._process
            if process is None or self._interrupt_sent or process.poll() is not None:
                return
            self._interrupt_sent = True
            os.killpg(process.pid, signal.SIGINT)
        killer = threading.Timer(self.stop_grace_seconds, self._kill, args=(process,))
        killer.daemon = True
        killer.start()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    # -- processes ------------------------------------------------------------------------------

    def run_captured(self, argv: Sequence[str], check_version: bool = True) -> tuple[int, str, str]:
        """Run a short command to completion and return (exit code, stdout, stderr)."""
        self._check_workdir()
        if check_version:
            self.version()
        with self._open_log() as log:
            _log_header(log, argv, self.workdir)
            try:
                done = subprocess.run(list(argv), cwd=self.workdir, env=self.env, capture_output=True,
                                      text=True, umask=RUN_UMASK, check=False)
            except FileNotFoundError as exc:
                raise _not_installed(argv[0]) from exc
            log.write(done.stdout)
            log.write(done.stderr)
            log.write(f"=== exit code {done.returncode}\n")
        return done.returncode, done.stdout, done.stderr

    def _stream(self, args: Sequence[str], on_event: EventCallback | None,
                ok_codes: Sequence[int]) -> _StreamedRun:
        self._check_workdir()
        self.version()
        argv = [self.binary, *args]
        command = args[0]
        if self._cancelled.is_set():
            raise TerraformInterrupted(f"terraform {command} was cancelled before it started; nothing changed")
        run = _StreamedRun()
        consumer_error: BaseException | None = None
        with self._open_log() as log, _forward_interrupts(self.cancel):
            _log_header(log, argv, self.workdir)
            output_begins = os.fstat(log.fileno()).st_size
            process = self._start(argv, log)
            try:
                if self._cancelled.is_set():  # interrupted while it was starting
                    self.cancel()
                for line in _follow(self.log_file, output_begins, process):
                    event = parse_line(line)
                    run.record(event)
                    if on_event is None or consumer_error is not None:
                        continue
                    try:
                        on_event(event)
                    except BaseException as error:  # noqa: BLE001 -- raised once Terraform has stopped
                        # The consumer failed (a closed terminal, say): stop Terraform cleanly, follow it to its
                        # end, then pass that on.
                        consumer_error = error
                        self.cancel(f"an error showing its progress ({type(error).__name__}: {error})")
                run.exit_code = process.wait()
            finally:
                with self._lock:
                    self._process = None
                if self.lock is not None:
                    self.lock.child_ended()
            log.write(f"=== exit code {run.exit_code}\n")
        if consumer_error is not None and not self._interrupt_sent:
            raise consumer_error  # Terraform had already finished: nothing was interrupted
        try:
            self._raise_for(command, run, ok_codes)
        except TerraformInterrupted as interrupted:
            if consumer_error is not None:
                raise interrupted from consumer_error
            raise
        return run

    def _check_workdir(self) -> None:
        if not self.workdir.is_dir():
            raise TerraformError(f"the Terraform working directory {self.workdir} does not exist; "
                                 "render the cluster first")

    def _start(self, argv: list[str], log: IO[str]) -> subprocess.Popen[bytes]:
        with self._lock:
            self._interrupt_sent = False
            self._killed = False
            try:
                # Its own process group: a terminal's Ctrl-C and hang-up reach only us, and we forward one SIGINT.
                # Its output goes to the log, which it can write even once we are gone.
                self._process = subprocess.Popen(
                    argv, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, umask=RUN_UMASK, process_group=0,
                    pass_fds=() if self.lock is None else (self.lock.descriptor,))
            except FileNotFoundError as exc:
                raise _not_installed(argv[0]) from exc
            if self.lock is not None:
                self.lock.record_child(self._process.pid, " ".join(["terraform", *argv[1:2]]), self.log_file)
            return self._process

    def _kill(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            if process.poll() is None:
                self._killed = True
                os.killpg(process.pid, signal.SIGKILL)

    def _raise_for(self, command: str, run: _StreamedRun, ok_codes: Sequence[int]) -> None:
        if self._killed:
            raise TerraformError(
                f"Terraform did not stop within {self.stop_grace_seconds:.0f} s of the interrupt and was killed; "
                f"its state in {self.workdir} may miss resources it was creating: run a plan to see what "
                f"it knows, and check the AWS console for resources tagged with the cluster name")
        if self._interrupt_sent:
            self._raise_interrupted(command, run, run.exit_code in ok_codes)
        if run.exit_code in ok_codes:
            return
        errors = [d for d in run.diagnostics if d.severity == "error"]
        if any(d.summary.startswith("Error acquiring the state lock") for d in errors):
            raise TerraformError(self._state_lock_held())
        details = "\n\n".join(d.text for d in errors) or "\n".join(run.text_lines[-20:])
        hints = dict.fromkeys(hint for d in errors if (hint := hint_for(f"{d.summary}\n{d.detail}")))
        if hints:  # the same advice as the app's problem list gives
            what_to_do = "".join(f"{hint.problem} {hint.fix}\n" for hint in hints) + "The full output is in"
        else:
            what_to_do = "Fix the problem above and run it again; the full output is in"
        raise TerraformRunFailed(
            f"terraform {command} failed (exit code {run.exit_code}):\n{details}\n\n{what_to_do} {self.log_file}",
            command, run.exit_code, errors)

    def _raise_interrupted(self, command: str, run: _StreamedRun, completed: bool) -> None:
        """What an interrupted run did: Terraform ignores an interrupt that comes before its work begins and then
        finishes it all, which must be said as plainly as a stop midway."""
        done = run.done_text()
        if completed and command == "apply":
            raise TerraformInterrupted(
                f"terraform apply was interrupted by {self._stop_reason}, but Terraform finished what it had "
                f"started: {done or 'no change was left to make'}. The whole plan is applied; nothing was left "
                "half-made", completed=True)
        if completed:
            raise TerraformInterrupted(f"terraform {command} was interrupted by {self._stop_reason}; it changed "
                                       "nothing in AWS", completed=True)
        so_far = f" after {done}" if done else ""
        raise TerraformInterrupted(
            f"terraform {command} was interrupted by {self._stop_reason}; Terraform stopped cleanly{so_far} and "
            f"saved its state in {self.workdir}. Run it again to continue, or destroy the cluster to remove what "
            "was created")

    def _state_lock_held(self) -> str:
        """Terraform's own state lock is held by a Terraform clusterwiz did not start (the cluster's lock keeps out
        any clusterwiz): who, since when, and what to do, instead of Terraform's advice to pass -lock=false."""
        try:
            info = json.loads((self.workdir / STATE_LOCK_INFO).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        who = f"`terraform {info.get('Operation', '?').removeprefix('Operation')}` by {info.get('Who', '?')}" \
              f", since {info.get('Created', '?')}"
        return (f"the Terraform state in {self.workdir} is locked by a Terraform that clusterwiz did not start "
                f"({who}); is one running there by hand? Let it finish, then try again. Never pass -lock=false: "
                "two Terraforms on one state create the same resources twice")

    def _open_log(self) -> IO[str]:
        if self._fresh_log:
            self._fresh_log = False
            if self.log_file.exists():
                os.replace(self.log_file, self.log_file.with_name(self.log_file.name + PREVIOUS_LOG_SUFFIX))
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return os.fdopen(descriptor, "a", encoding="utf-8")


@dataclass
class _StreamedRun:
    """What a streaming run reported, gathered for its result and its error message."""

    exit_code: int = 0
    summary: ChangeSummary | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)
    done: dict[str, int] = field(default_factory=dict)  # resources finished, by action

    def record(self, event: Event) -> None:
        if isinstance(event, ResourceDone):
            self.done[event.action] = self.done.get(event.action, 0) + 1
        elif isinstance(event, ChangeSummary):
            self.summary = event
        elif isinstance(event, Outputs):
            self.outputs = event.values()
        elif isinstance(event, Diagnostic):
            self.diagnostics.append(event)
        elif isinstance(event, Log) and event.type == "text":
            self.text_lines.append(event.message)

    def done_text(self) -> str:
        """What the run finished, e.g. '3 created, 1 destroyed'; empty when nothing."""
        return ", ".join(f"{count} {DONE_WORDS[action]}" for action, count in self.done.items() if action in DONE_WORDS)


class _Finished:
    """Marks the end of an EventStream's queue."""


class EventStream(Generic[T]):
    """Events of one runner operation, as an iterator; `result` holds its return value afterwards.

    The operation runs in a thread; Ctrl-C (SIGTERM, a hang-up) on the main thread cancels it cleanly, and the run's
    error (TerraformInterrupted among them) is raised at the end of the loop. Leaving the loop early
    (or closing the iterator) cancels the run too and returns once Terraform has stopped.
    """

    def __init__(self, runner: TerraformRunner, operation: Callable[..., T], args: Sequence[Any]):
        self._runner = runner
        self._operation = operation
        self._args = args
        self._result: T | None = None
        self._error: BaseException | None = None

    @property
    def result(self) -> T:
        if self._result is None:
            raise RuntimeError("iterate the EventStream to the end before reading its result")
        return self._result

    def __iter__(self) -> Iterator[Event]:
        items: queue.SimpleQueue[Event | _Finished] = queue.SimpleQueue()

        def work() -> None:
            try:
                self._result = self._operation(*self._args, on_event=items.put)
            except BaseException as exc:  # handed to the iterating thread, which raises it
                self._error = exc
            finally:
                items.put(_Finished())

        worker = threading.Thread(target=work, name="terraform-events", daemon=True)
        worker.start()
        finished = False
        with _forward_interrupts(self._runner.cancel):
            try:
                while not finished:
                    item = items.get()
                    if isinstance(item, _Finished):
                        finished = True
                    else:
                        yield item
            finally:
                if not finished:
                    self._runner.cancel()
                worker.join()
        if self._error is not None:
            raise self._error


class _forward_interrupts:
    """While a run goes on the main thread, Ctrl-C, SIGTERM and a hang-up cancel it cleanly instead of ending us."""

    def __init__(self, cancel: Callable[[str], None]):
        self._cancel = cancel
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for number in STOP_SIGNALS:
                self._previous[number] = signal.signal(number, self._stop)

    def _stop(self, number: int, _frame: object) -> None:
        self._cancel(STOP_SIGNALS[signal.Signals(number)])

    def __exit__(self, *_exc: object) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)


def _follow(path: Path, offset: int, process: subprocess.Popen[bytes]) -> Iterator[str]:
    """The lines `process` appends to the file at `path` from `offset` on, as it writes them, until it exits."""
    with open(path, "rb") as source:
        source.seek(offset)
        partial = b""
        while True:
            exited = process.poll() is not None  # before reading: what it wrote before exiting is read below
            chunk = source.read()
            lines = (partial + chunk).split(b"\n")
            partial = lines.pop()
            for line in lines:
                yield line.decode("utf-8", "replace") + "\n"
            if exited:
                if partial:
                    yield partial.decode("utf-8", "replace")
                return
            if not chunk:
                time.sleep(FOLLOW_POLL_SECONDS)


def _log_header(log: IO[str], argv: Sequence[str], workdir: Path) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    log.write(f"=== {stamp} {' '.join(argv)} (in {workdir})\n")
    log.flush()


def _not_installed(binary: str) -> TerraformError:
    return TerraformError(f"Terraform is not installed (no {binary!r} found); {INSTALL_HINT}")


def _parse_version(text: str) -> tuple[int, int, int] | None:
    try:
        raw = str(json.loads(text)["terraform_version"])
    except (ValueError, KeyError, TypeError):
        raw = text  # Terraform before 0.13 answers `version -json` in plain text
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", raw)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None
