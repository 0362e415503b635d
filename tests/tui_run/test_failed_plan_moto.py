"""A plan that fails for real (issue 16): Terraform's init finds no AWS provider where the user's CLI config says to
look, as on a laptop offline. The plan screen says what failed, shows Terraform's text wrapped once, offers no Apply,
and offers Plan again (which, once the provider can be had, plans) and Edit in wizard (the wizard on this cluster's
spec)."""

from __future__ import annotations

import boto3
import pytest
import yaml
from textual.widgets import Button, Tree

from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.plan import PlanScreen
from clusterwiz.screens.wizard import WizardScreen
from clusterwiz.widgets.footer import Footer
from tests.tui.driving import settle, synchronous
from tests.tui_run.record_streams import REGION, spec_text
from tests.tui_run.test_live_cluster_moto import until
from tests.tui_run.test_run_screens import shown, visible

pytestmark = [pytest.mark.terraform, pytest.mark.moto]
SMALL = (80, 24)


@pytest.fixture
def registry(settings) -> Registry:
    """Cluster demo, on an image and key pair moto has, so that its plan can succeed."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_key_pair(KeyName="workshop")
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    registry = Registry(settings.home, "aws")
    registry.create(ClusterSpec.model_validate(yaml.safe_load(spec_text("demo", ami_id))))
    return registry


def offline_cli_config(directory) -> str:
    """A Terraform CLI config of the user's whose only provider source is a mirror without the AWS provider."""
    mirror = directory / "empty-mirror"
    mirror.mkdir()
    config = directory / "offline.tfrc"
    config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    return str(config)


async def failed_plan(pilot) -> PlanScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)
    await pilot.press("o")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DashboardScreen)
    await pilot.press("p")
    plan = pilot.app.screen
    assert isinstance(plan, PlanScreen)
    await until(pilot, lambda: plan.failed, "the plan to fail", 60)
    await settle(pilot)
    return plan


@synchronous
async def test_a_failed_plan_says_what_failed_offers_no_apply_and_plans_again(
        app, terraform_cli_config, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", offline_cli_config(tmp_path))
    async with app.run_test(size=SMALL) as pilot:
        plan = await failed_plan(pilot)
        summary = shown(plan.query_one("#plan-summary"))
        assert "The plan failed: Failed to query available provider packages" in summary
        assert not visible(plan, "#apply") and visible(plan, "#plan-again") and visible(plan, "#edit")
        footer = " ".join(str(key.render()) for key in plan.query_one(Footer).query("FooterKey"))
        assert "Apply" not in footer and "Plan again" in footer
        # Terraform's text wrapped once, by the pane, across the screen's width: its own line breaks are gone.
        assert not plan.query_one(Tree).display
        details = plan.query_one("#plan-details").content.plain
        assert "Could not retrieve the list of available versions for provider hashicorp/aws: provider" in details
        assert plan.query_one("#plan-details").size.width >= SMALL[0] - 4

        # The user fixes their Terraform setup outside clusterwiz, then plans again: a real plan, with Apply.
        monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(terraform_cli_config))
        await pilot.click("#plan-again")
        await until(pilot, lambda: plan.plan is not None or plan.failed, "the second plan", 240)
        await settle(pilot)
        assert plan.plan is not None, shown(plan.query_one("#plan-details"))
        assert "22 to create" in shown(plan.query_one("#plan-summary"))
        assert plan.query_one(Tree).display and visible(plan, "#apply") and not visible(plan, "#plan-again")
        assert not plan.query_one("#apply", Button).disabled


@synchronous
async def test_edit_in_wizard_from_a_failed_plan_opens_the_wizard_on_this_clusters_spec(
        app, terraform_cli_config, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", offline_cli_config(tmp_path))
    async with app.run_test(size=SMALL) as pilot:
        plan = await failed_plan(pilot)
        await pilot.click("#edit")
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, WizardScreen) and wizard.state.context.editing == "demo"
        assert wizard.state.answers["name"] == {"name": "demo"}  # its answers are the cluster's spec
        assert plan not in app.screen_stack  # the failed plan made way for the wizard
        assert [type(screen) for screen in app.screen_stack[1:]] == [HomeScreen, DashboardScreen, WizardScreen]
