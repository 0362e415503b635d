"""End to end in a real terminal (tmux): the real `clusterwiz` opens a saved cluster, plans and applies it with
real Terraform against moto's server, shows its dashboard, and destroys it — as a new user would, by keyboard."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from tests.support.tmux import Terminal
from tests.tui_run.record_streams import REGION, spec_text

pytestmark = [pytest.mark.terraform, pytest.mark.moto]
SOURCE_ROOT = Path(__file__).resolve().parents[2] / "tui"
COLUMNS, LINES = 120, 36


def test_a_saved_cluster_is_applied_shown_and_destroyed_in_a_real_terminal(moto, terraform_cli_config, tmp_path,
                                                                           monkeypatch):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the end-to-end test (apt install tmux)")
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_key_pair(KeyName="workshop")
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    home = tmp_path / "home"
    registry = Registry(home)
    registry.create(ClusterSpec.model_validate(yaml.safe_load(spec_text("e2e", ami_id))))

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(SOURCE_ROOT), os.environ.get("PYTHONPATH")])))
    terminal = Terminal(f"clusterwiz-g2-{os.getpid()}", columns=COLUMNS, lines=LINES)
    try:
        terminal.start([sys.executable, "-m", "clusterwiz", "--home", str(home), "--endpoint-url", moto])
        terminal.wait_for("e2e")  # the home screen lists the saved cluster
        terminal.keys("o")
        terminal.wait_for("Plan / apply changes")
        terminal.keys("p")
        terminal.wait_for("22 to create", timeout=120)
        terminal.keys("C-a")
        terminal.wait_for("Creating cluster e2e", timeout=10)
        shown = terminal.wait_for("Head node i-", timeout=240)  # the dashboard opens by itself
        assert "running" in shown and "/hour now" in shown
        terminal.keys("t")
        terminal.wait_for("Stop compute fleet")
        terminal.keys("d")
        terminal.wait_for("Destroy cluster e2e?")
        terminal.keys("e2e", "Enter")
        terminal.wait_for("Destroying cluster e2e", timeout=10)
        shown = terminal.wait_for("Destroying cluster e2e: done", timeout=240)
        assert "nothing tagged with it is left in AWS" in shown
        terminal.keys("Escape")  # back home
        terminal.keys("q")
    finally:
        terminal.close()
    session = AwsSession(region=REGION, endpoint_url=moto)
    assert tagged_resources(session, REGION, "e2e") == []
    assert registry.names() == []
