"""Every screen of the app, reached the same way by the snapshot tests and scripts/screenshots.py.

The account is moto's, seeded so resource ids are the same on every run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
import requests
from textual.pilot import Pilot
from textual.widgets import Input

from clusterwiz.app import ClusterwizApp, make_app
from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.steps import STEPS
from clusterwiz.screens.wizard import PREPARE_AHEAD_AFTER_S
from tests.catalog.account import REGION, Account, build_account
from tests.tui.driving import settle, still_frame

MOTO_SEED = 20261121
RunBefore = Callable[[Pilot], Awaitable[None]]


def seeded_account(endpoint: str) -> Account:
    """A realistic account whose ids are the same on every run (moto's random generator, seeded)."""
    # moto makes a region's resources when the region is first asked about, drawing ids: before the seed.
    boto3.client("ec2", region_name=REGION).describe_vpcs()
    requests.post(f"{endpoint}/moto-api/seed", params={"a": MOTO_SEED}, timeout=10).raise_for_status()
    remake_default_vpc()
    return build_account()


def remake_default_vpc() -> None:
    """moto makes a region's default VPC with its backend, at a reset, from a generator the earlier tests of
    this process have drawn on: made again after the seed, its id is the same on every run."""
    ec2 = boto3.client("ec2", region_name=REGION)
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        ec2.delete_vpc(VpcId=vpc["VpcId"])
    ec2.create_default_vpc()


def example_spec(account: Account, name: str = "lab") -> ClusterSpec:
    return ClusterSpec.model_validate({
        "name": name, "region": REGION, "os": "debian13", "key_pair": account.key_rsa,
        "network": {"availability_zone": f"{REGION}a"},
        "head_node": {"instance_type": "t3.medium"},
        "queues": [{"name": "cpu", "instance_types": ["c6i.xlarge"], "max_nodes": 4},
                   {"name": "spot", "instance_types": ["c6i.2xlarge"], "capacity": "spot", "max_nodes": 8}],
        "shared_storage": [{"mount_dir": "/scratch", "volume_id": account.volume_a},
                           {"mount_dir": "/data", "size_gib": 200}],
    })


def app_with(home: Path, catalog: Catalog, start_from: ClusterSpec | None = None,
             saved: ClusterSpec | None = None) -> ClusterwizApp:
    settings = Settings(home=home, region=REGION, endpoint_url=catalog.session.endpoint_url)
    registry = Registry(settings.home)
    if saved is not None:
        registry.create(saved)
    return make_app(settings, catalog_factory=lambda _: catalog, registry=registry, start_from=start_from)


async def frozen(pilot: Pilot) -> None:
    """Settle lookups (the next step's too, prepared ahead), stop the cursor blinking, drop toasts, and wait for
    a still frame."""
    await pilot.pause(PREPARE_AHEAD_AFTER_S)
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await still_frame(pilot)


def go_to(step_id: str) -> RunBefore:
    """Open a wizard step (or "review") from the sidebar, by keyboard."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        step_list = pilot.app.screen.query_one("#step-list")
        step_list.focus()
        step_list.highlighted = next(i for i, o in enumerate(step_list.options) if o.id == step_id)
        await pilot.press("enter")
        await frozen(pilot)
    return run_before


def terraform_tab() -> RunBefore:
    async def run_before(pilot: Pilot) -> None:
        await go_to("review")(pilot)
        pilot.app.screen.query_one("#review-tabs").active = "hcl-tab"
        await frozen(pilot)
    return run_before


@dataclass(frozen=True)
class Stop:
    """One screen of the tour: its file name, the terminal size, and how to get there."""

    name: str
    size: tuple[int, int]
    run_before: RunBefore
    home_screen: bool = False  # start with a saved cluster and no wizard


def tour() -> list[Stop]:
    stops = [Stop("home", (100, 30), frozen, home_screen=True)]
    stops += [Stop(f"step-{n:02d}-{step.id}", (100, 30), go_to(step.id)) for n, step in enumerate(STEPS, 1)]
    stops += [Stop("review-summary", (100, 40), go_to("review")),
              Stop("review-terraform", (100, 40), terraform_tab()),
              Stop("queues-200x60", (200, 60), go_to("queues"))]
    return stops


def app_for_stop(stop: Stop, home: Path, catalog: Catalog, account: Account) -> ClusterwizApp:
    if stop.home_screen:
        return app_with(home, catalog, saved=example_spec(account, name="alpha"))
    return app_with(home, catalog, start_from=example_spec(account))
