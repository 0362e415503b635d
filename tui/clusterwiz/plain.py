"""The wizard as plain prompts (questionary): the same steps as the app, for screen readers and slow links.

Everything a user must read (help, why a choice cannot be taken, a refused answer) is printed as ordinary
wrapped text, not in questionary's one-line toolbar, which a narrow terminal cuts off.
"""

from __future__ import annotations

import textwrap
from itertools import zip_longest
from typing import Any

import questionary
from rich.console import Console
from rich.markup import escape

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.review import Review, describe_cost
from clusterwiz.core.steps import (
    REVIEW_TITLE,
    STEPS,
    Answer,
    Choice,
    Field,
    Item,
    Problem,
    Step,
    WizardState,
    check_answer,
    default_item,
    in_labels,
    parse_value,
    warnings_for,
)

CANCELLED = "the wizard was cancelled; nothing was saved. Run `clusterwiz new --plain` to start again"
MAX_REASONS_SHOWN = 3  # a long list (regions) can have many unavailable rows; name the rest without the why
POINTER_WIDTH = 3  # questionary draws " » " before the highlighted row, three spaces before the others
TICK_WIDTH = 2  # and "○ " or "● " in a checkbox
MIN_ROW_WIDTH = 40
SELECT_HINT = "(type to filter, ↑/↓ to move, Enter to choose)"
CHECKBOX_HINT = "(type to filter, ↑/↓ to move, Space to tick or untick, Enter when done)"


class Cancelled(ClusterwizError):
    """The user left the prompts with Ctrl-C; nothing was saved."""

    exit_code = 130


class NothingToChoose(ClusterwizError):
    """A question none of whose choices can be taken (e.g. no region set, so the account is unreachable)."""


def _ask(question: questionary.Question) -> Any:
    # unsafe_ask raises on Ctrl-C instead of printing questionary's own "Cancelled by user" and returning None.
    try:
        return question.unsafe_ask()
    except KeyboardInterrupt:
        raise Cancelled(CANCELLED) from None


class PlainWizard:
    """Asks every step in order on a terminal; `prompt_options` go to questionary (tests pass input/output)."""

    def __init__(self, state: WizardState, console: Console | None = None, **prompt_options: Any):
        self.state = state
        self.console = console or Console()
        self.prompt_options = prompt_options

    def run(self) -> None:
        try:
            for number, step in enumerate(STEPS, start=1):
                self.console.rule(f"Step {number} of {len(STEPS) + 1}: {step.title}")
                self._say(step.help)
                self.ask_step(step)
        except KeyboardInterrupt:  # Ctrl-C while a lookup runs between two questions
            raise Cancelled(CANCELLED) from None

    def _say(self, text: str) -> None:
        self.console.print(escape(text), highlight=False)

    def ask_step(self, step: Step) -> None:
        # The recorded answer (from --from) is the first draft; after a refusal, what was just typed is.
        draft = self.state.answers.get(step.id)
        while True:
            if step.repeat:
                answer: Answer = self._ask_items(step, draft if isinstance(draft, list) else [])
            else:
                answer = self._ask_item(step, {}, [], draft if isinstance(draft, dict) else None)
            problems = in_labels(check_answer(step, answer, self.state.context))
            if not problems:
                break
            self._show(step, problems, "problem")
            self._say(f"Please answer the {step.title} step again; your answers so far are the defaults.")
            draft = answer
        self._show(step, warnings_for(step, answer, self.state.context), "warning")
        cleared = self.state.answer(step.id, answer)
        if cleared:
            self._say(f"This change cleared your answers to: {', '.join(s.title for s in cleared)}")

    def _show(self, step: Step, problems: list[Problem], kind: str) -> None:
        for problem in problems:
            self.console.print(f"[bold]{kind}:[/bold] {escape(step.in_words(problem))}", highlight=False)

    def _ask_items(self, step: Step, previous: list[Item]) -> list[Item]:
        assert step.repeat is not None
        items: list[Item] = []
        while len(items) < step.repeat.max_items:
            if len(items) >= step.repeat.min_items:
                more = _ask(questionary.confirm(f"Add a{'nother' if items else ''} {step.repeat.noun}?",
                                                default=len(items) < len(previous), **self.prompt_options))
                if not more:
                    break
            self._say(f"{step.repeat.noun.capitalize()} {len(items) + 1}")
            earlier = previous[len(items)] if len(items) < len(previous) else None
            items.append(self._ask_item(step, {}, items, earlier))
        return items

    def _ask_item(self, step: Step, item: Item, siblings: list[Item], earlier: Item | None) -> Item:
        """Ask each visible field; an earlier answer (from --from or a retry) is the default."""
        context = self.state.context
        defaults = default_item(step, context, earlier, siblings=siblings)
        for field_ in step.fields:
            if not field_.visible(item):
                continue
            context.siblings = siblings
            default = defaults.get(field_.id) if field_.visible(defaults) else None
            if default is None and field_.default is not None:
                default = field_.default(context, item)
            value = self._ask_field(field_, item, default)
            item[field_.id] = value
            detail = field_.describe(value, context, item) if field_.describe and value not in (None, "") else ""
            if detail:
                self._say(detail)
        return item

    def _ask_field(self, field_: Field, item: Item, default: Any) -> Any:
        label = f"{field_.label} — {field_.help}" if field_.help else field_.label
        if field_.kind == "bool":
            return _ask(questionary.confirm(label, default=bool(default), **self.prompt_options))
        if field_.kind in ("choice", "multichoice"):
            return self._ask_choice(field_, item, label, default)
        return self._ask_text(field_, item, label, default)

    def _ask_text(self, field_: Field, item: Item, label: str, default: Any) -> Any:
        """Ask until the field takes the answer; a refusal prints the field's own message and asks again."""
        raw = "" if default is None else str(default)
        while True:
            raw = _ask(questionary.text(f"{label}:", default=raw, **self.prompt_options))
            try:
                value = parse_value(field_, raw)
            except ValueError as error:
                self._refuse(str(error))
                continue
            message = field_.validate(value, self.state.context, item) if field_.validate else None
            if not message:
                return value
            self._refuse(f"{field_.label}: {message}")

    def _refuse(self, message: str) -> None:
        self.console.print(f"[bold]problem:[/bold] {escape(message)}", highlight=False)

    def _ask_choice(self, field_: Field, item: Item, label: str, default: Any) -> Any:
        assert field_.choices is not None
        choices = field_.choices(self.state.context, item)
        enabled = [c for c in choices if c.disabled is None]
        if not enabled:
            reasons = "\n".join(f"  - {_why(c)}" for c in choices)
            raise NothingToChoose(f"{field_.label}: nothing can be chosen here; "
                                  f"{'fix one of these and run again:' if choices else 'AWS offered no choices.'}"
                                  f"\n{reasons}".rstrip())
        if field_.show_disabled:
            self._explain_unavailable([c for c in choices if c.disabled is not None])
        multiple = field_.kind == "multichoice"
        indent = POINTER_WIDTH + (TICK_WIDTH if multiple else 0)
        # Once answered, questionary echoes "? label row" and cuts that first line at the edge: leave it room.
        room = max(self.console.width - max(indent, len(label) + len("?  ")), MIN_ROW_WIDTH)
        header, rows = _aligned(field_.columns, [c.cells for c in enabled], indent, room)
        options: list[questionary.Choice] = [questionary.Separator(header)] if header else []
        values = [c.value for c in enabled]
        if multiple:
            ticked = [v for v in (default or []) if v in values]
            options += [questionary.Choice(title=row, value=c.value, checked=c.value in ticked)
                        for row, c in zip(rows, enabled, strict=True)]
            return self._ask_ticks(field_, item, label, options, ticked[0] if ticked else None)
        options += [questionary.Choice(title=row, value=c.value) for row, c in zip(rows, enabled, strict=True)]
        return _ask(questionary.select(label, options, default=default if default in values else None,
                                       use_search_filter=True, use_jk_keys=False, instruction=SELECT_HINT,
                                       **self.prompt_options))

    def _ask_ticks(self, field_: Field, item: Item, label: str, options: list[questionary.Choice],
                   first_ticked: str | None) -> list[str]:
        while True:
            # The pointer starts on a ticked row, so the default is in view, not hundreds of rows down.
            values = _ask(questionary.checkbox(label, options, initial_choice=first_ticked, use_search_filter=True,
                                               use_jk_keys=False, instruction=CHECKBOX_HINT, **self.prompt_options))
            message = field_.validate(values, self.state.context, item) if field_.validate else None
            if not message:
                if len(values) > 1:
                    self._say(f"Chosen: {', '.join(values)}")
                return values
            self._refuse(f"{field_.label}: {message}")

    def _explain_unavailable(self, unavailable: list[Choice]) -> None:
        """Say why rows cannot be picked, in full and once each; the list itself shows only those that can."""
        if not unavailable:
            return
        reasons = list(dict.fromkeys(_why(c) for c in unavailable))  # arm64 and x86_64 images share a reason
        self._say("Not available here:")
        for reason in reasons[:MAX_REASONS_SHOWN]:
            self._say(f"  - {reason}")
        if len(reasons) > MAX_REASONS_SHOWN:
            named = {_why(c): c.value for c in unavailable}
            self._say(f"  - also not available: {', '.join(named[r] for r in reasons[MAX_REASONS_SHOWN:])}")


def _name(choice: Choice) -> str:
    return choice.cells[0] if choice.cells else choice.value


def _why(choice: Choice) -> str:
    """Why a choice cannot be picked, led by what it is unless the reason already names it."""
    reason = choice.disabled or ""
    return reason if reason.startswith((choice.value, _name(choice))) else f"{_name(choice)}: {reason}"


def _aligned(columns: tuple[str, ...], rows: list[tuple[str, ...]], indent: int,
             room: int) -> tuple[str, list[str]]:
    """A header and rows padded into columns (those empty in every row left out), each row wrapped to room.

    questionary cuts a row at the terminal's edge, which would hide e.g. the end of what spot means; a
    wrapped row goes on under its last column. indent: what questionary draws before a row (pointer, tick).
    """
    table = [list(cells) for cells in zip_longest(columns, *rows, fillvalue="")]  # one list per column
    kept = [column for column in table if any(column[1:])]
    widths = [max(len(cell) for cell in column) for column in kept]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
             for line in zip(*kept, strict=True)]
    last_column = sum(widths[:-1]) + 2 * (len(widths) - 1)
    hang = " " * min(last_column, room // 2)  # a far-right last column would leave too little room under it
    # Ids and image names hold hyphens; breaking there would scatter them over lines.
    wrapped = ["\n".join(textwrap.wrap(line, room, subsequent_indent=hang, break_on_hyphens=False)
                         ).replace("\n", "\n" + " " * indent) for line in lines[1:]]
    return (" " * (indent - POINTER_WIDTH) + lines[0] if columns else ""), wrapped


def print_review(review: Review, console: Console) -> None:
    console.rule(REVIEW_TITLE)
    for line in review.lines:
        console.print(escape(line), highlight=False)
    console.print(escape(describe_cost(review.cost) if review.cost else f"No cost estimate: {review.cost_problem}"),
                  highlight=False)
    for finding in review.findings:
        console.print(f"[bold]{finding.level}:[/bold] {escape(finding.message)}\n  Fix: {escape(finding.fix)}",
                      highlight=False)


def confirm_save(console: Console, review: Review, **prompt_options: Any) -> bool:
    if review.blocking:
        console.print("Fix the errors above before planning; you can still save and edit cluster.yaml.")
    return bool(_ask(questionary.confirm("Save this cluster?", default=True, **prompt_options)))
