"""The fields of one wizard step, built from its definition in core.steps; reads back the draft answer."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.scalar import Scalar
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, Switch

from clusterwiz.core.steps import Answer, Field, Item, PreparedStep, Problem, Step, parse_value
from clusterwiz.widgets.choice_table import ChoiceTable, ChoiceView

LOOKING_UP = "Looking this up…"
MIN_TABLE_HEIGHT = 4  # a header and three rows: at 80x24 a step with a long help still fits on the screen
SCROLLED_TABLE_HEIGHT = 10
SCROLLS_MARGIN = 4
FITS_PER_CHANGE = 4


def field_id(index: int, field_id_: str, kind: str = "f") -> str:
    return f"{kind}-{index}-{field_id_}"


class StepForm(VerticalScroll):
    """Every visible field of every item of a prepared step, each with its detail and problem lines."""

    class FieldChanged(Message):
        """A field whose value changes what other fields show (refresh) or its own detail line."""

        def __init__(self, step: Step, index: int, field: Field) -> None:
            super().__init__()
            self.step = step
            self.index = index
            self.field = field

    class ProblemCleared(Message):
        """A field the user changed had a problem under it; what the step said of its answer is out of date."""

    class ItemsChanged(Message):
        """An item was added or removed; the step must be prepared again."""

        def __init__(self, draft: Answer) -> None:
            super().__init__()
            self.draft = draft

    def __init__(self, prepared: PreparedStep, views: dict[str, ChoiceView] | None = None) -> None:
        super().__init__(classes="step-form")
        self.prepared = prepared
        self.views = views or {}  # widget id -> how its choice table starts (a form rebuilt for a changed field)
        self.step = prepared.step
        self.items: list[Item] = (list(prepared.answer) if isinstance(prepared.answer, list)
                                  else [prepared.answer])
        self.fits_left = 0  # see refit

    def compose(self) -> ComposeResult:
        # The help scrolls with the fields, so a small terminal shows all of both.
        yield Static(self.step.help, classes="step-help")
        repeat = self.step.repeat
        for index, item in enumerate(self.items):
            with Vertical(classes="step-item"):
                if repeat:
                    with Horizontal(classes="item-heading"):
                        yield Label(f"{repeat.noun.capitalize()} {index + 1}", classes="item-title")
                        if len(self.items) > repeat.min_items:
                            yield Button(f"Remove {repeat.noun} {index + 1}", id=f"remove-{index}",
                                         classes="remove-item", variant="warning")
                for field_ in self.step.visible_fields(item):
                    yield from self._field(index, field_, item)
        if repeat is None:
            return
        if not self.items:
            yield Static(f"No {repeat.noun}s. That is fine; add one if you need it.", classes="empty-items")
        if len(self.items) < repeat.max_items:
            yield Button(f"Add a {repeat.noun}", id="add-item", classes="add-item")

    def _field(self, index: int, field_: Field, item: Item) -> ComposeResult:
        label = field_.label + (f"  [dim]({field_.help})[/dim]" if field_.help else "")
        yield Label(label, classes="field-label")
        value = item.get(field_.id)
        widget_id = field_id(index, field_.id)
        if field_.kind in ("choice", "multichoice"):
            yield ChoiceTable(field_, self.prepared.choices.get((index, field_.id), []), value, id=widget_id,
                              view=self.views.get(widget_id, ChoiceView()))
        elif field_.kind == "bool":
            yield Switch(value=bool(value), id=widget_id)
        else:
            yield Input(value="" if value is None else str(value), id=widget_id,
                        type="integer" if field_.kind == "int" else "text", max_length=field_.max_length)
        detail = self.prepared.details.get((index, field_.id), "")
        pending = field_.slow_detail and not detail and value not in (None, "")
        line = Static(LOOKING_UP if pending else detail, id=field_id(index, field_.id, "d"), classes="field-detail")
        yield line.set_class(not (detail or pending), "hidden").set_class(pending, "pending")
        yield Static("", id=field_id(index, field_.id, "p"), classes="field-problem hidden")

    def on_resize(self) -> None:
        self.refit()

    def on_choice_table_filled(self, event: ChoiceTable.Filled) -> None:
        event.stop()
        self.refit()

    def refit(self) -> None:
        """Fit the tables once the form is laid out again, and on the next few layouts: what a fit changes lays
        the form out anew (a help text wraps differently with a scrollbar beside it, a DataTable measures its
        rows a frame late)."""
        self.fits_left = FITS_PER_CHANGE
        self.call_after_refresh(self.fit_tables)

    def fit_tables(self) -> None:
        """Each choice table as tall as its rows, as far as the form's height allows, the shortest served first:
        a table that fits scrolls no rows beside the form's own scrollbar, and a tall terminal shows more rows
        than a short one. A form far too tall for its screen even with its tables at MIN_TABLE_HEIGHT scrolls,
        and its tables keep SCROLLED_TABLE_HEIGHT, as a list in a page does."""
        tables = [table for table in self.query(".choice-rows") if table.display]
        if not tables or not self.is_attached or self.fits_left <= 0:
            return
        self.fits_left -= 1
        # What the form holds, not its virtual size: that is never less than the screen's height.
        content = max((child.virtual_region_with_margin.bottom for child in self.children if child.display),
                      default=0)
        others = content - sum(table.outer_size.height for table in tables)
        room = self.scrollable_content_region.height - others

        def wanted(table: Widget) -> int:
            overflows = table.virtual_size.width > table.scrollable_content_region.width
            return table.virtual_size.height + (table.styles.scrollbar_size_horizontal if overflows else 0)

        ordered = sorted(tables, key=wanted)
        # Far from fitting (a queue's fields): the form scrolls whatever the tables do. Near it, the tables shrink:
        # the margin keeps a line of help wrapped differently beside a scrollbar from flipping between the two.
        scrolls = room < sum(min(wanted(table), MIN_TABLE_HEIGHT) for table in tables) - SCROLLS_MARGIN
        for served, table in enumerate(ordered):
            if scrolls:
                height = min(wanted(table), SCROLLED_TABLE_HEIGHT)
            else:
                height = min(wanted(table), max(MIN_TABLE_HEIGHT, room // (len(ordered) - served)))
                room -= height
            if table.styles.max_height != Scalar.from_number(height):
                table.styles.max_height = height
        self.call_after_refresh(self.fit_tables)

    def draft(self) -> Answer:
        """The answer as the widgets hold it now (values a field cannot parse stay as typed text)."""
        items = []
        for index, item in enumerate(self.items):
            values: Item = {}
            for field_ in self.step.visible_fields(item):
                values[field_.id] = self._read(index, field_)
            items.append(values)
        return items if self.step.repeat else items[0]

    def _read(self, index: int, field_: Field) -> Any:
        widget = self.query_one(f"#{field_id(index, field_.id)}")
        if isinstance(widget, ChoiceTable):
            return widget.value
        if isinstance(widget, Switch):
            return widget.value
        assert isinstance(widget, Input)
        try:
            return parse_value(field_, widget.value)
        except ValueError:
            return widget.value

    def current_views(self) -> dict[str, ChoiceView]:
        """How each choice table is left besides its pick, by the table's id."""
        return {table.id: table.view for table in self.query(ChoiceTable) if table.id}

    def show_problems(self, problems: list[Problem], warnings: list[Problem]) -> list[Problem]:
        """Put each problem under its field; return those that belong to no shown field."""
        for line in self.query(".field-problem"):
            assert isinstance(line, Static)
            line.update("")
            line.add_class("hidden")
        unplaced = []
        for kind, entries in (("warning", warnings), ("problem", problems)):
            for problem in entries:
                index = problem.item or 0
                found = self.query(f"#{field_id(index, problem.field, 'p')}")
                if not found:
                    unplaced.append(problem)
                    continue
                line = found.first(Static)
                line.update(f"{'⚠' if kind == 'warning' else '✗'} {problem.message}")
                line.set_class(kind == "warning", "warning")
                line.remove_class("hidden")
        self.refit()
        return unplaced

    def first_problem_widget(self, problems: list[Problem]) -> Any | None:
        for problem in problems:
            found = self.query(f"#{field_id(problem.item or 0, problem.field)}")
            if found:
                return found.first()
        return None

    def set_detail(self, index: int, field_id_: str, text: str) -> None:
        line = self.query_one(f"#{field_id(index, field_id_, 'd')}", Static)
        line.update(text)
        line.set_class(not text, "hidden").remove_class("pending")
        self.refit()

    def pending_details(self) -> list[tuple[int, str]]:
        """(item index, field id) of each detail line still waiting for its lookup."""
        pending = []
        for line in self.query(".field-detail.pending"):
            _, index, name = (line.id or "").split("-", 2)
            pending.append((int(index), name))
        return pending

    def _index_of(self, widget_id: str | None) -> tuple[int, Field] | None:
        if not widget_id or not widget_id.startswith("f-"):
            return None
        _, index, name = widget_id.split("-", 2)
        return int(index), self.step.field(name)

    def on_choice_table_changed(self, event: ChoiceTable.Changed) -> None:
        self._changed(event.control.id)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self._changed(event.switch.id)

    def on_input_changed(self, event: Input.Changed) -> None:
        if "choice-filter" not in event.input.classes:
            self._changed(event.input.id)

    def _changed(self, widget_id: str | None) -> None:
        found = self._index_of(widget_id)
        if not found:
            return
        # A problem said of the old value is not left up while the user types the fix; Next checks again.
        problem = self.query(f"#{field_id(found[0], found[1].id, 'p')}")
        if problem and not problem.first().has_class("hidden"):
            problem.first(Static).update("")
            problem.first().add_class("hidden")
            self.post_message(self.ProblemCleared())
        if found[1].refreshes or found[1].describe:
            self.post_message(self.FieldChanged(self.step, *found))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "add-item":
            event.stop()
            draft = self.draft()
            assert isinstance(draft, list)
            self.post_message(self.ItemsChanged([*draft, {}]))
        elif button_id.startswith("remove-"):
            event.stop()
            draft = self.draft()
            assert isinstance(draft, list)
            del draft[int(button_id.removeprefix("remove-"))]
            self.post_message(self.ItemsChanged(draft))
