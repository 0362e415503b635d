"""Parsing Terraform's machine-readable UI lines (as Terraform 1.11 writes them) into typed events."""

from __future__ import annotations

import json

from clusterwiz.core.events import (
    ChangeSummary,
    Diagnostic,
    Log,
    Outputs,
    PlannedChange,
    ResourceDone,
    ResourceErrored,
    ResourceProgress,
    ResourceStarted,
    parse_line,
)

RESOURCE = {"addr": "module.net.aws_vpc.this[0]", "module": "module.net", "resource": "aws_vpc.this[0]",
            "implied_provider": "aws", "resource_type": "aws_vpc", "resource_name": "this", "resource_key": 0}


def line(kind: str, message: str = "m", level: str = "info", **body: object) -> str:
    return json.dumps({"@level": level, "@message": message, "@module": "terraform.ui",
                       "@timestamp": "2026-11-21T05:04:47.311328Z", "type": kind, **body}) + "\n"


def test_apply_hooks_become_resource_events_with_address_module_action_elapsed_and_id():
    started = parse_line(line("apply_start", "module.net.aws_vpc.this[0]: Creating...",
                              hook={"resource": RESOURCE, "action": "create"}))
    progress = parse_line(line("apply_progress", hook={"resource": RESOURCE, "action": "create",
                                                      "elapsed_seconds": 10}))
    done = parse_line(line("apply_complete", hook={"resource": RESOURCE, "action": "create", "id_key": "id",
                                                   "id_value": "vpc-0123", "elapsed_seconds": 12}))
    errored = parse_line(line("apply_errored", level="info",
                              hook={"resource": RESOURCE, "action": "delete", "elapsed_seconds": 3}))

    assert started == ResourceStarted(message="module.net.aws_vpc.this[0]: Creating...", address=RESOURCE["addr"],
                                      module="module.net", resource_type="aws_vpc", action="create")
    assert isinstance(progress, ResourceProgress) and progress.elapsed == 10.0
    assert isinstance(done, ResourceDone) and (done.id, done.elapsed) == ("vpc-0123", 12.0)
    assert isinstance(errored, ResourceErrored) and errored.action == "delete"


def test_plan_lines_become_planned_changes_and_a_summary():
    change = parse_line(line("planned_change", change={"resource": RESOURCE, "action": "replace"}))
    summary = parse_line(line("change_summary", "Plan: 3 to add, 1 to change, 2 to destroy.",
                              changes={"add": 3, "change": 1, "import": 0, "remove": 2, "operation": "plan"}))

    assert change == PlannedChange(message="m", address=RESOURCE["addr"], module="module.net",
                                   resource_type="aws_vpc", action="replace")
    assert isinstance(summary, ChangeSummary)
    assert (summary.add, summary.change, summary.remove, summary.operation, summary.total) == (3, 1, 2, "plan", 6)


def test_diagnostic_keeps_fields_and_lays_out_the_full_text_like_terraform():
    event = parse_line(line("diagnostic", "Error: Invalid type specification", level="error", diagnostic={
        "severity": "error", "summary": "Invalid type specification",
        "detail": 'The keyword "numbr" is not a valid type specification.',
        "range": {"filename": "bad.tf", "start": {"line": 1, "column": 23}, "end": {"line": 1, "column": 28}},
        "snippet": {"context": 'variable "x"', "code": 'variable "x" { type = numbr }', "start_line": 1}}))

    assert isinstance(event, Diagnostic)
    assert (event.severity, event.summary, event.address) == ("error", "Invalid type specification", None)
    assert event.text == ('Error: Invalid type specification\n\n  on bad.tf line 1, in variable "x":\n'
                          '  1: variable "x" { type = numbr }\n\n'
                          'The keyword "numbr" is not a valid type specification.')


def test_diagnostic_about_a_resource_names_it():
    event = parse_line(line("diagnostic", level="error", diagnostic={
        "severity": "error", "summary": "creating EC2 VPC", "detail": "api error", "address": "aws_vpc.main"}))

    assert isinstance(event, Diagnostic) and event.address == "aws_vpc.main"
    assert event.text == "Error: creating EC2 VPC\n\n  with aws_vpc.main\n\napi error"


def test_outputs_after_apply_give_values_but_hide_sensitive_ones():
    event = parse_line(line("outputs", outputs={
        "ids": {"sensitive": False, "type": ["list", "string"], "value": ["a", "b"]},
        "secret": {"sensitive": True, "type": "string"},
        "planned": {"sensitive": False, "action": "create"}}))

    assert isinstance(event, Outputs)
    assert event.values() == {"ids": ["a", "b"]}
    assert event.outputs["secret"].sensitive and not event.outputs["secret"].known
    assert event.outputs["planned"].action == "create"


def test_unknown_types_keep_their_message_and_level():
    event = parse_line(line("resource_drift", "aws_vpc.main: Drift detected (update)", level="warn"))
    assert event == Log(type="resource_drift", message="aws_vpc.main: Drift detected (update)", level="warn")


def test_a_known_type_in_an_unexpected_shape_is_kept_as_a_log():
    assert parse_line(line("apply_start", "odd", hook={"no_resource": True})) == Log(type="apply_start",
                                                                                   message="odd")


def test_lines_that_are_not_json_objects_are_text_logs():
    assert parse_line("panic: runtime error\n") == Log(type="text", message="panic: runtime error")
    assert parse_line("[1, 2]\n") == Log(type="text", message="[1, 2]")
