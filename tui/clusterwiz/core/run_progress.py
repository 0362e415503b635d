"""Where an apply or destroy stands, built from Terraform's event stream: what the run screens show.

Pure bookkeeping, no UI: one row per resource address (what it is, action, status, elapsed, AWS id),
done/total, the full log, the diagnostics, and — when a run stops early — what exists now.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from clusterwiz.core.events import (
    Diagnostic,
    Event,
    Outputs,
    PlannedChange,
    ResourceDone,
    ResourceErrored,
    ResourceEvent,
    ResourceProgress,
    ResourceStarted,
)
from clusterwiz.core.hints import Hint, hint_for
from clusterwiz.core.resource_names import ResourceName, build_order, describe

Outcome = Literal["running", "done", "failed", "interrupted"]
# Planned actions that change nothing in AWS: not counted, not shown as work to do.
IDLE_ACTIONS = ("noop", "read")
WORKING_WORDS = {"create": "creating", "update": "updating", "delete": "destroying", "replace": "replacing"}
CREATING_ACTIONS = ("create", "update", "replace")
# Every status a row can show, for a column as wide as the widest of them from the start.
STATUSES = ("waiting", *WORKING_WORDS.values(), "working", "done", "failed", "stopped")

# The run table's columns, left to right: (key, label).
COLUMNS = (("what", "What"), ("action", "Action"), ("status", "Status"), ("elapsed", "Elapsed"), ("id", "AWS id"),
           ("address", "Address"))
FULL_AWS_ID = len("subnet-0123456789abcdef0")  # the longest of the usual ids; an instance's or a volume's is shorter
LONG_AWS_ID = len("demo-compute-20261121052944991800000001")  # an IAM role's name; longer ids are cut
SHORTEST_NAME = 12  # a resource's name is cut to no less than this


def column_widths(room: int, names: Iterable[str]) -> dict[str, int]:
    """How wide each column but the last (the address, as wide as it is) is, in cells of text, when `room` cells are
    there for them: action, status and elapsed as wide as anything they show; then a whole AWS id, the resource's
    name what it needs of the rest (cut first, as at 80 columns), and the id whatever is left, up to LONG_AWS_ID.
    Fixed for a set of names and a width, so the table does not change shape as a run fills its ids in."""
    labels = dict(COLUMNS)
    widths = {"action": max(len(labels["action"]), *map(len, WORKING_WORDS)),
              "status": max(len(labels["status"]), *map(len, STATUSES)),
              "elapsed": len(labels["elapsed"])}
    left = room - sum(widths.values())
    whole_id = max(len(labels["id"]), min(FULL_AWS_ID, left - SHORTEST_NAME))
    needed = max(len(labels["what"]), *map(len, names), 0)
    widths["what"] = max(SHORTEST_NAME, min(needed, left - whole_id))
    widths["id"] = max(whole_id, min(LONG_AWS_ID, left - widths["what"]))
    return widths


@dataclass
class ResourceRow:
    address: str
    name: ResourceName
    action: str
    status: str = "waiting"  # one of STATUSES
    started: float | None = None  # clock reading when Terraform started it
    elapsed: float | None = None  # seconds, as Terraform last reported them
    aws_id: str | None = None

    def elapsed_at(self, now: float) -> float | None:
        """Seconds spent so far: Terraform's own figure when done, the clock's while it is working."""
        if self.status in WORKING_WORDS.values() and self.started is not None:
            return max(now - self.started, self.elapsed or 0.0)
        return self.elapsed


@dataclass(frozen=True)
class Failure:
    diagnostic: Diagnostic
    resource: ResourceName | None  # what failed: the diagnostic's address, else the one resource that failed
    hint: Hint | None


@dataclass
class RunProgress:
    """One apply or destroy (operation "apply" or "destroy"), as the events describe it."""

    operation: str
    clock: Callable[[], float] = time.monotonic
    rows: dict[str, ResourceRow] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome = "running"
    message: str = ""
    started: float = 0.0
    ended: float | None = None

    def __post_init__(self) -> None:
        self.started = self.clock()

    @classmethod
    def planned(cls, operation: str, changes: Iterable[PlannedChange],
                clock: Callable[[], float] = time.monotonic) -> RunProgress:
        progress = cls(operation, clock=clock)
        for change in changes:
            progress.handle(change)
        return progress

    def in_order(self) -> list[ResourceRow]:
        """The rows in the order every view lists them (resource_names.build_order), the same at every run."""
        return sorted(self.rows.values(), key=lambda row: build_order(row.name))

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows.values() if row.status == "done")

    @property
    def destroyed(self) -> bool:
        """A destroy that ran to its end: what is left to show of the cluster is its line in the list (with any
        leftovers), not its dashboard."""
        return self.operation == "destroy" and self.outcome == "done"

    def elapsed(self) -> float:
        return (self.ended if self.ended is not None else self.clock()) - self.started

    def handle(self, event: Event) -> ResourceRow | None:
        """Take in one event; returns the row it changed, if any."""
        self.log.append(getattr(event, "text", None) or event.message)
        if isinstance(event, PlannedChange):
            if event.action in IDLE_ACTIONS:
                return None
            return self._row(event.address, event.action)
        if isinstance(event, ResourceEvent):
            if event.action in IDLE_ACTIONS:
                return None
            return self._resource_event(event)
        if isinstance(event, Diagnostic):
            self.diagnostics.append(event)
        elif isinstance(event, Outputs):
            self.outputs = event.values()
        return None

    def _row(self, address: str, action: str) -> ResourceRow:
        row = self.rows.get(address)
        if row is None:
            row = self.rows[address] = ResourceRow(address=address, name=describe(address), action=action)
        return row

    def _resource_event(self, event: ResourceEvent) -> ResourceRow:
        row = self._row(event.address, event.action)
        row.action = event.action
        if event.id:
            row.aws_id = event.id
        if event.elapsed is not None:
            row.elapsed = event.elapsed
        if isinstance(event, ResourceStarted):
            row.status = WORKING_WORDS.get(event.action, "working")
            row.started = self.clock()
        elif isinstance(event, ResourceProgress):
            row.status = WORKING_WORDS.get(event.action, "working")
        elif isinstance(event, ResourceDone):
            row.status = "done"
        elif isinstance(event, ResourceErrored):
            row.status = "failed"
        return row

    def finish(self, outcome: Outcome, message: str = "") -> list[ResourceRow]:
        """The run ended; rows still being worked on stop. Returns the rows that changed."""
        self.outcome = outcome
        self.message = message
        self.ended = self.clock()
        stopped = [row for row in self.rows.values() if row.status in WORKING_WORDS.values()]
        for row in stopped:
            row.elapsed = row.elapsed_at(self.ended)
            row.status = "stopped"
        return stopped

    def failures(self) -> list[Failure]:
        """Each error diagnostic, with the resource it names (or the one that failed) and a hint."""
        failed = [row for row in self.rows.values() if row.status == "failed"]
        result = []
        for diagnostic in self.diagnostics:
            if diagnostic.severity != "error":
                continue
            if diagnostic.address:
                resource: ResourceName | None = describe(diagnostic.address)
            else:
                resource = failed[0].name if len(failed) == 1 else None
            result.append(Failure(diagnostic, resource, hint_for(f"{diagnostic.summary}\n{diagnostic.detail}")))
        return result

    def existing_now(self) -> tuple[list[ResourceRow], list[ResourceRow]]:
        """After a stop: (what surely exists, what may exist — Terraform was working on it)."""
        rows = self.in_order()
        if self.operation == "destroy":
            surely = [row for row in rows if row.status in ("waiting", "failed")]
            maybe = [row for row in rows if row.status == "stopped"]
        else:
            surely = [row for row in rows if row.status == "done" and row.action in CREATING_ACTIONS]
            # A create that failed or was stopped midway may have made the resource (Terraform taints it).
            maybe = [row for row in rows if row.status in ("stopped", "failed")]
        return surely, maybe
