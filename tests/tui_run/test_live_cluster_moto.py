"""The screens with real Terraform against moto's server: plan → apply → dashboard (instances, groups, SSH
to a real local sshd) → stop the fleet → start → stop all → start → destroy with snapshots → nothing left."""

from __future__ import annotations

import asyncio

import boto3
import pytest
import yaml
from textual.widgets import Button, DataTable, Log, TabbedContent

from clusterwiz.app import make_app
from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.ssh import SshOverride, save_ssh_override
from clusterwiz.core.teardown import cluster_snapshots
from clusterwiz.modals.destroy import DestroyModal
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.plan import PlanScreen
from clusterwiz.screens.run import RunScreen
from tests.support.sshd import local_sshd
from tests.tui.driving import settle, synchronous
from tests.tui_run.record_streams import REGION, spec_text
from tests.tui_run.test_run_screens import SIZE, text_of

pytestmark = [pytest.mark.terraform, pytest.mark.moto]
RUN_TIMEOUT_S = 240


async def until(pilot, check, what: str, timeout: float = RUN_TIMEOUT_S) -> None:
    """Wait, keeping the app responsive, until check() holds (a real Terraform run takes a minute)."""
    for _ in range(int(timeout / 0.25)):
        if check():
            return
        await asyncio.sleep(0.25)
        await pilot.pause()
    raise AssertionError(f"timed out waiting for {what}")


async def dashboard_refreshed(pilot, dashboard: DashboardScreen) -> None:
    dashboard.snapshot = None
    dashboard.action_refresh()
    await until(pilot, lambda: dashboard.snapshot is not None, "the dashboard's status", 30)
    await settle(pilot)


def group_sizes(name: str) -> dict[str, tuple[int, int, int]]:
    groups = boto3.client("autoscaling", region_name=REGION).describe_auto_scaling_groups(
        AutoScalingGroupNames=[f"{name}-compute", f"{name}-gpu"])["AutoScalingGroups"]
    return {g["AutoScalingGroupName"].removeprefix(f"{name}-"): (g["MinSize"], g["DesiredCapacity"], g["MaxSize"])
            for g in groups}


def head_state(name: str) -> str:
    reservations = boto3.client("ec2", region_name=REGION).describe_instances(Filters=[
        {"Name": "tag:clusterwiz:cluster", "Values": [name]}, {"Name": "tag:clusterwiz:role", "Values": ["head"]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])["Reservations"]
    return reservations[0]["Instances"][0]["State"]["Name"]


async def teardown_action(pilot, dashboard: DashboardScreen, button: str) -> None:
    dashboard.query_one(f"#{button}", Button).press()
    await pilot.pause()
    await until(pilot, lambda: not dashboard.query_one("#start", Button).disabled, f"{button} to finish")
    await settle(pilot)


@synchronous
async def test_apply_dashboard_ssh_stop_start_and_destroy_with_snapshots(moto, terraform_cli_config, tmp_path):
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_key_pair(KeyName="workshop")
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    settings = Settings(home=tmp_path / "home", region=REGION, endpoint_url=moto)
    registry = Registry(settings.home)
    with local_sshd(tmp_path / "sshd") as server:
        data = yaml.safe_load(spec_text("live", ami_id))
        data["queues"][0]["initial_nodes"] = 1
        data["ssh_key_file"] = str(server.key_file)
        record = registry.create(ClusterSpec.model_validate(data))
        # The head node's address in moto leads nowhere: reach "it" at the local sshd instead, as a user
        # behind a bastion or tunnel would.
        save_ssh_override(record, SshOverride(host=server.host, port=server.port, user=server.user))
        app = make_app(settings, registry=registry)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
            await pilot.press("o")  # open the cluster: its (empty) dashboard, which offers the plan
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, PlanScreen) and app.screen.plan is not None,
                        "the plan", 120)
            await settle(pilot)
            assert "22 to create" in text_of(app.screen, "#plan-summary")
            await pilot.press("ctrl+a")
            await pilot.pause()
            run = app.get_screen("run-live")
            assert isinstance(run, RunScreen)
            await until(pilot, lambda: not run.running, "the apply")
            assert run.progress.outcome == "done", run.progress.message
            assert run.progress.done == run.progress.total == 22
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
            dashboard = app.screen
            await dashboard_refreshed(pilot, dashboard)

            instances = dashboard.query_one("#instances", DataTable)
            roles = sorted(str(instances.get_row_at(i)[0]) for i in range(instances.row_count))
            assert roles == ["compute", "head"]
            groups = dashboard.query_one("#groups", DataTable)
            rows = {str(groups.get_row_at(i)[0]): [str(c) for c in groups.get_row_at(i)] for i in range(2)}
            assert rows["compute"][1:5] == ["live-compute", "0", "1", "4"]
            assert rows["gpu"][1:5] == ["live-gpu", "0", "0", "2"]
            volumes = dashboard.query_one("#volumes", DataTable)
            shared = [[str(c) for c in volumes.get_row_at(i)] for i in range(volumes.row_count)
                      if "20 GiB" in [str(c) for c in volumes.get_row_at(i)]]
            assert len(shared) == 1 and shared[0][5].startswith("i-")  # attached to the head node
            assert "/hour now" in text_of(dashboard, "#dash-cost")
            assert f"-p {server.port}" in text_of(dashboard, "#dash-address")

            # SSH panel: run a command on the "head node".
            dashboard.query_one(TabbedContent).active = "ssh"
            await pilot.pause()
            dashboard.query_one("#ssh-input").value = "echo hello from $(hostname)"
            dashboard.query_one("#ssh-run", Button).press()
            output = dashboard.query_one("#ssh-output", Log)
            await until(pilot, lambda: any("hello from" in line for line in output.lines), "the command output", 30)

            # Teardown panel: each action with what it saves, and its effect in AWS.
            dashboard.query_one(TabbedContent).active = "teardown"
            await pilot.pause()
            assert "saves $" in text_of(dashboard, "#stop-fleet-saves")
            await teardown_action(pilot, dashboard, "stop-fleet")
            assert group_sizes("live") == {"compute": (0, 0, 0), "gpu": (0, 0, 0)}
            assert "Fleet stopped" in text_of(dashboard, "#teardown-status")
            await teardown_action(pilot, dashboard, "start")
            assert group_sizes("live") == {"compute": (0, 1, 4), "gpu": (0, 0, 2)}
            await teardown_action(pilot, dashboard, "stop-all")
            assert head_state("live") in ("stopping", "stopped")
            assert group_sizes("live")["compute"] == (0, 0, 0)
            await teardown_action(pilot, dashboard, "start")
            assert head_state("live") == "running"
            await dashboard_refreshed(pilot, dashboard)

            # Destroy: type the name, keep snapshots of the volume clusterwiz created.
            dashboard.query_one("#destroy", Button).press()
            await pilot.pause()
            assert isinstance(app.screen, DestroyModal)
            await pilot.press(*"live", "enter")
            await pilot.pause()
            assert app.screen is run and run.operation == "destroy"
            await until(pilot, lambda: not run.running, "the destroy")
            assert run.progress.outcome == "done", run.progress.message
            result = text_of(run, "#run-result")
            assert "is gone" in result and "Snapshots kept" in result
            assert not registry.exists("live")
            assert tagged_resources(app.catalog.session, REGION, "live") == []
            snapshots = cluster_snapshots(app.catalog.session, REGION, "live")
            assert len(snapshots) == 1 and snapshots[0]["VolumeSize"] == 20
