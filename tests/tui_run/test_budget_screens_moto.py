"""The head node's spend figure and its budget warning in the app: the dashboard, the home screen and the teardown
menu show what `clusterwiz status` and `clusterwiz list` show (one figure, the head node's clusterwiz:spend-usd)."""

from __future__ import annotations

import boto3
import pytest
import yaml

from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.node.budget import SPEND_TAG
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.navigation import show_dashboard
from clusterwiz.screens.teardown import TeardownMenuScreen, teardown_app
from tests.support.cli import clusterwiz, clusterwiz_json
from tests.tui.driving import settle, synchronous
from tests.tui_run.conftest import DEMO_AMI
from tests.tui_run.record_streams import REGION, spec_text
from tests.tui_run.test_run_screens import SIZE, text_of
from tests.tui_run.test_teardown_menu import head_of

SPENT = "the cluster spent $41.00 of its $50 budget (82%)"


@pytest.fixture
def registry(settings: Settings) -> Registry:
    """demo with a $50 budget, applied, its head node having counted $41 of it."""
    registry = Registry(settings.home, "aws")
    registry.create(ClusterSpec.model_validate({**yaml.safe_load(spec_text("demo", DEMO_AMI)), "budget_usd": 50}))
    registry.set_status("demo", "applied")
    boto3.client("ec2", region_name=REGION).create_tags(Resources=[head_of("demo")],
                                                        Tags=[{"Key": SPEND_TAG, "Value": "41.00"}])
    return registry


@synchronous
async def test_the_dashboard_and_the_home_screen_show_the_head_nodes_spend_and_the_warning(app, settings,
                                                                                           moto) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        row = [str(cell) for cell in app.screen.query_one("#clusters").get_row("demo")]
        assert row[2] == "applied, spent $41.00 of its $50 budget (82%)"
        show_dashboard(app, "demo")
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        cost = " ".join(text_of(dashboard, "#dash-cost").split())
        assert "Spent since creation: $41.00 of its $50 budget (82%)" in cost
        assert f"{SPENT}: at 100% no new job starts" in cost and "`clusterwiz budget demo 100`" in cost

    printed = " ".join(clusterwiz(settings.home, "--endpoint-url", moto, "status", "demo").stdout.split())
    assert "Spent since creation: $41.00 of its $50 budget (82%)" in printed and SPENT in printed
    listed = clusterwiz_json(settings.home, "--endpoint-url", moto, "list")
    assert [row["state"] for row in listed] == ["applied, spent $41.00 of its $50 budget (82%)"]


@synchronous
async def test_the_teardown_menu_shows_the_same_spend(settings, catalog, registry) -> None:
    app = teardown_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TeardownMenuScreen)
        row = [str(cell) for cell in app.screen.query_one("#teardown-clusters").get_row("demo")]
        assert row[2] == "applied, spent $41.00 of its $50 budget (82%)"
