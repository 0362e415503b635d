"""The plan, run and dashboard screens driven by Pilot, with Terraform replayed from recorded streams."""

from __future__ import annotations

import io
import json
import shutil

import boto3
from rich.console import Console
from textual.widgets import Button, DataTable, Log, Static, TabbedContent, Tree

from clusterwiz.app import make_app
from clusterwiz.modals.confirm import ConfirmModal
from clusterwiz.modals.destroy import DestroyModal
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.navigation import live_workspace, run_screen, running, show_dashboard, show_plan, start_run
from clusterwiz.screens.plan import PlanScreen
from clusterwiz.screens.run import RunScreen
from tests.tui.driving import click, settle, synchronous
from tests.tui_run.replay import STREAMS, ReplayedTerraform

SIZE = (120, 40)


def shown(widget: Static) -> str:
    """What a Static shows, as plain text (tables and styled text included)."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def text_of(screen, selector: str) -> str:
    return shown(screen.query_one(selector, Static))


def visible(screen, selector: str) -> bool:
    return screen.query_one(selector, Button).display and "hidden" not in screen.query_one(selector).classes


async def planned(pilot, terraform: ReplayedTerraform) -> PlanScreen:
    await settle(pilot)
    show_plan(pilot.app, "demo", terraform=terraform)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PlanScreen)
    return screen


async def applied(pilot, terraform: ReplayedTerraform) -> RunScreen:
    await planned(pilot, terraform)
    await click(pilot, "#apply")
    await settle(pilot)
    return pilot.app.get_screen("run-demo")


@synchronous
async def test_plan_shows_the_change_summary_readable_names_by_module_details_and_cost(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app))
    async with app.run_test(size=SIZE) as pilot:
        screen = await planned(pilot, terraform)
        assert "22 to create, 0 to change, 0 to destroy" in text_of(screen, "#plan-summary")
        assert "$" in text_of(screen, "#plan-cost")
        tree = screen.query_one(Tree)
        groups = [str(node.label) for node in tree.root.children]
        assert groups == ["Network (7)", "Firewall (2)", "Permissions (6)", "Storage (2)", "Head node (1)",
                          "Compute fleet (4)"]
        fleet = [str(node.label) for node in tree.root.children[-1].children]
        assert "+ compute queue gpu" in fleet and "+ launch template of queue gpu" in fleet
        # Details on demand: move to the gpu queue with the keyboard.
        tree.focus()
        target = next(node for node in tree.root.children[-1].children if str(node.label) == "+ compute queue gpu")
        tree.move_cursor(target)
        await pilot.pause()
        details = text_of(screen, "#plan-details")
        assert "compute queue gpu" in details and "demo-gpu" in details and "max_size" in details
        assert not screen.query_one("#apply", Button).disabled
        # Back to the wizard forgets the plan.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert terraform.discarded and terraform.calls == ["plan plan"]


def reordered_streams(directory):
    """The recorded streams, with the plan's changes reported in the reverse order (Terraform's parallel walk
    reports them in any order)."""
    shutil.copytree(STREAMS, directory)
    plan = directory / "plan.jsonl"
    lines = plan.read_text().splitlines()
    changes = [line for line in lines if json.loads(line).get("type") == "planned_change"]
    reversed_changes = iter(reversed(changes))
    plan.write_text("\n".join(next(reversed_changes) if line in changes else line for line in lines) + "\n")
    return directory


def tree_labels(tree) -> list[list[str]]:
    return [[str(group.label), *map(str, (leaf.label for leaf in group.children))] for group in tree.root.children]


@synchronous
async def test_resources_are_listed_in_the_same_order_whatever_order_terraform_reports_them(
        settings, catalog, registry, tmp_path) -> None:
    shown_orders = []
    for streams in (STREAMS, reordered_streams(tmp_path / "streams")):
        app = make_app(settings, catalog_factory=lambda _: catalog, registry=registry)
        terraform = ReplayedTerraform(live_workspace(app), streams=streams)
        async with app.run_test(size=SIZE) as pilot:
            plan = await planned(pilot, terraform)
            labels = tree_labels(plan.query_one(Tree))
            await click(pilot, "#apply")
            await settle(pilot)
            run = app.get_screen("run-demo")
            rows = [row.key.value for row in run.query_one(DataTable).ordered_rows]
            shown_orders.append((labels, rows))
    (labels, rows), (labels_again, rows_again) = shown_orders
    assert labels == labels_again and rows == rows_again
    assert labels[0][:4] == ["Network (7)", "+ VPC", "+ VPC's default firewall (closed)", "+ internet gateway"]
    assert rows[0] == "module.cluster.module.network.aws_vpc.this[0]"


@synchronous
async def test_a_successful_apply_fills_the_live_table_then_opens_the_dashboard(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app))
    async with app.run_test(size=SIZE) as pilot:
        run = await applied(pilot, terraform)
        assert terraform.calls == ["plan plan", "apply apply-success"]
        assert (run.progress.done, run.progress.total, run.progress.outcome) == (22, 22, "done")
        table = run.query_one(DataTable)
        assert table.row_count == 22
        head = table.get_row("module.cluster.module.head_node.aws_instance.head")
        assert str(head[0]) == "head node" and str(head[2]) == "done" and str(head[4]).startswith("i-")
        assert "Apply complete! Resources: 22 added" in "\n".join(run.query_one(Log).lines)
        assert isinstance(app.screen, DashboardScreen)
        assert "demo" in app.screen.sub_title
        assert app.registry.exists("demo")


@synchronous
async def test_the_run_table_gives_a_whole_aws_id_room_and_cuts_the_resource_name_first(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app))
    longest_name = "volume /shared attached to the head node"
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen(app, "demo", terraform).on_success = None  # stay on the run screen once it is done
        run = await applied(pilot, terraform)
        assert app.screen is run and run.progress.outcome == "done"
        table = run.query_one(DataTable)
        ids = [row.aws_id for row in run.progress.rows.values()]
        for whole in ("i-", "vol-", "subnet-", "vpc-"):
            aws_id = next(found for found in ids if found.startswith(whole))
            assert len(aws_id) <= table.columns["id"].width, aws_id
        assert table.columns["what"].width < len(longest_name)
        visible = sum(column.get_render_width(table) for key, column in table.columns.items() if key != "address")
        assert visible <= run.size.width  # all but the address fits the terminal
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        assert table.columns["what"].width == len(longest_name)


@synchronous
async def test_a_failed_apply_shows_the_diagnostic_what_failed_a_hint_and_the_ways_on(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app), apply_stream="apply-failure")
    async with app.run_test(size=SIZE) as pilot:
        run = await applied(pilot, terraform)
        assert run.progress.outcome == "failed"
        assert run.query_one(TabbedContent).active == "problem-tab"
        problems = "\n".join(shown(widget) for widget in run.query(".problem"))
        assert "lookup: existing volume /data failed" in problems
        assert "Your query returned no results" in problems and "modules/storage/main.tf line 16" in problems
        assert "was not found" in problems and "What to do:" in problems
        result = text_of(run, "#run-result")
        assert "These exist now:" in result and "VPC" in result and "destroy what was created" in result
        for button in ("#retry", "#edit", "#destroy"):
            assert visible(run, button)
        assert not visible(run, "#cancel")

        # Destroy what was created: asks first, then runs the destroy on the same screen.
        await click(pilot, "#destroy")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await click(pilot, "#confirm")
        await settle(pilot)
        assert app.screen is run and run.operation == "destroy" and run.progress.outcome == "done"
        assert terraform.calls[-2:] == ["plan destroy-plan", "apply destroy-apply"]
        assert "is gone" in text_of(run, "#run-result") and "settings are kept" in text_of(run, "#run-result")
        assert app.registry.exists("demo")  # a destroy after a failed apply keeps the cluster's settings


@synchronous
async def test_retry_after_a_failure_plans_and_applies_again(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app), apply_stream="apply-failure")
    async with app.run_test(size=SIZE) as pilot:
        run = await applied(pilot, terraform)
        terraform.apply_stream = "apply-success"
        await click(pilot, "#retry")
        await settle(pilot)
        assert terraform.calls == ["plan plan", "apply apply-failure", "plan plan", "apply apply-success"]
        assert run.progress.outcome == "done" and run.progress.done == 22


@synchronous
async def test_cancel_asks_then_stops_cleanly_and_says_what_exists_and_how_to_go_on(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app), apply_stream="apply-cancel")
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot, terraform)
        await pilot.click("#apply")  # not click(): it waits for workers, and this one waits for the cancel
        for _ in range(50):  # the replay holds at the recorded interrupt until cancel() comes
            await pilot.pause(0.02)
            if app.get_screen("run-demo").progress.done == 4:
                break
        run = app.get_screen("run-demo")
        assert run.running, (run.progress.outcome, run.progress.message, run.progress.done)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # "Keep going" is the default
        await pilot.pause()
        assert app.screen is run and run.running and not run.cancel_requested
        await pilot.click("#cancel")
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)
        assert run.progress.outcome == "interrupted"
        result = text_of(run, "#run-result")
        assert "interrupted" in result and "These exist now:" in result
        assert "Retry to finish the cluster, or destroy what was created" in result
        assert visible(run, "#retry") and visible(run, "#destroy")
        log = "\n".join(run.query_one(Log).lines)
        assert "Interrupt received" in log


@synchronous
async def test_the_run_goes_on_when_the_user_leaves_and_is_found_again(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app), hold_before_end=True)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot, terraform)
        await pilot.click("#apply")
        await pilot.pause(0.2)
        run = app.get_screen("run-demo")
        assert run.running
        await pilot.press("escape")  # leave: back home while it runs
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and running(app, "demo") is run
        # Opening the cluster (or planning it again) shows the run under way.
        await pilot.press("o")
        await pilot.pause()
        assert app.screen is run
        await pilot.press("escape")
        await pilot.pause()
        terraform.release.set()
        await settle(pilot)
        assert run.progress.outcome == "done" and run.progress.done == 22
        assert isinstance(app.screen, HomeScreen)  # no dashboard pushed over where the user is now
        assert any("Cluster demo is up" in n.message for n in app._notifications)


@synchronous
async def test_teardown_destroy_asks_for_the_name_offers_snapshots_and_forgets_the_cluster(app) -> None:
    terraform = ReplayedTerraform(live_workspace(app))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start_run(app, "demo", "apply", terraform)  # the run screen (and its Terraform) exists for demo
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        dashboard.query_one(TabbedContent).active = "teardown"
        await settle(pilot)
        assert "saves $0.000/h" in text_of(dashboard, "#stop-fleet-saves")
        await click(pilot, "#destroy")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, DestroyModal)
        assert modal.query_one("#confirm", Button).disabled
        await pilot.press(*"dem")
        assert modal.query_one("#confirm", Button).disabled
        await pilot.press("o")
        assert not modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await settle(pilot)
        run = app.get_screen("run-demo")
        assert app.screen is run and run.operation == "destroy" and run.progress.outcome == "done"
        assert terraform.calls[-2:] == ["plan destroy-plan", "apply destroy-apply"]
        assert not app.registry.exists("demo")


@synchronous
async def test_leftovers_after_a_destroy_are_listed_and_removable(app) -> None:
    ec2 = boto3.client("ec2", region_name="eu-west-2")
    volume = ec2.create_volume(AvailabilityZone="eu-west-2a", Size=1, TagSpecifications=[{
        "ResourceType": "volume", "Tags": [{"Key": "clusterwiz:cluster", "Value": "demo"}]}])["VolumeId"]
    terraform = ReplayedTerraform(live_workspace(app))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        run = start_run(app, "demo", "destroy", terraform, forget=True)
        await settle(pilot)
        result = text_of(run, "#run-result")
        assert f"volume {volume}: detach and delete the volume" in result and app.registry.exists("demo")
        assert visible(run, "#remove-leftovers")
        await click(pilot, "#remove-leftovers")
        await settle(pilot)
        assert "is gone" in text_of(run, "#run-result") and not app.registry.exists("demo")
        assert f"volume {volume} removed" in "\n".join(run.query_one(Log).lines)
        assert ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [volume]}])["Volumes"] == []


@synchronous
async def test_the_destroy_dialog_snapshots_what_it_offers_and_says_why_when_it_offers_nothing(app) -> None:
    ec2 = boto3.client("ec2", region_name="eu-west-2")
    terraform = ReplayedTerraform(live_workspace(app))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start_run(app, "demo", "apply", terraform)
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await pilot.press("d")
        await pilot.pause()
        # Nothing in AWS yet: no checkbox that would snapshot nothing, and a line saying why.
        assert not app.screen.query("#snapshot")
        assert "clusterwiz created no shared volume" in text_of(app.screen, "#no-snapshot")
        await pilot.press("escape")
        await pilot.pause()

        # The volumes the modules create: demo's /shared (storage), and a head root volume, which holds only the OS.
        shared = ec2.create_volume(AvailabilityZone="eu-west-2a", Size=20, TagSpecifications=[{
            "ResourceType": "volume", "Tags": [{"Key": "clusterwiz:cluster", "Value": "demo"},
                                               {"Key": "Name", "Value": "demo:/shared"}]}])["VolumeId"]
        ec2.create_volume(AvailabilityZone="eu-west-2a", Size=40, TagSpecifications=[{
            "ResourceType": "volume", "Tags": [{"Key": "clusterwiz:cluster", "Value": "demo"},
                                               {"Key": "Name", "Value": "demo-head-root"}]}])
        dashboard.snapshot = None
        dashboard.action_refresh()
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, DestroyModal)
        assert str(modal.query_one("#snapshot").label) == "Snapshot its new volume(s) first: /shared (20 GiB)"
        assert modal.query_one("#snapshot").value
        await pilot.press(*"demo", "enter")
        await settle(pilot)
        run = app.get_screen("run-demo")
        assert run.operation == "destroy" and run.progress.outcome == "done"
        kept = ec2.describe_snapshots(Filters=[{"Name": "tag:clusterwiz:snapshot-of", "Values": ["demo"]}])
        assert [snapshot["VolumeId"] for snapshot in kept["Snapshots"]] == [shared]
        assert "Snapshots kept from the cluster's volumes: snap-" in text_of(run, "#run-result")


@synchronous
async def test_the_dashboard_names_the_head_nodes_cost_and_tells_how_to_create_a_cluster_never_applied(app) -> None:
    from tests.tui_run.test_teardown_menu import fleet_of, head_of

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_dashboard(app, "demo")
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        address = text_of(dashboard, "#dash-address")
        assert ("ssh: cluster demo is not created yet, so it has no head node to log in to; create it with "
                "`clusterwiz apply demo`") in " ".join(address.split())
        assert "clusterwiz start" not in address
        assert "(head node $0.000, compute nodes $0.000," in text_of(dashboard, "#dash-cost")

        head_of("demo")  # applied: a head node and a node of queue compute run
        fleet_of("demo", {"compute": 1, "gpu": 0})
        app.registry.set_status("demo", "applied")
        dashboard.action_refresh()
        await settle(pilot)
        cost = dashboard.snapshot.status.cost
        assert cost.head_node_per_hour > 0 and cost.compute_nodes_per_hour > 0
        assert (f"(head node ${cost.head_node_per_hour:.3f}, compute nodes ${cost.compute_nodes_per_hour:.3f},"
                in text_of(dashboard, "#dash-cost"))
