"""Snapshots of every screen at 80x24 (and the busiest at 200x60), against a seeded, deterministic moto account.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at
the SVGs (or scripts/screenshots.py's PNGs) before committing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.steps import STEPS
from tests.catalog.account import REGION, Account
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
