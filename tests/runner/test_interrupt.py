"""Interrupting an apply: Terraform gets one SIGINT, stops cleanly, and its state stays whole and unlocked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from clusterwiz.core.errors import TerraformError
from clusterwiz.core.events import Event, ResourceStarted
from clusterwiz.core.terraform import TerraformInterrupted, TerraformRunner
from tests.runner.conftest import SLOW_CONFIG

REPOSITORY = Path(__file__).resolve().parents[2]


def state_addresses(workdir: Path) -> set[str]:
    state = json.loads((workdir / "terraform.tfstate").read_text())
    return {f"{r['type']}.{r['name']}[{i['index_key']}]" if "index_key" in i else f"{r['type']}.{r['name']}"
            for r in state["resources"] for i in r["instances"]}


def assert_state_intact_and_unlocked(workdir: Path, runner: TerraformRunner) -> None:
    assert not (workdir / ".terraform.tfstate.lock.info").exists()
    assert {"terraform_data.fast[0]", "terraform_data.fast[1]", "terraform_data.fast[2]"} <= state_addresses(workdir)
    assert "terraform_data.after" not in state_addresses(workdir)
    # The next run takes the lock and plans what is left; then everything can still be destroyed.
    plan = runner.plan()
    assert plan.has_changes and plan.summary is not None and plan.summary.add >= 1
    runner.destroy()
    assert state_addresses(workdir) == set()


def test_cancel_stops_an_apply_cleanly(make_runner, workdir: Path):
    runner = make_runner(SLOW_CONFIG)
    runner.init()
    plan = runner.plan()

    def cancel_once_slow_work_started(event: Event) -> None:
        if isinstance(event, ResourceStarted) and event.address.startswith("terraform_data.slow"):
            threading.Timer(0.5, runner.cancel).start()  # as a TUI's cancel button would, from another thread

    began = time.monotonic()
    with pytest.raises(TerraformInterrupted, match="stopped cleanly"):
        runner.apply(plan, cancel_once_slow_work_started)

    assert time.monotonic() - began < 25  # it did not wait for the 30 s provisioners
    assert_state_intact_and_unlocked(workdir, runner)


def test_leaving_an_event_iterator_early_stops_terraform_cleanly(make_runner, workdir: Path):
    runner = make_runner(SLOW_CONFIG)
    runner.init()
    plan = runner.plan()
    events = iter(runner.stream(runner.apply, plan))
    for event in events:
        if isinstance(event, ResourceStarted) and event.address.startswith("terraform_data.slow"):
            break
    events.close()  # returns once Terraform has stopped

    assert_state_intact_and_unlocked(workdir, runner)


CTRL_C_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from clusterwiz.core.events import ResourceStarted
    from clusterwiz.core.terraform import TerraformInterrupted, TerraformRunner

    runner = TerraformRunner(Path(sys.argv[1]), Path(sys.argv[2]))
    plan = runner.plan()
    announced = []

    def announce(event):
        if isinstance(event, ResourceStarted) and event.address.startswith("terraform_data.slow") and not announced:
            announced.append(event)
            print("slow-started", flush=True)

    try:
        if sys.argv[3] == "callback":
            runner.apply(plan, announce)
        else:
            for event in runner.stream(runner.apply, plan):
                announce(event)
    except TerraformInterrupted as exc:
        print("interrupted:", exc, flush=True)
        sys.exit(3)
""")


@pytest.mark.parametrize("consumer", ["callback", "iterator"])
def test_ctrl_c_in_a_terminal_is_forwarded_once_and_waits_for_terraform(make_runner, workdir: Path,
                                                                         consumer: str):
    runner = make_runner(SLOW_CONFIG)
    runner.init()
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY / "tui")}
    child = subprocess.Popen([sys.executable, "-c", CTRL_C_SCRIPT, str(workdir), str(runner.log_file), consumer],
                             stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "slow-started"
    time.sleep(0.5)
    # A terminal sends SIGINT to its foreground process group; Terraform runs in its own, so only we get it.
    child.send_signal(signal.SIGINT)
    time.sleep(0.2)
    child.send_signal(signal.SIGINT)  # an impatient second Ctrl-C must not make Terraform abandon its state
    out, _ = child.communicate(timeout=60)

    assert child.returncode == 3, out
    assert out.startswith("interrupted:")
    assert runner.log_file.read_text().count("Interrupt received") == 1
    assert "Two interrupts received" not in runner.log_file.read_text()
    assert_state_intact_and_unlocked(workdir, runner)


STUBBORN_TERRAFORM = """#!/bin/sh
if [ "$1" = version ]; then echo '{"terraform_version": "1.11.4"}'; exit 0; fi
trap '' INT
echo '{"type": "log", "@level": "info", "@message": "working"}'
sleep 60
"""


def test_a_terraform_that_ignores_the_interrupt_is_killed_only_after_the_grace_period(tmp_path: Path):
    # Real Terraform always honours SIGINT, so this one stand-in plays a process that never stops.
    binary = tmp_path / "terraform"
    binary.write_text(STUBBORN_TERRAFORM)
    binary.chmod(0o755)
    runner = TerraformRunner(tmp_path, tmp_path / "run.log", binary=str(binary), stop_grace_seconds=2)

    began = time.monotonic()
    with pytest.raises(TerraformError, match="did not stop within 2 s of the interrupt and was killed"):
        runner.plan(lambda event: runner.cancel())

    assert 2 <= time.monotonic() - began < 20
