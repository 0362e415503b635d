"""The import report: every source key and what became of it, as a table and as JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from clusterwiz.core.importers.source import SourceKey

Status = Literal["mapped", "changed", "default", "dropped", "decision"]
STATUS_STYLES = {"mapped": "green", "changed": "yellow", "default": "cyan", "dropped": "dim", "decision": "bold red"}
STATUS_HELP = {
    "mapped": "copied into the spec as it was",
    "changed": "copied with a change; the note says why",
    "default": "not in the file: the old tool's default was used",
    "dropped": "not copied; the note says why",
    "decision": "needs your decision before (or after) the import",
}


@dataclass(frozen=True)
class ReportItem:
    source: str
    location: str | None
    value: str | None
    status: Status
    target: str | None
    note: str
    blocking: bool = False


@dataclass
class ImportReport:
    source_file: str
    format: str
    template: str | None
    items: list[ReportItem] = field(default_factory=list)

    @property
    def blocking(self) -> list[ReportItem]:
        return [item for item in self.items if item.blocking]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_STYLES, 0)
        for item in self.items:
            counts[item.status] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "source_file": self.source_file,
            "format": self.format,
            "template": self.template,
            "counts": self.counts(),
            "items": [asdict(item) for item in self.items],
        }

    def to_rich(self) -> Any:
        """A rich Table: one row per item, decisions first so nobody misses them."""
        from rich.table import Table
        from rich.text import Text

        title = f"Import of {self.source_file} ({self.format}" + (f", template {self.template})" if self.template
                                                                  else ")")
        table = Table(title=title, show_lines=False, expand=False)
        for column in ("status", "source key", "where", "value", "spec field", "note"):
            table.add_column(column, overflow="fold")
        order = list(STATUS_STYLES)
        ranked = sorted(self.items, key=lambda i: (order.index(i.status) if i.status != "decision" else -1))
        for item in ranked:
            status = item.status + (" (blocks)" if item.blocking else "")
            # Text cells: "[cluster default]" is data here, not rich markup.
            table.add_row(Text(status, style=STATUS_STYLES[item.status]), Text(item.source),
                          Text(item.location or ""), Text(item.value if item.value is not None else ""),
                          Text(item.target or ""), Text(item.note))
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items() if n)
        table.caption = counts
        return table


class ReportBuilder:
    """Collects items as a mapper decides; keys it never decides on are reported at the end."""

    def __init__(self, source_file: str, format_label: str, keys: Iterable[SourceKey]):
        self.report = ImportReport(source_file, format_label, None)
        self._pending: dict[int, SourceKey] = {id(key): key for key in keys}

    def _add(self, key: SourceKey | None, status: Status, target: str | None, note: str,
             blocking: bool = False, name: str | None = None, value: str | None = None) -> None:
        if key is not None:
            self._pending.pop(id(key), None)
            self.report.items.append(ReportItem(key.name, key.location, key.shown_value, status, target, note,
                                                blocking))
        else:
            self.report.items.append(ReportItem(name or "(not in the file)", None, value, status, target, note,
                                                blocking))

    def mapped(self, key: SourceKey, target: str, note: str = "") -> None:
        self._add(key, "mapped", target, note)

    def changed(self, key: SourceKey, target: str | None, note: str) -> None:
        self._add(key, "changed", target, note)

    def dropped(self, key: SourceKey, note: str) -> None:
        self._add(key, "dropped", None, note)

    def decision(self, key: SourceKey | None, target: str | None, note: str, blocking: bool = False,
                 name: str | None = None) -> None:
        self._add(key, "decision", target, note, blocking, name)

    def default(self, name: str, target: str, value: str, note: str) -> None:
        self._add(None, "default", target, note, name=name, value=value)

    def note(self, name: str, status: Status, target: str | None, note: str) -> None:
        """An item about the file as a whole (e.g. its scheduler), not about one key."""
        self._add(None, status, target, note, name=name)

    def handled(self, key: SourceKey) -> bool:
        return id(key) not in self._pending

    def drop_rest(self, reason_for: Callable[[SourceKey], str]) -> None:
        for key in list(self._pending.values()):
            self.dropped(key, reason_for(key))
