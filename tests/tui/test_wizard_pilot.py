"""The app driven by Pilot against moto's server: every step, bad input, going back, failed lookups."""

from __future__ import annotations

import gc
from pathlib import Path

from moto.server import ThreadedMotoServer
from textual.widgets import Button, DataTable, Static

from clusterwiz.app import make_app
from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.steps import Context, WizardState
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.review import ReviewScreen
from clusterwiz.screens.wizard import WizardScreen
from clusterwiz.widgets.footer import Footer
from tests.catalog.account import REGION, Account
from tests.support.moto_server import free_port
from tests.tui.driving import (
    at_step,
    click,
    next_step,
    on_show,
    pick,
    problem,
    settle,
    shown,
    synchronous,
    toggle,
    type_into,
    wizard,
)

SIZE = (110, 40)


def app_for(settings: Settings, catalog: Catalog, registry: Registry, start_from: ClusterSpec | None = None):
    return make_app(settings, catalog_factory=lambda _: catalog, registry=registry, start_from=start_from)


def spec_of(account: Account, **changes: object) -> ClusterSpec:
    data = {
        "name": "lab", "region": REGION, "os": "ubuntu2404", "key_pair": account.key_rsa,
        "network": {"availability_zone": f"{REGION}a"},
        "head_node": {"instance_type": "t3.medium"},
        "queues": [{"name": "cpu", "instance_types": ["c6i.xlarge"], "max_nodes": 4}],
        "shared_storage": [{"mount_dir": "/scratch", "volume_id": account.volume_a}],
    }
    data.update(changes)
    return ClusterSpec.model_validate(data)


@synchronous
async def test_a_new_user_walks_every_step_by_keyboard_and_saves(settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")  # no clusters yet: straight into the wizard
        detail = str(shown(app, "#d-0-mode", Static).render())
        assert "Signed in to account 123456789012 as arn:aws:" in detail
        await next_step(pilot)

        await at_step(pilot, "name")
        await type_into(pilot, "name", "Bad_Name")
        await next_step(pilot)
        await at_step(pilot, "name")
        assert "is not a valid cluster name" in problem(pilot, "name")
        await type_into(pilot, "name", "lab")
        await pilot.press("enter")  # enter in a text field goes on, like a form
        await settle(pilot)

        await at_step(pilot, "region")
        await pick(pilot, "region", REGION)
        detail = str(shown(app, "#d-0-region", Static).render())
        assert "3 availability zones" in detail
        await next_step(pilot)

        await at_step(pilot, "network")
        await pick(pilot, "availability_zone", f"{REGION}b")
        await type_into(pilot, "ssh_cidr", "0.0.0.0/0")
        await next_step(pilot)  # the world may SSH in: allowed, with a warning

        await at_step(pilot, "os")
        assert shown(app, "#f-0-image").value == "debian13/x86_64"  # the suggested one
        await pick(pilot, "image", "ubuntu2204/x86_64")  # offered greyed out, with why: it cannot be chosen
        note = str(shown(app, "#f-0-image .choice-note", Static).render())
        assert "cannot be chosen yet: its Slurm (21.08) lacks the dynamic nodes" in note
        # The arrow keys went through Rocky Linux 9 (a pick) on their way; the pick stays there.
        assert "Still chosen: Rocky Linux 9, x86_64" in note
        assert shown(app, "#f-0-image").value == "rocky9/x86_64"
        await pick(pilot, "image", "rocky9/x86_64")
        await next_step(pilot)

        await at_step(pilot, "head_node")
        await pick(pilot, "instance_type", "m5.large")
        await next_step(pilot)

        await at_step(pilot, "queues")
        await type_into(pilot, "name", "cpu")
        await toggle(pilot, "instance_types", "c6i.xlarge")  # untick the default
        await toggle(pilot, "instance_types", "c5.2xlarge")
        await pick(pilot, "capacity", "spot")
        await type_into(pilot, "min_nodes", "3")
        await type_into(pilot, "initial_nodes", "3")
        await type_into(pilot, "max_nodes", "2")
        await next_step(pilot)
        await at_step(pilot, "queues")
        assert "is 2 but initial nodes is 3; raise maximum nodes to 3" in problem(pilot, "max_nodes")
        await type_into(pilot, "max_nodes", "6")
        await click(pilot, "#add-item")  # the mouse works too
        assert shown(app, "#f-1-name").value == "compute"  # a free default name
        await click(pilot, "#remove-1")
        assert not on_show(app, "#f-1-name")
        await next_step(pilot)

        await at_step(pilot, "storage")
        await click(pilot, "#add-item")
        await pick(pilot, "source", account.volume_a)  # in eu-west-2a, the cluster is in 2b
        note = str(shown(app, "#f-0-source .choice-note", Static).render())
        assert f"the cluster runs in {REGION}b" in note
        assert shown(app, "#f-0-source").value != account.volume_a  # the pick stays on what can be chosen
        await pick(pilot, "source", account.volume_b)
        await type_into(pilot, "mount_dir", "/data")
        await next_step(pilot)

        await at_step(pilot, "key_pair")
        await pick(pilot, "key", account.key_ed25519)
        await next_step(pilot)

        await at_step(pilot, "cost_limits")
        await type_into(pilot, "idle_stop_minutes", "30")
        await next_step(pilot)

        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        summary = str(review.query_one("#review-lines", Static).render())
        assert "allowed from anywhere (0.0.0.0/0)" in summary
        assert "Queue cpu: 3 to 6 spot nodes of c5.2xlarge" in summary
        assert f"/data: your volume {account.volume_b}" in summary
        assert "/h now" in str(review.query_one("#review-cost", Static).render())
        assert review.query(".hcl"), "the Terraform tab shows the rendered files"
        await pilot.press("ctrl+s")
        await settle(pilot)

    spec = registry.get("lab").spec
    assert (spec.region, spec.os, spec.head_node.instance_type) == (REGION, "rocky9", "m5.large")
    assert spec.network.creates_vpc and spec.network.availability_zone == f"{REGION}b"
    assert spec.network.ssh_cidr == "0.0.0.0/0"
    queue = spec.queues[0]
    assert (queue.name, queue.instance_types, queue.capacity) == ("cpu", ["c5.2xlarge"], "spot")
    assert (queue.min_nodes, queue.initial_nodes, queue.max_nodes) == (3, 3, 6)
    assert [(v.volume_id, v.mount_dir) for v in spec.shared_storage] == [(account.volume_b, "/data")]
    assert spec.key_pair == account.key_ed25519
    assert spec.idle_stop_minutes == 30


@synchronous
async def test_an_existing_vpc_offers_its_subnets_and_going_back_keeps_them(settings, catalog, registry,
                                                                           account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        app.screen.query_one("#step-list").focus()
        await pick_step(pilot, "network")
        await at_step(pilot, "network")
        await pick(pilot, "vpc", account.hpc_vpc)  # shows the VPC's subnets
        subnets = shown(app, "#f-0-subnet DataTable", DataTable)
        assert {row.key.value for row in subnets.ordered_rows} == {account.subnet_a, account.subnet_b,
                                                                    account.tiny_subnet}
        await pick(pilot, "subnet", account.tiny_subnet)
        assert "free addresses" in str(shown(app, "#f-0-subnet .choice-note", Static).render())
        await pick(pilot, "subnet", account.subnet_a)
        await pilot.press("ctrl+o")
        await at_step(pilot, "region")
        await pilot.press("ctrl+n")
        await at_step(pilot, "network")  # back and forth: the draft is still there
        assert shown(app, "#f-0-vpc").value == account.hpc_vpc
        assert shown(app, "#f-0-subnet").value == account.subnet_a
        await next_step(pilot)
        await at_step(pilot, "os")
        assert wizard(pilot).state.answers["network"]["subnet"] == account.subnet_a


async def pick_step(pilot, step_id: str) -> None:
    """Choose a step in the sidebar by keyboard."""
    step_list = pilot.app.screen.query_one("#step-list")
    step_list.focus()
    index = next(i for i, option in enumerate(step_list.options) if option.id == step_id)
    step_list.highlighted = index
    await pilot.press("enter")
    await settle(pilot)


@synchronous
async def test_a_new_region_clears_only_what_depends_on_it_and_says_so(settings, catalog, registry,
                                                                       account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pick_step(pilot, "region")
        await pick(pilot, "region", "us-east-1")
        await next_step(pilot)
        screen = await at_step(pilot, "network")
        assert set(screen.state.answers) == {"account", "name", "region", "os", "head_node", "queues", "cost_limits"}
        notices = [n.message for n in app._notifications]
        assert any("Network, Shared storage, Key pair were cleared" in n for n in notices)
        # Only the cleared steps and those answered stay reachable; review waits until all are done.
        disabled = {o.id for o in screen.query_one("#step-list").options if o.disabled}
        assert disabled == {"storage", "key_pair", "review"}


@synchronous
async def test_an_arm_image_limits_the_instance_types_and_clears_x86_choices(settings, catalog, registry,
                                                                             account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pick_step(pilot, "os")
        await pick(pilot, "image", "ubuntu2404/arm64")
        await next_step(pilot)
        screen = await at_step(pilot, "head_node")
        assert "head_node" not in screen.state.answers and "queues" not in screen.state.answers
        rows = shown(app, "#f-0-instance_type DataTable", DataTable)
        offered = {row.key.value for row in rows.ordered_rows}
        assert "t4g.medium" in offered and "t3.medium" not in offered
        assert shown(app, "#f-0-instance_type").value == "t4g.medium"


@synchronous
async def test_a_custom_ami_is_checked_live(settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pick_step(pilot, "os")
        await pick(pilot, "image", "custom")
        await type_into(pilot, "ami_id", "ami-0123456789abcdef0")
        await next_step(pilot)
        await at_step(pilot, "os")
        assert "does not exist in eu-west-2" in problem(pilot, "ami_id")
        await type_into(pilot, "ami_id", account.images["rocky9-x86"])
        await next_step(pilot)
        await at_step(pilot, "head_node")


@synchronous
async def test_a_failed_lookup_shows_its_message_and_a_retry_that_works(settings, registry, account,
                                                                        tmp_path: Path) -> None:
    port = free_port()
    down = Catalog(AwsSession(region=REGION, endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1),
                   cache_dir=tmp_path / "cache")
    state = WizardState(Context(catalog=down, default_region=REGION))
    state.answer("account", {"mode": "aws"})
    state.answer("name", {"name": "lab"})
    app = app_for(settings, down, registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(WizardScreen(state, start_step="region"))
        await settle(pilot)
        messages = str(app.screen.query_one("#step-messages", Static).render())
        assert "Could not look this up" in messages and "Traceback" not in messages
        assert not app.screen.query_one("#retry", Button).has_class("hidden")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            await pilot.press("ctrl+r")
            await at_step(pilot, "region")
            assert app.screen.query_one("#retry", Button).has_class("hidden")
            assert shown(app, "#f-0-region").value == REGION
        finally:
            server.stop()
    down.close()


@synchronous
async def test_the_next_step_is_laid_out_unseen_and_shown_as_it_was_laid_out(settings, catalog, registry,
                                                                              account) -> None:
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await next_step(pilot)
        screen = await at_step(pilot, "name")

        def put_away_after_its_layout() -> bool:
            ahead = screen.forms.get("region")
            # Its virtual size is what its layout found; it stays while the form is not displayed.
            return ahead is not None and not ahead.display and ahead.virtual_size.width > 0

        for _ in range(100):  # prepared ahead 0.2 s after the step shows, then laid out unseen for 0.15 s
            if put_away_after_its_layout():
                break
            await pilot.pause(0.05)
        assert put_away_after_its_layout()
        ahead = screen.forms["region"]
        laid_out = ahead.virtual_size
        await type_into(pilot, "name", "lab")
        await next_step(pilot)
        await at_step(pilot, "region")
        assert screen.form is ahead and ahead.virtual_size == laid_out  # the same widgets, as they were laid out
        assert ahead.can_focus_children and screen.focused is not None and ahead in screen.focused.ancestors


@synchronous
async def test_credentials_that_do_not_work_are_refused_at_the_account_step_with_what_to_do(
        settings, registry, tmp_path: Path) -> None:
    down = Catalog(AwsSession(region=REGION, endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=1),
                   cache_dir=tmp_path / "cache")
    app = app_for(settings, down, registry)
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        assert "Not signed in: " in str(shown(app, "#d-0-mode", Static).render())
        await next_step(pilot)
        await at_step(pilot, "account")
        refusal = problem(pilot, "mode")
        assert refusal.startswith("✗ cannot reach the AWS endpoint") and refusal.endswith("`clusterwiz --sandbox`")
    down.close()


@synchronous
async def test_the_home_screen_lists_saved_clusters(settings, catalog, registry, account) -> None:
    registry.create(spec_of(account, name="alpha", network={"availability_zone": f"{REGION}a"}))
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#clusters", DataTable)
        assert [str(c) for c in table.get_row_at(0)] == ["alpha", REGION, "new", "1 head + 0-4", "0.000"]
        await pilot.press("n")
        await at_step(pilot, "account")
        await pilot.press("ctrl+n")
        await at_step(pilot, "name")
        assert shown(app, "#f-0-name").value == "demo"
        await type_into(pilot, "name", "alpha")
        await next_step(pilot)
        assert "already exists" in problem(pilot, "name")


@synchronous
async def test_an_empty_cluster_list_says_what_to_do_first(settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_step(pilot, "account")
        await pilot.press("escape")  # the wizard's way to the cluster list
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert not home.query_one("#clusters", DataTable).display
        said = str(home.query_one("#home-empty", Static).render())
        assert said.startswith("No clusters yet. To make your first one, press n (New cluster)")
        assert "with nothing billed: `clusterwiz --sandbox`" in said
        footer = " ".join(str(key.render()) for key in home.query_one(Footer).query("FooterKey"))
        assert "New cluster" in footer and "Open" not in footer and "Teardown" not in footer
        await pilot.press("n")
        await at_step(pilot, "account")


@synchronous
async def test_the_collector_paused_for_painting_is_on_again_once_the_app_ends(settings, catalog, registry,
                                                                               account) -> None:
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await next_step(pilot)
        wizard(pilot).show_step("account")  # its form is kept: shown at once
        assert not gc.isenabled()  # a step just shown: the collector waits until it is painted
    assert gc.isenabled()  # the app ended before the collector's timer fired
