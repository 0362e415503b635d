"""The runner against the real terraform binary, on configs of built-in resources."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from clusterwiz.core.events import ChangeSummary, Diagnostic, Event, PlannedChange, ResourceDone, ResourceStarted
from clusterwiz.core.terraform import TerraformRunFailed
from tests.runner.conftest import QUICK_CONFIG


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_plan_apply_output_destroy_stream_typed_events(make_runner, workdir: Path):
    runner = make_runner(QUICK_CONFIG)
    runner.init()
    planned: list[Event] = []
    plan = runner.plan(planned.append)

    assert plan.has_changes and plan.summary is not None and plan.summary.add == 2
    assert sorted(e.address for e in planned if isinstance(e, PlannedChange)) == [
        "terraform_data.item[0]", "terraform_data.item[1]"]

    applied: list[Event] = []
    result = runner.apply(plan, applied.append)

    started = {e.address for e in applied if isinstance(e, ResourceStarted)}
    done = [e for e in applied if isinstance(e, ResourceDone)]
    assert started == {"terraform_data.item[0]", "terraform_data.item[1]"}
    assert {e.address for e in done} == started and all(e.id for e in done)
    assert result.summary is not None and (result.summary.add, result.summary.operation) == (2, "apply")
    assert result.outputs == {"inputs": ["item-0", "item-1"]}  # sensitive outputs stay out of events
    assert runner.output() == {"inputs": ["item-0", "item-1"], "secret": "s3cr3t"}

    destroyed: list[Event] = []
    runner.destroy(destroyed.append)
    summaries = [e for e in destroyed if isinstance(e, ChangeSummary)]
    assert [(s.operation, s.remove) for s in summaries] == [("plan", 2), ("apply", 2)]
    assert runner.output() == {}


def test_plan_without_changes_is_not_an_error_and_destroy_of_nothing_applies_nothing(make_runner):
    runner = make_runner('output "greeting" { value = "hi" }\n')
    runner.init()
    runner.apply(runner.plan())

    assert runner.plan().has_changes is False
    result = runner.destroy()
    assert result.summary is not None and result.summary.total == 0


def test_iterator_gives_the_same_events_and_the_result(make_runner):
    runner = make_runner(QUICK_CONFIG)
    runner.init()
    stream = runner.stream(runner.plan)
    events = list(stream)

    assert any(isinstance(e, PlannedChange) for e in events)
    assert stream.result.has_changes


def test_state_plan_and_log_are_private_and_the_plan_file_is_gone_after_apply(make_runner, workdir: Path):
    runner = make_runner(QUICK_CONFIG)
    runner.init()
    plan = runner.plan()
    assert mode(plan.plan_file) == 0o600
    runner.apply(plan)

    assert not plan.plan_file.exists()
    assert mode(workdir / "terraform.tfstate") == 0o600
    assert mode(runner.log_file) == 0o600


def test_every_run_is_appended_to_the_log(make_runner):
    runner = make_runner(QUICK_CONFIG)
    runner.init()
    runner.apply(runner.plan())
    runner.plan()

    log = runner.log_file.read_text()
    commands = [line.split()[2:4] for line in log.splitlines() if line.startswith("=== 20")]
    assert [c[1] for c in commands] == ["version", "init", "plan", "apply", "plan"]
    assert '"type":"apply_complete"' in log and log.count("=== exit code") == 5


def test_environment_is_passed_through_with_automation_settings(make_runner, workdir: Path):
    config = """
    variable "greeting" { type = string }
    resource "terraform_data" "env" {
      provisioner "local-exec" {
        command = "echo -n $AWS_ENDPOINT_URL,$TF_IN_AUTOMATION,$CHECKPOINT_DISABLE > env.txt"
      }
    }
    output "greeting" { value = var.greeting }
    """
    env = {**os.environ, "TF_VAR_greeting": "hello", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    runner = make_runner(config, env=env)
    runner.init()
    result = runner.apply(runner.plan())

    assert (workdir / "env.txt").read_text() == "http://127.0.0.1:9,1,1"
    assert result.outputs == {"greeting": "hello"}


def test_a_failed_apply_raises_with_terraforms_diagnostics_and_the_log_path(make_runner):
    runner = make_runner("""
    resource "terraform_data" "fails" {
      provisioner "local-exec" {
        command = "echo boom >&2; exit 3"
      }
    }
    """)
    runner.init()
    events: list[Event] = []
    with pytest.raises(TerraformRunFailed) as failure:
        runner.apply(runner.plan(), events.append)

    error = failure.value
    assert (error.command, error.exit_code) == ("apply", 1)
    assert [d.summary for d in error.diagnostics] == ["local-exec provisioner error"]
    assert "Error: local-exec provisioner error" in str(error) and "exit status 3" in str(error)
    assert str(runner.log_file) in str(error)
    assert any(isinstance(e, Diagnostic) for e in events)  # consumers saw it as it happened


def test_a_failure_on_aws_side_says_so_and_to_try_again(make_runner):
    """What the provider says once its retries of AWS's 500 run out, as a failing provisioner's output: the message
    gives the hint the app's problem list gives, not "fix the problem above"."""
    said_by_the_provider = ("operation error EC2: CreateVpc, https response error StatusCode: 500, api error "
                            "InternalError: We encountered an internal error.")
    runner = make_runner(f"""
    resource "terraform_data" "vpc" {{
      provisioner "local-exec" {{
        command = "echo '{said_by_the_provider}' >&2; exit 1"
      }}
    }}
    """)
    runner.init()
    with pytest.raises(TerraformRunFailed) as failure:
        runner.apply(runner.plan())

    said = str(failure.value)
    assert ("AWS had an internal error: the failure is on AWS's side, not in your cluster spec. Try again in a "
            f"minute; if it keeps failing, look for the region's service in the AWS Health Dashboard.\nThe full "
            f"output is in {runner.log_file}") in said
    assert "Fix the problem above" not in said


def test_a_configuration_error_points_at_the_file_and_line(make_runner):
    runner = make_runner('variable "x" {\n  type = numbr\n}\n')
    with pytest.raises(TerraformRunFailed) as failure:
        runner.plan()

    assert "Error: Invalid type specification" in str(failure.value)
    assert "on main.tf line 2" in str(failure.value)


def test_plan_file_content_is_what_gets_applied(make_runner, workdir: Path):
    runner = make_runner(QUICK_CONFIG)
    runner.init()
    plan = runner.plan()
    (workdir / "main.tf").write_text("")  # the config changes after the plan was shown

    runner.apply(plan)
    state = json.loads((workdir / "terraform.tfstate").read_text())
    assert len(state["resources"][0]["instances"]) == 2
