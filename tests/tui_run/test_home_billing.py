"""The home screen's line above the cluster table: which clusters bill now and their total (issue 17), first from
the last look, then from the home's own live look."""

from __future__ import annotations

import threading

from clusterwiz.app import make_app
from clusterwiz.core.billing import LAST_LOOK_FILE
from clusterwiz.core.status import cluster_status
from clusterwiz.screens.home import HomeScreen
from tests.tui.driving import settle, synchronous
from tests.tui_run.test_run_screens import SIZE, text_of
from tests.tui_run.test_teardown_menu import fleet_of, head_of, stopped_by_its_agent


def billing_line(screen) -> str:
    return " ".join(text_of(screen, "#home-billing").split())


@synchronous
async def test_the_home_says_what_bills_and_its_total_from_its_live_look(settings, catalog, registry) -> None:
    registry.set_status("demo", "applied")
    head_of("demo")
    fleet_of("demo", {"compute": 1, "gpu": 0})
    per_hour = cluster_status(catalog.session, catalog, registry.get("demo").spec).cost.per_hour
    looked = threading.Event()  # the home's live look waits for it: the line before it is asserted first
    app = make_app(settings, catalog_factory=lambda _: looked.wait(30) and catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.pause()
        # Before the home's look: what the registry knows.
        assert billing_line(app.screen).startswith("May bill now: demo ? (applied;")
        looked.set()
        await settle(pilot)
        assert billing_line(app.screen) == (
            f"Billing now, ${per_hour:.3f}/h: demo ${per_hour:.3f}/h, as of the last look just now.")
    assert (registry.get("demo").directory / LAST_LOOK_FILE).is_file()  # the next start-up's figure


@synchronous
async def test_the_home_says_a_cluster_stopped_by_its_idle_stop_bills_storage_only(settings, catalog, registry) -> None:
    stopped_by_its_agent(registry)
    storage = cluster_status(catalog.session, catalog, registry.get("demo").spec).cost.per_hour
    app = make_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert billing_line(app.screen) == (
            f"Billing now, ${storage:.3f}/h: demo ${storage:.3f}/h (stopped itself (idle): storage only), as of the "
            "last look just now.")


@synchronous
async def test_no_line_when_nothing_bills(settings, catalog, registry) -> None:
    app = make_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#home-billing").display
