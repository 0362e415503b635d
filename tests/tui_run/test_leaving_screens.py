"""Ways out (issue 16): quit is named in every footer and asks first while Terraform runs; the plan's Back names
the screen it returns to; a run's Back says it keeps the run going only while it runs; Back after a destroy goes to
the cluster list."""

from __future__ import annotations

from textual.widgets import Button, Static

from clusterwiz.modals.confirm import ConfirmModal
from clusterwiz.modals.destroy import DestroyModal
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.navigation import live_workspace, run_screen, show_dashboard, show_plan
from clusterwiz.screens.plan import PlanScreen
from clusterwiz.screens.run import RunScreen
from clusterwiz.widgets.footer import Footer
from tests.tui.driving import settle, synchronous
from tests.tui_run.replay import ReplayedTerraform
from tests.tui_run.test_run_screens import SIZE, planned


def footer_text(screen) -> str:
    return " ".join(str(key.render()) for key in screen.query_one(Footer).query("FooterKey"))


@synchronous
async def test_quit_is_in_the_footer_and_asks_first_while_a_run_goes_on(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app), hold_before_end=True)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot, terraform)
        footer = footer_text(app.screen)
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


@synchronous
async def test_the_runs_footer_says_the_run_keeps_going_only_while_it_runs(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app), apply_stream="apply-failure", hold_before_end=True)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot, terraform)
        await pilot.click("#apply")
        await pilot.pause(0.2)
        run = app.get_screen("run-demo")
        assert app.screen is run and run.running
        assert "Back (a run keeps going)" in footer_text(run)
        terraform.release.set()
        await settle(pilot)
        assert run.progress.outcome == "failed"
        footer = footer_text(run)
        assert "esc Back" in footer and "keeps going" not in footer
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


@synchronous
async def test_back_after_a_destroy_goes_to_the_cluster_list_not_a_dead_dashboard(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app))
    async with app.run_test(size=SIZE) as pilot:
        run_screen(app, "demo", terraform)  # the cluster's Terraform is the replayed one from here on
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("o")  # the dashboard, then plan and apply from it
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)  # the apply opened the dashboard of the new cluster
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DestroyModal)
        await pilot.press(*"demo", "enter")
        await settle(pilot)
        run = app.screen
        assert isinstance(run, RunScreen) and run.operation == "destroy" and run.progress.outcome == "done"
        assert not app.registry.exists("demo")
        assert str(run.query_one("#leave", Button).label) == "Back to clusters"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert not any(isinstance(screen, DashboardScreen) for screen in app.screen_stack)
        # The last cluster gone, the list says what to do first, not a bare table header.
        assert "No clusters yet" in str(app.screen.query_one("#home-empty", Static).render())
