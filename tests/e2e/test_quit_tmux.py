"""ctrl+q quits at once in a real terminal, even while a lookup waits on an AWS endpoint that never answers (issue 21
item 11: it took 52 s, and 105 s here, because the exit waited for the lookup's thread worker), or while Terraform
applies (the user confirms).

The dead endpoint is a loopback socket that accepts connections and never sends a byte back."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import boto3
import pytest
import yaml
from tests.operations.test_interrupted_apply_moto import head_nodes, untracked
from tests.support.cli import clusterwiz
from tests.support.faults import silent_endpoint
from tests.support.jobs import terraform_processes, wait_until_no_terraform
from tests.support.tmux import Terminal
from tests.tui_run.record_streams import REGION, spec_text

from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.tmux
QUIT_WITHIN_S = 3.0


def seconds_to_exit(shell: Terminal, key: str) -> float:
    """From pressing `key` until the app has exited (with 0), as the terminal shows it."""
    pressed = time.monotonic()
    shell.keys(key)
    assert shell.exit_status(timeout=300) == 0
    return time.monotonic() - pressed


def test_ctrl_q_quits_at_once_while_a_lookup_waits_on_a_dead_endpoint(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the end-to-end test (apt install tmux)")
    with silent_endpoint() as endpoint:
        environment = {"PYTHONPATH": str(REPO / "tui"), "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-2", "TERM": "xterm-256color"}
        shell = Terminal(f"clusterwiz-quit-{os.getpid()}")
        shell.start_keeping_pane(["env", "-u", "AWS_PROFILE", "-u", "AWS_CA_BUNDLE",
                                  *[f"{key}={value}" for key, value in environment.items()],
                                  sys.executable, "-m", "clusterwiz", "--home", str(tmp_path / "home")])
        try:
            shell.wait_for("Step 1 of 11: Account")  # its lookup of who you are now waits on the endpoint
            time.sleep(1)
            took = seconds_to_exit(shell, "C-q")
        finally:
            shell.close()
    assert took < QUIT_WITHIN_S, f"quitting took {took:.1f} s"


@pytest.mark.terraform
@pytest.mark.moto
def test_quitting_during_an_apply_leaves_terraform_to_finish_on_its_own(moto, terraform_cli_config, tmp_path,
                                                                         monkeypatch):
    """Quit anyway, mid-apply: the app ends at once, Terraform carries on and saves its state, every command finds the
    cluster busy meanwhile, and the next apply converges (before, the app hung until Terraform had finished)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_key_pair(KeyName="workshop")
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    home = tmp_path / "home"
    record = Registry(home).create(ClusterSpec.model_validate(yaml.safe_load(spec_text("quit", ami_id))))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO / "tui"), os.environ.get("PYTHONPATH")])))
    shell = Terminal(f"clusterwiz-quit-apply-{os.getpid()}", columns=120, lines=36)
    try:
        shell.start_keeping_pane([sys.executable, "-m", "clusterwiz", "--home", str(home), "--endpoint-url", moto])
        shell.wait_for("quit")  # the home screen lists the saved cluster
        shell.keys("o")
        shell.wait_for("Plan / apply changes")
        shell.keys("p")
        shell.wait_for("22 to create", timeout=120)
        shell.keys("C-a")
        shell.wait_for("Creating cluster quit", timeout=10)
        shell.wait_for("creating", timeout=60)
        shell.keys("C-q")
        shell.wait_for("Quit while Terraform runs?")
        shell.keys("Tab")  # from Keep running to Quit anyway
        took = seconds_to_exit(shell, "Enter")
    finally:
        shell.close()
    assert took < QUIT_WITHIN_S, f"quitting took {took:.1f} s"
    assert terraform_processes(record.workdir), "Terraform should carry on after the app has quit"

    busy = clusterwiz(home, "plan", "quit", check=False)
    said = " ".join(busy.stderr.split())
    assert busy.returncode == 2 and "an earlier run still holds the Terraform state lock" in said
    wait_until_no_terraform(record.workdir, timeout=300)
    clusterwiz(home, "apply", "--yes", "quit")
    assert untracked(home, "quit") == [] and len(head_nodes("quit")) == 1
