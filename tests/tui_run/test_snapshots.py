"""Snapshots of the plan, run, dashboard and teardown screens, Terraform replayed from recorded streams.

Update after an intended change with `pytest tests/tui_run/test_snapshots.py --snapshot-update`, then look at
the SVGs before committing them. The run screen's clock is frozen, so elapsed times are Terraform's own.
"""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent, Tree

from clusterwiz.screens.navigation import live_workspace, show_dashboard, show_plan, start_run
from clusterwiz.screens.run import RunScreen, run_screen_name
from tests.tui.driving import settle, still_frame
from tests.tui_run.replay import ReplayedTerraform

WIDE = (120, 36)
SMALL = (80, 24)


def frozen_run_screen(pilot: Pilot, terraform: ReplayedTerraform) -> None:
    pilot.app.install_screen(RunScreen("demo", terraform, clock=lambda: 0.0), run_screen_name("demo"))


async def calm(pilot: Pilot) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()
    await still_frame(pilot)


async def plan_with_details(pilot: Pilot) -> None:
    await settle(pilot)
    show_plan(pilot.app, "demo", terraform=ReplayedTerraform(live_workspace(pilot.app)))
    await settle(pilot)
    tree = pilot.app.screen.query_one(Tree)
    tree.move_cursor(tree.root.children[4].children[0])  # the head node
    await calm(pilot)


def run_of(stream: str, tab: str | None = None):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        terraform = ReplayedTerraform(live_workspace(pilot.app), apply_stream=stream)
        frozen_run_screen(pilot, terraform)
        screen = start_run(pilot.app, "demo", "apply", terraform)
        screen.on_success = None  # stay on the run screen to photograph it
        if stream == "apply-cancel":  # cancel where it was recorded: the replay waits there for it
            for _ in range(500):
                await asyncio.sleep(0.02)
                if screen.progress.done == 4:  # the 4th resource done is the recorded interrupt's line
                    break
            assert screen.progress.done == 4, "the replay did not reach the recorded interrupt"
            screen._cancel_confirmed(True)
        await settle(pilot)
        if tab:
            screen.query_one(TabbedContent).active = tab
        await calm(pilot)
    return run_before


def dashboard_tab(tab: str):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        show_dashboard(pilot.app, "demo", tab=tab)
        await calm(pilot)
    return run_before


async def destroy_modal(pilot: Pilot) -> None:
    await dashboard_tab("teardown")(pilot)
    await pilot.click("#destroy")
    await pilot.press(*"dem")
    # A blinking cursor would be on or off depending on when the picture is taken.
    pilot.app.screen.query_one(Input).cursor_blink = False
    await calm(pilot)


def test_plan(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=plan_with_details)


def test_plan_at_80x24(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=SMALL, run_before=plan_with_details)


def test_apply_done(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=run_of("apply-success"))


def test_apply_done_at_80x24(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=SMALL, run_before=run_of("apply-success"))


def test_apply_failed(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=run_of("apply-failure"))


def test_apply_failed_resources(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=run_of("apply-failure", "resources-tab"))


def test_apply_cancelled(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=run_of("apply-cancel"))


def test_apply_log(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=run_of("apply-success", "log-tab"))


def test_dashboard(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=dashboard_tab("overview"))


def test_dashboard_ssh(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=dashboard_tab("ssh"))


def test_teardown(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=dashboard_tab("teardown"))


def test_destroy_confirmation(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=destroy_modal)


def test_teardown_menu(snap_compare, settings, catalog, registry) -> None:
    from clusterwiz.screens.teardown import teardown_app

    registry.set_status("demo", "applied")
    app = teardown_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    assert snap_compare(app, terminal_size=WIDE, run_before=calm)
