"""The plan screen of a running cluster whose change stops the head node (its instance type), with real Terraform
against moto: the plan says what the change disrupts, Apply asks first with the same words, Back applies nothing,
and Apply anyway applies it."""

from __future__ import annotations

import boto3
import pytest
import yaml

from clusterwiz.app import make_app
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.modals.confirm import ConfirmModal
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.plan import PlanScreen
from clusterwiz.screens.run import RunScreen
from tests.operations.test_disruptive_changes_moto import head_node
from tests.support.cli import clusterwiz
from tests.tui.driving import settle, synchronous
from tests.tui_run.record_streams import REGION, spec_text
from tests.tui_run.test_live_cluster_moto import until
from tests.tui_run.test_run_screens import SIZE, shown, text_of

pytestmark = [pytest.mark.terraform, pytest.mark.moto]
STOPPING = ("the head node will be stopped and started again (instance_type t3.medium -> t3.large): running jobs "
            "are lost")


def head_type_and_state(name: str) -> tuple[str, str]:
    instance = head_node(name)
    return instance["InstanceType"], instance["State"]["Name"]


@synchronous
async def test_apply_of_a_change_that_stops_the_head_node_warns_and_asks_first(moto, terraform_cli_config, tmp_path):
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_key_pair(KeyName="workshop")
    data = yaml.safe_load(spec_text("resize", ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]))
    spec = tmp_path / "cluster.yaml"
    spec.write_text(yaml.safe_dump(data))
    home = tmp_path / "home"
    clusterwiz(home, "render", "--config", str(spec))
    clusterwiz(home, "--json", "apply", "resize")
    data["head_node"]["instance_type"] = "t3.large"
    spec.write_text(yaml.safe_dump(data))
    clusterwiz(home, "render", "--config", str(spec))

    settings = Settings(home=home, region=REGION, endpoint_url=moto)
    app = make_app(settings, registry=Registry(home, "aws"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("p")
        plan = app.screen
        assert isinstance(plan, PlanScreen)
        await until(pilot, lambda: plan.plan is not None, "the plan", 120)
        await settle(pilot)
        warning = " ".join(text_of(plan, "#plan-warning").split())
        assert plan.query_one("#plan-warning").display
        assert f"This change disrupts the running cluster: - {STOPPING}" in warning
        assert "Apply asks you to confirm it." in warning

        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert STOPPING in " ".join(shown(app.screen.query_one(".confirm-body")).split())
        await pilot.click("#refuse")  # Back: nothing is applied, the plan stays to be applied later
        await settle(pilot)
        assert app.screen is plan and plan.plan is not None
        assert head_type_and_state("resize") == ("t3.medium", "running")

        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#confirm")
        await pilot.pause()
        run = app.get_screen("run-resize")
        assert isinstance(run, RunScreen)
        await until(pilot, lambda: not run.running, "the apply")
        assert run.progress.outcome == "done", run.progress.message
    assert head_type_and_state("resize") == ("t3.large", "running")
