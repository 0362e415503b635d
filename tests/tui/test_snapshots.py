"""Snapshots of every screen at 80x24 (and the busiest at 200x60), against a seeded, deterministic moto account.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at
the SVGs (or scripts/screenshots.py's PNGs) before committing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from textual.pilot import Pilot
from textual.widgets import Input

from clusterwiz.app import ClusterwizApp, make_app
from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.steps import STEPS
from tests.catalog.account import REGION, Account, build_account
from tests.tui.driving import settle

MOTO_SEED = 20261121  # makes moto's resource ids the same on every run


@pytest.fixture
def seeded_account(moto: str) -> Account:
    requests.post(f"{moto}/moto-api/seed", params={"a": MOTO_SEED}, timeout=10).raise_for_status()
    return build_account()


@pytest.fixture
def snapshot_catalog(moto: str, seeded_account: Account, catalog_cache: Path) -> Iterator[Catalog]:
    catalog = Catalog(AwsSession(region=REGION, endpoint_url=moto), cache_dir=catalog_cache)
    yield catalog
    catalog.close()


def example_spec(account: Account, name: str = "lab") -> ClusterSpec:
    return ClusterSpec.model_validate({
        "name": name, "region": REGION, "os": "ubuntu2404", "key_pair": account.key_rsa,
        "network": {"availability_zone": f"{REGION}a"},
        "head_node": {"instance_type": "t3.medium"},
        "queues": [{"name": "cpu", "instance_types": ["c6i.xlarge"], "max_nodes": 4},
                   {"name": "spot", "instance_types": ["c6i.2xlarge"], "capacity": "spot", "max_nodes": 8}],
        "shared_storage": [{"mount_dir": "/scratch", "volume_id": account.volume_a},
                           {"mount_dir": "/data", "size_gib": 200}],
    })


def app_with(tmp_path: Path, catalog: Catalog, start_from: ClusterSpec | None = None,
             saved: ClusterSpec | None = None) -> ClusterwizApp:
    settings = Settings(home=tmp_path / "home", region=REGION, endpoint_url=catalog.session.endpoint_url)
    registry = Registry(settings.home)
    if saved is not None:
        registry.create(saved)
    return make_app(settings, catalog_factory=lambda _: catalog, registry=registry, start_from=start_from)


async def frozen(pilot: Pilot) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    # Focusing a field scrolls it (and the table cursor) into view after layout: wait for a still frame.
    previous = None
    for _ in range(20):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.1)
        frame = pilot.app.export_screenshot()
        if frame == previous:
            return
        previous = frame


def go_to(step_id: str):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        step_list = pilot.app.screen.query_one("#step-list")
        step_list.focus()
        step_list.highlighted = next(i for i, o in enumerate(step_list.options) if o.id == step_id)
        await pilot.press("enter")
        await settle(pilot)
        await frozen(pilot)
    return run_before


@pytest.mark.parametrize("step_id", [step.id for step in STEPS])
def test_each_wizard_step_at_80x24(snap_compare, tmp_path, snapshot_catalog, seeded_account, step_id) -> None:
    app = app_with(tmp_path, snapshot_catalog, start_from=example_spec(seeded_account))
    assert snap_compare(app, terminal_size=(80, 24), run_before=go_to(step_id))


def test_queues_at_200x60(snap_compare, tmp_path, snapshot_catalog, seeded_account) -> None:
    app = app_with(tmp_path, snapshot_catalog, start_from=example_spec(seeded_account))
    assert snap_compare(app, terminal_size=(200, 60), run_before=go_to("queues"))


def test_review_summary(snap_compare, tmp_path, snapshot_catalog, seeded_account) -> None:
    app = app_with(tmp_path, snapshot_catalog, start_from=example_spec(seeded_account))
    assert snap_compare(app, terminal_size=(100, 40), run_before=go_to("review"))


def test_review_terraform_tab(snap_compare, tmp_path, snapshot_catalog, seeded_account) -> None:
    async def run_before(pilot: Pilot) -> None:
        await go_to("review")(pilot)
        pilot.app.screen.query_one("#review-tabs").active = "hcl-tab"
        await frozen(pilot)

    app = app_with(tmp_path, snapshot_catalog, start_from=example_spec(seeded_account))
    assert snap_compare(app, terminal_size=(100, 40), run_before=run_before)


def test_home_with_a_saved_cluster(snap_compare, tmp_path, snapshot_catalog, seeded_account) -> None:
    app = app_with(tmp_path, snapshot_catalog, saved=example_spec(seeded_account, name="alpha"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=frozen)
