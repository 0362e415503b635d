"""How a headless run shows Terraform's events: a rich progress display, or one JSON object per line."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from clusterwiz.core.events import (
    ChangeSummary,
    Diagnostic,
    Event,
    PlannedChange,
    ResourceDone,
    ResourceErrored,
    ResourceStarted,
)


def event_to_json(event: Event) -> dict[str, Any]:
    return {"type": type(event).__name__, **dataclasses.asdict(event)}


class JsonEvents:
    """Machine-readable: every event as a JSON line on stdout, as it arrives."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(event_to_json(event), default=str) + "\n")
        self.stream.flush()

    def __enter__(self) -> JsonEvents:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class TerminalProgress:
    """Resources done / total with the one being worked on; errors and warnings printed in full."""

    def __init__(self, console: Console, title: str, total: int | None = None):
        self.console = console
        self.title = title
        self.progress = Progress(
            TextColumn("[bold]{task.fields[title]}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=console, transient=False,
        )
        self.task = self.progress.add_task("starting Terraform…", total=total, title=title)
        self.in_flight: dict[str, float] = {}
        self.planned = 0

    def __enter__(self) -> TerminalProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, event: Event) -> None:
        if isinstance(event, PlannedChange):
            self.planned += 1
            self.progress.update(self.task, description=f"planning {event.address}")
        elif isinstance(event, ChangeSummary):
            if event.operation == "plan":
                self.progress.update(self.task, total=event.total, completed=event.total,
                                     description=describe_summary(event))
        elif isinstance(event, ResourceStarted):
            self.in_flight[event.address] = time.monotonic()
            self._show_current()
        elif isinstance(event, ResourceDone):
            self.in_flight.pop(event.address, None)
            self.progress.advance(self.task)
            suffix = f" ({event.id})" if event.id else ""
            self.console.print(f"  [green]✓[/] {event.action} {event.address}{suffix}")
            self._show_current()
        elif isinstance(event, ResourceErrored):
            self.in_flight.pop(event.address, None)
            self.console.print(f"  [red]✗ {event.action} {event.address} failed[/]")
            self._show_current()
        elif isinstance(event, Diagnostic):
            style = "red" if event.severity == "error" else "yellow"
            self.console.print(event.text, style=style, markup=False, highlight=False)

    def _show_current(self) -> None:
        if not self.in_flight:
            self.progress.update(self.task, description="")
            return
        address, started = min(self.in_flight.items(), key=lambda item: item[1])
        more = f" (+{len(self.in_flight) - 1} more)" if len(self.in_flight) > 1 else ""
        self.progress.update(self.task, description=f"{address} {time.monotonic() - started:.0f}s{more}")


def describe_summary(summary: ChangeSummary) -> str:
    return f"{summary.add} to add, {summary.change} to change, {summary.remove} to destroy"

