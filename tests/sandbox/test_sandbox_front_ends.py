"""What every front-end says in the sandbox: SSH is emulated in the dashboard as in the CLI (nothing connects to
the emulator's made-up address), suggested commands carry --sandbox, and each list names the other area's
clusters."""

from __future__ import annotations

import pytest
import yaml
from textual.widgets import Button

from clusterwiz.app import make_app
from clusterwiz.core.registry import Registry
from clusterwiz.core.sandbox import ensure_emulator, sandbox_session
from clusterwiz.core.sandbox_seed import SANDBOX_REGION
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.ssh import SANDBOX_NOTICE, SshEmulated, run_command
from clusterwiz.screens.dashboard import DashboardScreen
from clusterwiz.screens.teardown import TeardownMenuScreen, teardown_app
from tests.sandbox.specs import sandbox_cluster_yaml
from tests.support.cli import clusterwiz
from tests.tui.driving import settle, synchronous
from tests.tui_run.test_run_screens import SIZE, text_of

pytestmark = pytest.mark.moto


def running_head_node(home, cluster: str) -> str:
    """The cluster's head node in the emulator, as the head_node module tags it; returns its public address."""
    ec2 = sandbox_session(ensure_emulator(home), None).client("ec2", SANDBOX_REGION)
    image = ec2.describe_images(Owners=["self", "amazon", "099720109477", "136693071363"])["Images"][0]["ImageId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    tags = [{"Key": "clusterwiz:cluster", "Value": cluster}, {"Key": "clusterwiz:role", "Value": "head"}]
    instance = ec2.run_instances(
        ImageId=image, InstanceType="t3.medium", MinCount=1, MaxCount=1,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet["SubnetId"], "AssociatePublicIpAddress": True}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])["Instances"][0]["InstanceId"]
    reservation = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]
    return reservation["Instances"][0]["PublicIpAddress"]


def register(home, name: str) -> None:
    Registry(home, area="sandbox").create(ClusterSpec.model_validate(yaml.safe_load(sandbox_cluster_yaml(name))))


@synchronous
async def test_the_dashboards_ssh_in_the_sandbox_is_the_emulated_one_as_the_clis(home) -> None:
    register(home, "shell")
    address = running_head_node(home, "shell")
    app = make_app(Settings(home=home, sandbox=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        for _ in range(40):
            if dashboard.snapshot is not None:
                break
            await pilot.pause(0.25)
        target = dashboard.snapshot.target
        assert target is not None and target.emulated and target.host == address
        await pilot.press("s")
        await settle(pilot)
        assert text_of(dashboard, "#ssh-command").startswith(SANDBOX_NOTICE)
        assert dashboard.query_one("#ssh-shell", Button).disabled and dashboard.query_one("#ssh-run", Button).disabled
        assert "ssh (emulated: nothing to log in to): ssh " in text_of(dashboard, "#dash-address")
        # Whatever a front-end tries, core connects to nothing.
        with pytest.raises(SshEmulated, match="Sandbox nodes are emulated"):
            run_command(target, "sinfo")

    shown = clusterwiz(home, "--sandbox", "ssh", "shell", "--", "sinfo").stdout
    assert shown.startswith(SANDBOX_NOTICE) and f"ubuntu@{address} sinfo" in " ".join(shown.split())


def test_suggested_commands_carry_sandbox_and_new_then_plan_works(home, tmp_path, terraform_cli_config) -> None:
    config = tmp_path / "hinted.yaml"
    config.write_text(sandbox_cluster_yaml("hinted"))
    rendered = clusterwiz(home, "--sandbox", "render", "--config", str(config)).stdout
    assert "Next: clusterwiz plan hinted --sandbox" in rendered
    status = " ".join(clusterwiz(home, "--sandbox", "status", "hinted").stdout.split())
    assert "(`clusterwiz stop hinted --sandbox`)" in status and "(`clusterwiz destroy hinted --sandbox`)" in status

    # A cluster the wizard saved (registered, no Terraform yet), as `new --plain` leaves it: its Next works.
    register(home, "saved")
    planned = clusterwiz(home, "--sandbox", "plan", "saved").stdout
    assert "Plan: " in planned and "Run clusterwiz apply saved --sandbox to make it so." in planned


@synchronous
async def test_each_list_names_the_clusters_of_the_other_area(home) -> None:
    register(home, "workshop")
    listed = clusterwiz(home, "list").stdout
    assert "No clusters yet" in listed
    assert "1 more cluster(s) live in the sandbox (emulated: nothing bills): workshop. See them with " \
           "`clusterwiz list --sandbox`." in " ".join(listed.split())
    assert "workshop" in clusterwiz(home, "--sandbox", "list").stdout

    app = teardown_app(Settings(home=home))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TeardownMenuScreen)
        said = " ".join(text_of(app.screen, "#teardown-result").split())
        assert said == ("No clusters: nothing bills here. ✓ 1 more cluster(s) live in the sandbox (emulated: nothing "
                        "bills): workshop. See them with `clusterwiz teardown --sandbox`.")
