"""Snapshots of every screen at 80x24 (and the busiest at 200x60), against a seeded, deterministic moto account.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at
the SVGs (or scripts/screenshots.py's PNGs) before committing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.steps import INSTANCE_COLUMNS, STEPS
from tests.catalog.account import REGION, Account
from tests.tui.driving import synchronous
from tests.tui.tour import app_with, example_spec, frozen, go_to, seeded_account, terraform_tab


@pytest.fixture
def account(moto: str) -> Account:
    return seeded_account(moto)


@pytest.fixture
def snapshot_catalog(moto: str, account: Account, catalog_cache: Path) -> Iterator[Catalog]:
    catalog = Catalog(AwsSession(region=REGION, endpoint_url=moto), cache_dir=catalog_cache)
    yield catalog
    # Lookups still under way would call moto while the next test seeds its ids.
    catalog.close(wait=True)


@pytest.mark.parametrize("step_id", [step.id for step in STEPS])
def test_each_wizard_step_at_80x24(snap_compare, tmp_path, snapshot_catalog, account, step_id) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog, start_from=example_spec(account))
    assert snap_compare(app, terminal_size=(80, 24), run_before=go_to(step_id))


def steps_hidden(step_id: str):
    async def run_before(pilot) -> None:
        await go_to(step_id)(pilot)
        await pilot.press("ctrl+t")  # the footer's "Steps": the list of steps hides, the form takes its width
        await frozen(pilot)
    return run_before


@pytest.mark.parametrize("step_id", ["os", "head_node"])
def test_a_step_at_80x24_with_the_list_of_steps_hidden(snap_compare, tmp_path, snapshot_catalog, account,
                                                       step_id) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog, start_from=example_spec(account))
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps_hidden(step_id))


def whole_columns(table: DataTable, count: int) -> bool:
    """Whether the table's first `count` columns show whole, without scrolling it sideways."""
    widths = sum(column.get_render_width(table) for column in table.ordered_columns[:count])
    return widths <= table.scrollable_content_region.width


@synchronous
async def test_at_80x24_the_columns_that_tell_choices_apart_show_with_one_scrollbar(tmp_path, snapshot_catalog,
                                                                                      account) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog, start_from=example_spec(account))
    async with app.run_test(size=(80, 24)) as pilot:
        for step_id, field, columns in (("os", "image", 3), ("head_node", "instance_type", len(INSTANCE_COLUMNS))):
            await go_to(step_id)(pilot)
            form = app.screen.form
            table = form.query_one(f"#f-0-{field} DataTable", DataTable)
            # System, architecture and the whole AMI id; every instance column, $/h the last: beside the steps.
            assert whole_columns(table, columns), step_id
            assert not (form.show_vertical_scrollbar and table.show_vertical_scrollbar), step_id
            assert all(input_.outer_size.width <= form.scrollable_content_region.width
                       for input_ in form.query(Input)), f"an input of {step_id} is cut off"
        await pilot.press("ctrl+t")
        await frozen(pilot)
        assert not app.screen.query_one("#step-list").display
        assert table.size.width >= 70  # the form takes the list's width
        await pilot.press("ctrl+t")
        await frozen(pilot)
        assert app.screen.query_one("#step-list").display


def test_queues_at_200x60(snap_compare, tmp_path, snapshot_catalog, account) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog, start_from=example_spec(account))
    assert snap_compare(app, terminal_size=(200, 60), run_before=go_to("queues"))


def test_review_summary(snap_compare, tmp_path, snapshot_catalog, account) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog, start_from=example_spec(account))
    assert snap_compare(app, terminal_size=(100, 40), run_before=go_to("review"))


def test_review_terraform_tab(snap_compare, tmp_path, snapshot_catalog, account) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog, start_from=example_spec(account))
    assert snap_compare(app, terminal_size=(100, 40), run_before=terraform_tab())


def test_home_with_a_saved_cluster(snap_compare, tmp_path, snapshot_catalog, account) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog, saved=example_spec(account, name="alpha"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=frozen)


def test_home_without_clusters(snap_compare, tmp_path, snapshot_catalog, account) -> None:
    app = app_with(tmp_path / "home", snapshot_catalog)

    async def cluster_list(pilot) -> None:
        await frozen(pilot)
        await pilot.press("escape")  # from the wizard a first start opens, to the (empty) cluster list
        await frozen(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=cluster_list)
