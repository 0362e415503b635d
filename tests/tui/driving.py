"""Drive the wizard like a user, by keyboard: pick a row, type into a field, go to the next step."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from clusterwiz.screens.wizard import REFRESH_DELAY_S, WizardScreen
from clusterwiz.widgets.choice_table import ChoiceTable


async def settle(pilot: Pilot) -> None:
    """Wait until every lookup worker has finished and its messages are handled."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def wizard(pilot: Pilot) -> WizardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen), f"expected the wizard, got {type(screen).__name__}"
    return screen


async def at_step(pilot: Pilot, step_id: str) -> WizardScreen:
    await settle(pilot)
    screen = wizard(pilot)
    assert screen.current.id == step_id, f"expected step {step_id}, at {screen.current.id}"
    return screen


async def pick(pilot: Pilot, field: str, value: str, item: int = 0) -> None:
    """Move the cursor of a choice table to a value with the arrow keys (type to search when it can)."""
    table_widget = pilot.app.screen.query_one(f"#f-{item}-{field}", ChoiceTable)
    search = table_widget.query(".choice-filter")
    if search:
        search.first(Input).focus()
        await pilot.press("ctrl+u", *value)
    rows = table_widget.query_one(DataTable)
    rows.focus()
    keys = [row.key.value for row in rows.ordered_rows]
    assert value in keys, f"{value} is not offered in {field}: {keys[:20]}"
    steps = keys.index(value) - rows.cursor_row
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await pilot.pause(REFRESH_DELAY_S + 0.1)  # a field that changes others rebuilds the form once it rests
    await settle(pilot)


async def toggle(pilot: Pilot, field: str, value: str, item: int = 0) -> None:
    """Tick or untick a row of a several-choice table (space)."""
    await pick(pilot, field, value, item)
    await pilot.press("space")


async def type_into(pilot: Pilot, field: str, text: str, item: int = 0) -> None:
    field_input = pilot.app.screen.query_one(f"#f-{item}-{field}", Input)
    field_input.focus()
    await pilot.press("end", "ctrl+u", *text)


async def next_step(pilot: Pilot) -> None:
    await pilot.press("ctrl+n")
    await settle(pilot)


def problem(pilot: Pilot, field: str, item: int = 0) -> str:
    return str(pilot.app.screen.query_one(f"#p-{item}-{field}", Static).render())


def synchronous(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test with asyncio.run, so no async pytest plugin is needed."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def click(pilot: Pilot, selector: str) -> None:
    """Click a widget with the mouse, scrolling it into view first as a user would."""
    pilot.app.screen.query_one(selector).scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.pause()
    await pilot.click(selector)
    await settle(pilot)
