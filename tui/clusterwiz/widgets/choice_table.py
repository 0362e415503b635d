"""A searchable table of a step's choices: the highlighted row is the pick, or space/enter toggle several."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from clusterwiz.core.steps import Choice, Field

FILTER_FROM_ROWS = 8  # smaller lists fit on screen and need no search box
# A DataTable row costs ~0.3 ms to add: a region's ~1,000 instance types took 450 ms per step switch. The rows
# beyond this many are not added; the search reaches every one of them.
SHOWN_ROWS = 60
CHECK = "✓"
PICK_CONTEXT_ROWS = 2  # rows shown above the picked one


@dataclass(frozen=True)
class ChoiceView:
    """What a user did to a table besides picking, kept when a step's form is rebuilt: the search box's text,
    and the row the cursor rests on when that is not the pick (one that cannot be chosen, read for its reason)."""

    search: str = ""
    resting: str | None = None


def folded(text: str) -> str:
    """Text as a search compares it: without case or accents, so "sao paulo" finds São Paulo."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class ChoiceTable(Vertical):
    """One choice or multichoice field. `value` is the picked value (or list of values)."""

    BINDINGS = [Binding("space", "toggle", "Toggle", show=False)]

    class Changed(Message):
        def __init__(self, table: ChoiceTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> ChoiceTable:
            return self.table

    class Filled(Changed):
        """The rows shown changed: the table may want another height."""

    class Chosen(Changed):
        """Enter on the pick of a one-choice table: the user is done with it, as Enter in a text field says."""

    def __init__(self, field: Field, choices: list[Choice], value: str | list[str] | None, *,
                 id: str | None = None, view: ChoiceView = ChoiceView()) -> None:
        super().__init__(id=id, classes="choice-table")
        self.field = field
        self.multiple = field.kind == "multichoice"
        self.choices = [c for c in choices if field.show_disabled or c.disabled is None]
        self._by_value = {c.value: c for c in self.choices}
        self.picked: list[str] = list(value or []) if self.multiple else ([value] if value else [])
        # Until the cursor sits on the picked row, highlight events come from filling the table, not the user.
        self._placed = False
        self._note = ""  # the note under the table: composed empty and hidden
        self.search = view.search
        self.resting = view.resting

    @property
    def value(self) -> str | list[str] | None:
        if self.multiple:
            return list(self.picked)
        return self.picked[0] if self.picked else None

    @property
    def searchable(self) -> bool:
        return len(self.choices) > FILTER_FROM_ROWS

    def compose(self) -> ComposeResult:
        if self.searchable:
            # Not selected on focus: typing on the rows moves here with the first character, and the next one
            # must not replace it.
            yield Input(self.search, placeholder=f"type to search {self.field.label.lower()}",
                        classes="choice-filter", select_on_focus=False)
        table: DataTable[str | Text] = DataTable(cursor_type="row", classes="choice-rows")
        table.tooltip = "space or enter toggles a row" if self.multiple else None
        yield table
        yield Static("", classes="choice-more hidden")
        yield Static("", classes="choice-note hidden")

    def on_mount(self) -> None:
        found = self.query(DataTable)
        if not found:
            return  # removed before it was mounted: a form prepared ahead and replaced at once
        table = found.first(DataTable)
        columns = ((CHECK,) if self.multiple else ()) + self.field.columns
        table.add_columns(*columns)
        self._fill(self.search)

    def _fill(self, search: str) -> None:
        table = self.query_one(DataTable)
        self._placed = False
        table.clear()
        needle = folded(search.strip())
        # Ticked rows of a several-choice table come first: what is chosen is seen without scrolling.
        ordered = sorted(self.choices, key=lambda c: c.value not in self.picked) if self.multiple else self.choices
        matching = [c for c in ordered if not needle or any(needle in folded(cell) for cell in c.cells)]
        # The picked rows always show, where they sort, so the cursor can sit on the pick.
        shown = [c for index, c in enumerate(matching) if index < SHOWN_ROWS or c.value in self.picked]
        for choice in shown:
            style = "dim" if choice.disabled else ""
            cells: list[str | Text] = [Text(cell, style=style) for cell in choice.cells]
            if self.multiple:
                cells.insert(0, CHECK if choice.value in self.picked else "")
            table.add_row(*cells, key=choice.value)
        hidden = len(matching) - len(shown)
        if not matching:
            said = f"nothing matches {search.strip()!r}; change the search or clear it (ctrl+u) to see every row"
        elif hidden:
            said = f"… and {hidden} more: type to search them"  # one line beside the list of steps at 80x24
        else:
            said = ""
        more = self.query_one(".choice-more", Static)
        more.update(Text(said, style="italic"))
        more.set_class(not said, "hidden").set_class(not matching, "nothing")
        if table.row_count:
            # After layout, so the table knows its height and scrolls the picked row into view.
            self.call_after_refresh(self._place_cursor)
        self._show_note()
        self.post_message(self.Filled(self))

    def on_resize(self) -> None:
        # A size known only after layout: scroll the picked row into view again.
        self._place_cursor()

    def _place_cursor(self) -> None:
        """Put the cursor on the (first) picked row; the cursor of a single choice is its value."""
        found = self.query(DataTable)
        if not found or not found.first().row_count:
            return  # removed meanwhile (the user moved to another step), or nothing to place
        table = found.first(DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        target = self.resting if self.resting in keys else (self.picked[0] if self.picked else None)
        row = keys.index(target) if target in keys else 0
        table.move_cursor(row=row, animate=False, scroll=False)
        # The pick near the top, the rows after it below: the same view whether the table was laid out on show
        # or hidden (a form prepared ahead), where scrolling just far enough would depend on what came first.
        table.scroll_to(y=max(0, row - PICK_CONTEXT_ROWS), animate=False, immediate=True)
        self._placed = True
        self._show_note()

    def _highlighted(self) -> Choice | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return self._by_value.get(key or "")

    def _show_note(self) -> None:
        choice = self._highlighted()
        note = choice.disabled if choice and choice.disabled else ""
        if note and not self.multiple and self.value in self._by_value:
            # The cursor may rest on a row that cannot be chosen, to read why; the pick stays where it was.
            note += f"\nStill chosen: {', '.join(self._by_value[self.value].cells[:2])}"
        if note == self._note:
            return  # an update lays the screen out again: on every show of the table, for the same text
        self._note = note
        line = self.query_one(".choice-note", Static)
        line.update(Text(note, style="italic"))
        line.set_class(not note, "hidden")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != self.search:
            self.search = event.value
            self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def on_key(self, event: events.Key) -> None:
        table = self.query_one(DataTable)
        on_rows = self.screen.focused is table
        if event.key == "escape" and self.search:  # a search is cleared before Escape leaves anything
            event.stop()
            self.query_one(".choice-filter", Input).value = ""
        elif on_rows and event.key == "enter" and not self.multiple:
            event.stop()
            self.post_message(self.Chosen(self))
        elif on_rows and self.searchable and event.is_printable and event.character != " ":
            # The search box says "type to search": typing on the rows searches too.
            event.stop()
            search = self.query_one(".choice-filter", Input)
            search.focus()
            search.insert_text_at_cursor(event.character or "")
        elif not on_rows and event.key == "down":  # from the search box to the rows it found
            event.stop()
            table.focus()

    @property
    def view(self) -> ChoiceView:
        return ChoiceView(self.search, self.resting)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        # Left with the cursor on a row that cannot be chosen: it goes back to the pick.
        if self.resting is not None and isinstance(event.widget, DataTable):
            self.resting = None
            self._place_cursor()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_note()
        if self.multiple or not self._placed:
            return
        choice = self._highlighted()
        self.resting = choice.value if choice and choice.disabled else None
        if choice and choice.disabled is None and self.picked != [choice.value]:
            self.picked = [choice.value]
            self.post_message(self.Changed(self))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.multiple:
            self.action_toggle()

    def action_toggle(self) -> None:
        choice = self._highlighted()
        if not self.multiple or choice is None or (choice.disabled and choice.value not in self.picked):
            return
        if choice.value in self.picked:
            self.picked.remove(choice.value)
        else:
            self.picked.append(choice.value)
        table = self.query_one(DataTable)
        table.update_cell(choice.value, table.ordered_columns[0].key, CHECK if choice.value in self.picked else "")
        self.post_message(self.Changed(self))
