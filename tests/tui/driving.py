"""Drive the wizard like a user, by keyboard: pick a row, type into a field, go to the next step."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static
from textual.worker import WorkerCancelled

from clusterwiz.screens.wizard import REFRESH_DELAY_S, WizardScreen
from clusterwiz.widgets.choice_table import ChoiceTable

ShownWidget = TypeVar("ShownWidget", bound=Widget)
REFRESH_WAIT_S = 10.0


def on_show(app: App[Any], selector: str) -> list[Widget]:
    """The widgets of this selector a user can see. The wizard keeps the forms of other steps mounted but
    hidden, and their fields can share ids (a queue's name and the cluster's name)."""
    return [w for w in app.screen.query(selector) if all(node.display for node in w.ancestors_with_self)]


def shown(app: App[Any], selector: str, expect_type: type[ShownWidget] | None = None) -> Any:
    """The one widget of this selector on show."""
    visible = on_show(app, selector)
    assert len(visible) == 1, f"{len(visible)} widgets on show match {selector}"
    if expect_type is not None:
        assert isinstance(visible[0], expect_type), f"{selector} is a {type(visible[0]).__name__}"
    return visible[0]


async def workers_finished(app: App[Any]) -> None:
    """Wait until the app's workers have ended. One cancelled meanwhile has ended too: a step's form prepared
    ahead is dropped for a newer one when the user moves on (Textual's wait_for_complete raises then)."""
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


async def still_frame(pilot: Pilot) -> None:
    """Until two screenshots 0.1 s apart are the same: nothing is left to lay out or paint (a label changed
    just before is laid out at the next frame, and a snapshot taken sooner shows its old width)."""
    previous = None
    for _ in range(20):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.1)
        # A layout still waiting for the screen's next tick is not in a screenshot: under load two screenshots
        # 0.1 s apart can both come before it. The screen calls this back once it has refreshed.
        refreshed = asyncio.Event()
        pilot.app.screen.call_after_refresh(refreshed.set)
        await refreshed.wait()
        frame = pilot.app.export_screenshot()
        if frame == previous:
            return
        previous = frame


async def settle(pilot: Pilot) -> None:
    """Wait until every lookup worker has finished and its messages are handled."""
    for _ in range(3):
        await workers_finished(pilot.app)
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
    table_widget = shown(pilot.app, f"#f-{item}-{field}", ChoiceTable)
    search = table_widget.query(".choice-filter")
    # The search matches what a row shows: an image's value (ubuntu2404/x86_64) is in none of its cells.
    if search and any(value in choice.cells for choice in table_widget.choices):
        search.first(Input).focus()
        await pilot.press("ctrl+u", *value)
    rows = table_widget.query_one(DataTable)
    rows.focus()
    keys = [row.key.value for row in rows.ordered_rows]
    assert value in keys, f"{value} is not offered in {field}: {keys[:20]}"
    steps = keys.index(value) - rows.cursor_row
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await pilot.pause(REFRESH_DELAY_S + 0.1)  # a field that changes others rebuilds the form once it rests
    # On a loaded machine the rebuild's timer fires late: settled before it, the old form would still show.
    deadline = time.monotonic() + REFRESH_WAIT_S
    while getattr(pilot.app.screen, "refresh_timer", None) is not None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await settle(pilot)


async def toggle(pilot: Pilot, field: str, value: str, item: int = 0) -> None:
    """Tick or untick a row of a several-choice table (space)."""
    await pick(pilot, field, value, item)
    await pilot.press("space")


async def type_into(pilot: Pilot, field: str, text: str, item: int = 0) -> None:
    field_input = shown(pilot.app, f"#f-{item}-{field}", Input)
    field_input.focus()
    await pilot.press("end", "ctrl+u", *text)


async def next_step(pilot: Pilot) -> None:
    await pilot.press("ctrl+n")
    await settle(pilot)


def problem(pilot: Pilot, field: str, item: int = 0) -> str:
    return str(shown(pilot.app, f"#p-{item}-{field}", Static).render())


def synchronous(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test with asyncio.run, so no async pytest plugin is needed."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def click(pilot: Pilot, selector: str) -> None:
    """Click a widget with the mouse, scrolling it into view first as a user would."""
    widget = shown(pilot.app, selector)
    widget.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.pause()
    await pilot.click(widget)
    await settle(pilot)
