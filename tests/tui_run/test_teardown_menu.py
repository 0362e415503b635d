"""`clusterwiz teardown`'s menu: every cluster with its $/h and what each action saves; stop and destroy."""

from __future__ import annotations

import boto3

from clusterwiz.app import make_app
from clusterwiz.core.status import cluster_status, group_name
from clusterwiz.core.teardown import savings
from clusterwiz.modals.destroy import DestroyModal
from clusterwiz.node.autoscaling import Fleet
from clusterwiz.node.scaler import ScalerConfig, stop_cluster
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.navigation import live_workspace
from clusterwiz.screens.run import RunScreen, run_screen_name
from clusterwiz.screens.teardown import TeardownMenuScreen, teardown_app
from tests.support.cli import clusterwiz, clusterwiz_json
from tests.tui.driving import settle, synchronous
from tests.tui_run.record_streams import REGION, ZONE
from tests.tui_run.replay import ReplayedTerraform
from tests.tui_run.test_run_screens import SIZE, text_of


def fleet_of(cluster: str, queues: dict[str, int]) -> None:
    """The cluster's queue groups in moto, as the compute_fleet module makes them, with nodes running."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": [ZONE]}])["Subnets"][0]
    autoscaling = boto3.client("autoscaling", region_name=REGION)
    for queue, nodes in queues.items():
        name = group_name(cluster, queue)
        ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={
            "ImageId": ami, "InstanceType": "c5.large"})
        tags = {"clusterwiz:cluster": cluster, "clusterwiz:role": "compute", "clusterwiz:queue": queue}
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateName": name}, MinSize=0, MaxSize=4,
            DesiredCapacity=nodes, VPCZoneIdentifier=subnet["SubnetId"],
            Tags=[{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()])


def head_of(cluster: str) -> str:
    """The cluster's head node in moto, as the head_node module makes it: a public address, a tagged root volume."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": [ZONE]}])["Subnets"][0]
    tags = [{"Key": "clusterwiz:cluster", "Value": cluster}, {"Key": "clusterwiz:role", "Value": "head"}]
    return ec2.run_instances(
        ImageId=ami, InstanceType="t3.medium", MinCount=1, MaxCount=1,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet["SubnetId"], "AssociatePublicIpAddress": True}],
        TagSpecifications=[{"ResourceType": kind, "Tags": tags} for kind in ("instance", "volume")],
    )["Instances"][0]["InstanceId"]


def sizes(cluster: str) -> dict[str, tuple[int, int, int]]:
    groups = boto3.client("autoscaling", region_name=REGION).describe_auto_scaling_groups()["AutoScalingGroups"]
    return {g["AutoScalingGroupName"]: (g["MinSize"], g["DesiredCapacity"], g["MaxSize"]) for g in groups
            if g["AutoScalingGroupName"].startswith(f"{cluster}-")}


@synchronous
async def test_the_menu_prices_each_cluster_stops_a_fleet_and_destroys_by_name(settings, catalog, registry) -> None:
    registry.set_status("demo", "applied")
    fleet_of("demo", {"compute": 2, "gpu": 0})
    app = teardown_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, TeardownMenuScreen)
        table = menu.query_one("#teardown-clusters")
        row = [str(cell) for cell in table.get_row("demo")]
        assert row[:3] == ["demo", REGION, "applied"]
        assert float(row[3]) > 0 and float(row[4]) == float(row[3])  # two c5.large nodes: all of it is the fleet

        await pilot.press("f")
        await settle(pilot)
        assert sizes("demo") == {"demo-compute": (0, 0, 0), "demo-gpu": (0, 0, 0)}
        assert "every queue at 0 nodes" in text_of(menu, "#teardown-result")

        terraform = ReplayedTerraform(live_workspace(app))
        app.install_screen(RunScreen("demo", terraform), run_screen_name("demo"))
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DestroyModal)
        await pilot.press(*"demo", "enter")
        await settle(pilot)
        run = app.get_screen(run_screen_name("demo"))
        assert app.screen is run and run.progress.outcome == "done"
        assert terraform.calls == ["plan destroy-plan", "apply destroy-apply"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is menu
        # The groups made here by hand were never in Terraform's state: they are left over, tagged with the
        # cluster, so it stays listed until they are removed too.
        result = text_of(run, "#run-result")
        assert "AWS still has these resources" in result and "autoscaling-group demo-compute" in result
        assert registry.exists("demo")


@synchronous
async def test_the_menu_the_dashboard_and_status_show_one_cost_with_addresses_and_volumes(
        moto, settings, catalog, registry) -> None:
    registry.set_status("demo", "applied")
    head_of("demo")
    fleet_of("demo", {"compute": 2, "gpu": 0})
    status = cluster_status(catalog.session, catalog, registry.get("demo").spec)
    cost, saved = status.cost, savings(status)
    assert cost.public_ipv4_per_hour >= 0.005 and cost.storage_per_hour > 0  # the head's address and root volume
    assert cost.per_hour == round(cost.head_node_per_hour + cost.compute_nodes_per_hour + cost.public_ipv4_per_hour
                                  + cost.storage_per_hour, 6)

    app = teardown_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = [str(cell) for cell in app.screen.query_one("#teardown-clusters").get_row("demo")]
        assert row[3:] == [f"{value:.3f}" for value in (cost.per_hour, saved.stop_fleet, saved.stop_all, saved.destroy)]
        await pilot.press("enter")
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        assert text_of(dashboard, "#dash-cost").startswith(cost.describe())
        assert f"only volumes bill (${saved.left_when_stopped:.3f}/h)" in text_of(dashboard, "#stop-all-saves")

    printed = clusterwiz(settings.home, "--endpoint-url", moto, "status", "demo").stdout
    assert f"Cost: {cost.describe()}" in printed

    # A cancelled apply whose head node runs: the home screen and `clusterwiz list` show that same figure.
    registry.set_status("demo", "cancelled", error="apply cancelled midway")
    app = make_app(settings, registry=registry)  # its own catalog: the menu's app closed the other on the way out
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        row = [str(cell) for cell in app.screen.query_one("#clusters").get_row("demo")]
        assert (row[2], row[4]) == ("cancelled", f"{cost.per_hour:.3f}")
    listed = clusterwiz_json(settings.home, "--endpoint-url", moto, "list")
    assert [(r["name"], r["status"], r["per_hour"]) for r in listed] == [("demo", "cancelled", cost.per_hour)]


def stopped_by_its_agent(registry) -> str:
    """Cluster demo, stopped as the head node's agent stops it once unused for idle_stop_minutes (node/idle.py);
    what the lists say of it under their table."""
    registry.set_status("demo", "applied")
    head = head_of("demo")
    fleet_of("demo", {"compute": 1, "gpu": 0})
    agent = ScalerConfig(cluster_name="demo", region=REGION, idle_limit_seconds=600.0, node_cpus={},
                         group_queues={"demo-compute": "compute", "demo-gpu": "gpu"})
    why = "idle: no job and nobody logged in for 60 min (since 2026-12-01T10:00Z)"
    stop_cluster(agent, Fleet(REGION), head, why, log=lambda _: None)
    return (f"demo: the cluster stopped itself ({why}): only its volumes bill; `clusterwiz start demo` brings it "
            "back as it was")


@synchronous
async def test_the_menu_says_a_cluster_stopped_itself_and_why(settings, catalog, registry) -> None:
    told = stopped_by_its_agent(registry)
    app = teardown_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = [str(cell) for cell in app.screen.query_one("#teardown-clusters").get_row("demo")]
        assert row[:3] == ["demo", REGION, "stopped itself (idle)"]
        assert " ".join(text_of(app.screen, "#teardown-notes").split()) == told


@synchronous
async def test_the_home_screen_says_a_cluster_stopped_itself_and_why(settings, catalog, registry) -> None:
    told = stopped_by_its_agent(registry)
    app = make_app(settings, catalog_factory=lambda _: catalog, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        row = [str(cell) for cell in app.screen.query_one("#clusters").get_row("demo")]
        assert row[:3] == ["demo", REGION, "stopped itself (idle)"]
        assert " ".join(text_of(app.screen, "#home-notes").split()) == told
