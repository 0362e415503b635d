"""A list of clusters once each is looked up live: its row's $/h and state, and under the table each cluster that
stopped itself, why, and the command that starts it again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import DataTable, Static

if TYPE_CHECKING:
    from clusterwiz.core.status import ListedCluster


class StoppedNotes(Static):
    DEFAULT_CSS = """
    StoppedNotes { height: auto; padding: 0 2; }
    """

    def __init__(self, *, id: str) -> None:
        super().__init__("", markup=False, id=id)  # a tag's text, not markup
        self.notes: dict[str, str] = {}

    def clear(self) -> None:
        self.notes.clear()
        self.update("")

    def add(self, cluster: str, note: str) -> None:
        self.notes[cluster] = note
        self.update("\n".join(f"{name}: {text}" for name, text in sorted(self.notes.items())))


def show_looked_up(table: DataTable, notes: StoppedNotes, name: str, found: ListedCluster | None) -> bool:
    """Fill in a cluster's row (columns keyed cost and status) from a live look; '?' when it could not be looked
    up. False when the row is no longer there (the list was reloaded meanwhile)."""
    if name not in table.rows:
        return False
    table.update_cell(name, "cost", found.per_hour if found else "?")
    if found:
        table.update_cell(name, "status", found.state, update_width=True)
        if found.stopped:
            notes.add(name, found.stopped)
    return True
