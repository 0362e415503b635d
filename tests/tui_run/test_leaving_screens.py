"""Ways out (issue 16): quit is named in every footer and asks first while Terraform runs; the plan's Back names
the screen it returns to."""

from __future__ import annotations

from textual.widgets import Button

from clusterwiz.modals.confirm import ConfirmModal
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.navigation import live_workspace, show_dashboard, show_plan
from clusterwiz.widgets.footer import Footer
from tests.tui.driving import settle, synchronous
from tests.tui_run.replay import ReplayedTerraform
from tests.tui_run.test_run_screens import SIZE, planned


@synchronous
async def test_quit_is_in_the_footer_and_asks_first_while_a_run_goes_on(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app), hold_before_end=True)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot, terraform)
        footer = " ".join(str(key.render()) for key in app.screen.query_one(Footer).query("FooterKey"))
        assert "^q" in footer and "Quit" in footer
        await pilot.click("#apply")
        await pilot.pause(0.2)
        run = app.get_screen("run-demo")
        assert run.running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and app.is_running
        assert "The apply of demo is still running" in str(app.screen.query_one(".confirm-body").render())
        await pilot.press("escape")  # Keep running is the default
        await pilot.pause()
        assert app.screen is run and run.running
        terraform.release.set()
        await settle(pilot)
        await pilot.press("ctrl+q")  # nothing runs: quits at once
        await pilot.pause()
        assert not app.is_running


@synchronous
async def test_the_plans_back_names_where_it_returns(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_dashboard(app, "demo")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        show_plan(app, "demo", terraform=terraform)
        await settle(pilot)
        assert str(app.screen.query_one("#back", Button).label) == "Back to dashboard"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
