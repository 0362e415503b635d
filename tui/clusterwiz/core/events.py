"""Typed events parsed from Terraform's machine-readable UI (`terraform plan|apply -json`).

Each stdout line of a streaming run becomes one frozen event. Types this module does not model
(version, refresh, provisioner output, drift, ephemeral resources, and any added by a later
Terraform) become `Log` events that keep Terraform's own message, so nothing is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Event:
    message: str
    level: str = "info"


@dataclass(frozen=True, kw_only=True)
class ResourceEvent(Event):
    """A step of applying one resource; `module` is "" for the root module."""

    address: str
    module: str
    resource_type: str
    action: str
    elapsed: float | None = None
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ResourceStarted(ResourceEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ResourceProgress(ResourceEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ResourceDone(ResourceEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ResourceErrored(ResourceEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class PlannedChange(Event):
    address: str
    module: str
    resource_type: str
    action: str


@dataclass(frozen=True, kw_only=True)
class ChangeSummary(Event):
    """Counts of a plan ('plan'), an apply ('apply') or a destroy ('destroy')."""

    add: int
    change: int
    remove: int
    imported: int
    operation: str

    @property
    def total(self) -> int:
        return self.add + self.change + self.remove + self.imported


@dataclass(frozen=True, kw_only=True)
class Diagnostic(Event):
    """An error or warning; `text` is the whole of it as Terraform's human output shows it."""

    severity: str
    summary: str
    detail: str
    address: str | None = None
    text: str


@dataclass(frozen=True)
class OutputValue:
    """One root output. After an apply `value` is set unless `sensitive` (a plan only knows names)."""

    sensitive: bool
    value: Any = None
    known: bool = False
    action: str | None = None


@dataclass(frozen=True, kw_only=True)
class Outputs(Event):
    outputs: Mapping[str, OutputValue] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """The known, non-sensitive values by name."""
        return {name: output.value for name, output in self.outputs.items()
                if output.known and not output.sensitive}


@dataclass(frozen=True, kw_only=True)
class Log(Event):
    """Anything else: `type` is Terraform's message type, or "text" for a line that is not JSON."""

    type: str


HOOK_EVENTS: dict[str, type[ResourceEvent]] = {
    "apply_start": ResourceStarted,
    "apply_progress": ResourceProgress,
    "apply_complete": ResourceDone,
    "apply_errored": ResourceErrored,
}


def parse_line(line: str) -> Event:
    """The event one line of `terraform ... -json` output stands for."""
    text = line.rstrip("\r\n")
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return Log(type="text", message=text, level="info")
    return parse_record(record)


def parse_record(record: Mapping[str, Any]) -> Event:
    kind = str(record.get("type", ""))
    message = str(record.get("@message", ""))
    level = str(record.get("@level", "info"))
    try:
        if kind in HOOK_EVENTS:
            return _resource_event(HOOK_EVENTS[kind], record["hook"], message, level)
        if kind == "planned_change":
            change = record["change"]
            resource = change["resource"]
            return PlannedChange(message=message, level=level, address=resource["addr"],
                                 module=resource.get("module", ""),
                                 resource_type=resource.get("resource_type", ""), action=change["action"])
        if kind == "change_summary":
            changes = record["changes"]
            return ChangeSummary(message=message, level=level, add=int(changes.get("add", 0)),
                                 change=int(changes.get("change", 0)), remove=int(changes.get("remove", 0)),
                                 imported=int(changes.get("import", 0)),
                                 operation=str(changes.get("operation", "")))
        if kind == "diagnostic":
            return _diagnostic(record["diagnostic"], message, level)
        if kind == "outputs":
            return Outputs(message=message, level=level, outputs={
                name: OutputValue(sensitive=bool(body.get("sensitive", False)), value=body.get("value"),
                                  known="value" in body, action=body.get("action"))
                for name, body in record["outputs"].items()
            })
    except (KeyError, TypeError, AttributeError, ValueError):
        # A shape this Terraform version words differently: keep its message rather than fail the run.
        pass
    return Log(type=kind or "unknown", message=message, level=level)


def _resource_event(cls: type[ResourceEvent], hook: Mapping[str, Any], message: str,
                    level: str) -> ResourceEvent:
    resource = hook["resource"]
    elapsed = hook.get("elapsed_seconds")
    return cls(message=message, level=level, address=resource["addr"], module=resource.get("module", ""),
               resource_type=resource.get("resource_type", ""), action=hook.get("action", ""),
               elapsed=float(elapsed) if elapsed is not None else None, id=hook.get("id_value"))


def _diagnostic(body: Mapping[str, Any], message: str, level: str) -> Diagnostic:
    severity = str(body.get("severity", level))
    summary = str(body.get("summary", ""))
    detail = str(body.get("detail", ""))
    return Diagnostic(message=message, level=level, severity=severity, summary=summary, detail=detail,
                      address=body.get("address"), text=_diagnostic_text(body, severity, summary, detail))


def _diagnostic_text(body: Mapping[str, Any], severity: str, summary: str, detail: str) -> str:
    """The diagnostic laid out like Terraform's human output: heading, location, code line, detail."""
    lines = [f"{severity.capitalize()}: {summary}"]
    where = body.get("range") or {}
    snippet = body.get("snippet") or {}
    address = body.get("address")
    if where.get("filename"):
        start = where.get("start", {}).get("line")
        location = f"  on {where['filename']} line {start}" if start else f"  on {where['filename']}"
        if snippet.get("context"):
            location += f", in {snippet['context']}"
        lines += ["", location + ":"]
        if snippet.get("code"):
            lines.append(f"  {snippet.get('start_line', start)}: {snippet['code']}")
    elif address:
        lines += ["", f"  with {address}"]
    if detail:
        lines += ["", detail]
    return "\n".join(lines)


TERRAFORM_WRAP_COLUMNS = 78  # Terraform's human output, written to no terminal (our logs), is wrapped at this width
_LIST_ITEM = ("- ", "* ", "• ")


def unwrapped(text: str) -> str:
    """Terraform's human text with the line breaks it made for width taken out, so a view wraps it once, at its own
    width and at word boundaries. A line continues the one before when that one was broken only because the line's
    first word would not have fitted in TERRAFORM_WRAP_COLUMNS; blank lines, indented lines (code, commands) and list
    items start lines of their own, and so does whatever follows a line longer than Terraform wraps (not wrapped)."""
    lines: list[str] = []
    previous = ""
    for line in text.split("\n"):
        words = line.split()
        broken_for_width = (bool(previous.strip()) and bool(words) and not line[0].isspace()
                            and not line.startswith(_LIST_ITEM)
                            and len(previous) <= TERRAFORM_WRAP_COLUMNS < len(previous) + 1 + len(words[0]))
        if broken_for_width:
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
        previous = line
    return "\n".join(lines)
