"""The wizard as plain prompts (questionary): the same steps as the app, for screen readers and slow links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import questionary
from rich.console import Console

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.review import Review, describe_cost
from clusterwiz.core.steps import (
    REVIEW_TITLE,
    STEPS,
    Answer,
    Field,
    Item,
    Problem,
    Step,
    WizardState,
    check_answer,
    default_item,
    parse_value,
    warnings_for,
)


class Cancelled(ClusterwizError):
    """The user left the prompts (Ctrl-C or Esc); nothing was saved."""

    exit_code = 130


def _asked(result: Any) -> Any:
    # questionary returns None when the user presses Ctrl-C; treat that as leaving the wizard.
    if result is None:
        raise Cancelled("the wizard was cancelled; nothing was saved. Run `clusterwiz new --plain` to start again")
    return result


class PlainWizard:
    """Asks every step in order on a terminal; `prompt_options` go to questionary (tests pass input/output)."""

    def __init__(self, state: WizardState, console: Console | None = None, **prompt_options: Any):
        self.state = state
        self.console = console or Console()
        self.prompt_options = prompt_options

    def run(self) -> None:
        for number, step in enumerate(STEPS, start=1):
            self.console.rule(f"Step {number} of {len(STEPS) + 1}: {step.title}")
            self.console.print(step.help, highlight=False)
            self.ask_step(step)

    def ask_step(self, step: Step) -> None:
        while True:
            previous = self.state.answers.get(step.id)
            if step.repeat:
                answer: Answer = self._ask_items(step, previous if isinstance(previous, list) else [])
            else:
                answer = self._ask_item(step, {}, [], previous if isinstance(previous, dict) else None)
            problems = check_answer(step, answer, self.state.context)
            if not problems:
                break
            self._show(problems, "problem")
        for warning in warnings_for(step, answer, self.state.context):
            self._show([warning], "warning")
        cleared = self.state.answer(step.id, answer)
        if cleared:
            self.console.print(f"This change cleared your answers to: {', '.join(s.title for s in cleared)}")

    def _show(self, problems: list[Problem], kind: str) -> None:
        for problem in problems:
            self.console.print(f"[bold]{kind}:[/bold] {problem}", highlight=False)

    def _ask_items(self, step: Step, previous: list[Item]) -> list[Item]:
        assert step.repeat is not None
        items: list[Item] = []
        while len(items) < step.repeat.max_items:
            if len(items) >= step.repeat.min_items:
                more = _asked(questionary.confirm(f"Add a{'nother' if items else ''} {step.repeat.noun}?",
                                                  default=len(items) < len(previous),
                                                  **self.prompt_options).ask())
                if not more:
                    break
            self.console.print(f"{step.repeat.noun.capitalize()} {len(items) + 1}")
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
            item[field_.id] = self._ask_field(field_, item, default)
        return item

    def _ask_field(self, field_: Field, item: Item, default: Any) -> Any:
        context = self.state.context
        label = f"{field_.label}{f' ({field_.help})' if field_.help else ''}"
        if field_.kind in ("choice", "multichoice"):
            assert field_.choices is not None
            choices = [c for c in field_.choices(context, item) if field_.show_disabled or c.disabled is None]
            options = [questionary.Choice(title="  ".join(x for x in c.cells if x), value=c.value,
                                          disabled=c.disabled,
                                          checked=field_.kind == "multichoice" and c.value in (default or []))
                       for c in choices]
            if field_.kind == "choice":
                enabled = [c.value for c in choices if c.disabled is None]
                value = _asked(questionary.select(label, options, default=default if default in enabled else None,
                                                  **self.prompt_options).ask())
            else:
                value = _asked(questionary.checkbox(label, options, **self.prompt_options).ask())
            if field_.describe:
                self.console.print(field_.describe(value, context, item), highlight=False)
            return value
        if field_.kind == "bool":
            return _asked(questionary.confirm(label, default=bool(default), **self.prompt_options).ask())
        validate = _text_validator(field_, context, item)
        raw = _asked(questionary.text(label, default="" if default is None else str(default), validate=validate,
                                      **self.prompt_options).ask())
        return parse_value(field_, raw)


def _text_validator(field_: Field, context: Any, item: Item) -> Callable[[str], bool | str]:
    def validate(raw: str) -> bool | str:
        try:
            value = parse_value(field_, raw)
        except ValueError as error:
            return str(error)
        message = field_.validate(value, context, item) if field_.validate else None
        return message or True

    return validate


def print_review(review: Review, console: Console) -> None:
    console.rule(REVIEW_TITLE)
    for line in review.lines:
        console.print(line, highlight=False)
    console.print(describe_cost(review.cost) if review.cost else f"No cost estimate: {review.cost_problem}",
                  highlight=False)
    for finding in review.findings:
        console.print(f"[bold]{finding.level}:[/bold] {finding.message} Fix: {finding.fix}", highlight=False)


def confirm_save(console: Console, review: Review, **prompt_options: Any) -> bool:
    if review.blocking:
        console.print("Fix the errors above before planning; you can still save and edit cluster.yaml.")
    return bool(_asked(questionary.confirm("Save this cluster?", default=True, **prompt_options).ask()))
