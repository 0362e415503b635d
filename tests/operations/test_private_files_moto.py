"""What clusterwiz leaves on disk (issue 21 item 12), after the real commands with the real Terraform against moto:
everything under the home is owner-only, the run log keeps the last command and one before, and a plan is applied
only by the process that made it: one left by a killed run is removed by the next command."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from clusterwiz.core.lifecycle import Workspace, terraform_session
from clusterwiz.core.provider import LOCK_FILE as PROVIDER_LOCK_FILE
from clusterwiz.core.registry import LOCK_FILE, Registry
from clusterwiz.core.settings import Settings
from tests.operations.test_interrupted_apply_moto import apply_has_started
from tests.operations.test_operations_moto import prepare_account, write_spec
from tests.support.cli import clusterwiz
from tests.support.jobs import TerminalJob, terraform_processes

pytestmark = [pytest.mark.terraform, pytest.mark.moto]


def rendered(tmp_path: Path, name: str) -> Path:
    ami_id, _ = prepare_account()
    home = tmp_path / "home"
    clusterwiz(home, "render", "--config", str(write_spec(tmp_path / "cluster.yaml", name, ami_id)))
    return home


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_everything_under_the_home_is_owner_only_after_render_and_plan(moto, terraform_cli_config, tmp_path):
    home = rendered(tmp_path, "private")
    clusterwiz(home, "plan", "private")

    record = Registry(home).get("private")
    for named in (home, home / "aws", home / "cache", record.workdir / "modules"):
        assert mode(named) == 0o700, named
    for named in (record.workdir / PROVIDER_LOCK_FILE, record.directory / LOCK_FILE, record.log_file()):
        assert mode(named) == 0o600, named
    readable = []
    for directory, names, files in os.walk(home):
        for path in [Path(directory, name) for name in (*names, *files)]:
            if path.is_symlink():  # the provider's links into the plugin cache and the mirror; a link has no mode
                continue
            if mode(path) != (0o700 if path.is_dir() else 0o600):
                readable.append(f"{mode(path):o} {path.relative_to(home)}")
    assert readable == []


def test_the_log_keeps_the_last_command_and_the_one_before(moto, terraform_cli_config, tmp_path):
    home = rendered(tmp_path, "chatty")
    for _ in range(4):
        clusterwiz(home, "plan", "chatty")

    log_file = Registry(home).get("chatty").log_file()
    previous = log_file.with_name("terraform.log.1")
    assert sorted(path.name for path in log_file.parent.glob("terraform.log*")) == ["terraform.log", "terraform.log.1"]
    for log in (log_file, previous):
        assert log.read_text().count(" plan -json ") == 1 and mode(log) == 0o600
    assert "=== exit code 0" in log_file.read_text()  # what the last command printed, to its end


def test_a_plan_left_by_a_killed_run_is_removed_by_the_next_command(moto, terraform_cli_config, tmp_path):
    """Killed with its Terraform, as a lost machine or the OOM killer would: nothing of it runs on to clean up."""
    home = rendered(tmp_path, "killed")
    record = Registry(home).get("killed")
    with TerminalJob(home, "--json", "apply", "--yes", "killed") as job:
        job.wait_until(lambda: apply_has_started(record.log_file()), 300, "the apply's Terraform starting")
        job.signal(signal.SIGKILL)
        for orphan in terraform_processes(record.workdir):
            os.kill(orphan, signal.SIGKILL)
        job.wait(30)
    [stale] = record.workdir.glob("*.tfplan")

    clusterwiz(home, "plan", "killed")
    assert not stale.exists()
    assert list(record.workdir.glob("*.tfplan")) == []


def test_a_plan_waiting_for_its_apply_is_never_taken_by_another_command(moto, terraform_cli_config, tmp_path):
    """As the app's plan screen holds a plan while the user reads it, and a headless plan runs meanwhile: each
    command applies only the plan it made."""
    home = rendered(tmp_path, "waiting")
    workspace = Workspace.open(Settings.from_options(home=str(home)))
    with terraform_session(workspace, "waiting") as (_record, runner):
        shown = runner.plan()
    planned = shown.plan_file.read_bytes()

    clusterwiz(home, "plan", "waiting")  # plans, and removes its own plan when it ends
    assert shown.plan_file.read_bytes() == planned
    shown.plan_file.unlink()
