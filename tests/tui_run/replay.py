"""A ClusterTerraform whose Terraform replays the output recorded by record_streams.py, line by line.

Every line goes through the real parser (core.events.parse_line); runs end as the recorded ones did:
a failed apply raises TerraformRunFailed with the stream's error diagnostics, an interrupted one waits
at the recorded point for cancel() and then raises TerraformInterrupted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clusterwiz.core.events import ChangeSummary, Diagnostic, Event, parse_line
from clusterwiz.core.lifecycle import EventCallback, Workspace
from clusterwiz.core.terraform import (
    ApplyResult,
    PlanResult,
    TerraformInterrupted,
    TerraformRunFailed,
)
from clusterwiz.screens.cluster_terraform import LiveClusterTerraform

STREAMS = Path(__file__).parent / "streams"
CANCEL_WAIT_SECONDS = 30


def stream_events(stream: str) -> list[Event]:
    return [parse_line(line) for line in (STREAMS / f"{stream}.jsonl").read_text().splitlines()]


def stream_index() -> dict[str, dict[str, Any]]:
    return json.loads((STREAMS / "index.json").read_text())


class ReplayedTerraform(LiveClusterTerraform):
    """Plans replay `plan_stream` (or destroy-plan); applies replay `apply_stream` (or destroy-apply).
    Everything that is not Terraform (leftovers by tag, snapshots, the registry) is the live code, on the
    workspace given (moto's server in the tests)."""

    def __init__(self, workspace: Callable[[], Workspace], apply_stream: str = "apply-success",
                 plan_stream: str = "plan", hold_before_end: bool = False, streams: Path = STREAMS):
        super().__init__(workspace)
        self.streams = streams
        self.apply_stream = apply_stream
        self.plan_stream = plan_stream
        self.hold_before_end = hold_before_end  # keep each apply open until `release` is set
        self.release = threading.Event()
        self.calls: list[str] = []
        self.discarded: list[Path] = []
        self._interrupt = threading.Event()

    def plan(self, name: str, on_event: EventCallback, destroy: bool = False) -> PlanResult:
        stream = "destroy-plan" if destroy else self.plan_stream
        self.calls.append(f"plan {stream}")
        summary = self._replay(stream, on_event)
        return PlanResult(plan_file=Path(f"/replayed/{name}/{stream}.tfplan"), destroy=destroy,
                          has_changes=bool(summary and summary.total), summary=summary)

    def planned_values(self, plan: PlanResult) -> dict[str, Any]:
        return json.loads((STREAMS / "plan-show.json").read_text())

    def apply(self, name: str, plan: PlanResult, on_event: EventCallback) -> ApplyResult:
        stream = "destroy-apply" if plan.destroy else self.apply_stream
        self.calls.append(f"apply {stream}")
        summary = self._replay(stream, on_event, hold=self.hold_before_end)
        return ApplyResult(summary=summary)

    def discard(self, plan: PlanResult) -> None:
        self.discarded.append(plan.plan_file)

    def cancel(self) -> None:
        self._interrupt.set()

    def _replay(self, stream: str, on_event: EventCallback, hold: bool = False) -> ChangeSummary | None:
        recorded = stream_index().get(stream, {"outcome": "ok"})
        lines = (self.streams / f"{stream}.jsonl").read_text().splitlines()
        cancel_after = recorded.get("cancel_after")
        summary = None
        errors: list[Diagnostic] = []
        for number, line in enumerate(lines, start=1):
            event = parse_line(line)
            if isinstance(event, ChangeSummary):
                summary = event
            if isinstance(event, Diagnostic) and event.severity == "error":
                errors.append(event)
            on_event(event)
            if number == cancel_after and not self._interrupt.wait(CANCEL_WAIT_SECONDS):
                raise AssertionError(f"{stream}: nobody cancelled the run at line {number}")
        if hold:
            self.release.wait(CANCEL_WAIT_SECONDS)
        if recorded["outcome"] == "failed":
            raise TerraformRunFailed(f"terraform apply failed:\n{errors[0].text if errors else ''}", "apply", 1,
                                     errors)
        if recorded["outcome"] == "interrupted":
            raise TerraformInterrupted("terraform apply was interrupted; Terraform stopped cleanly and saved its "
                                       "state. Run it again to continue, or destroy the cluster to remove what "
                                       "was created")
        return summary
