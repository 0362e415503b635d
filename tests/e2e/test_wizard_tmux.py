"""The real `clusterwiz` in a real terminal (tmux) against moto, driven as a new user would."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.catalog.account import REGION, build_account
from tests.support.tmux import Terminal

from clusterwiz.core.registry import Registry

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.tmux


@pytest.fixture
def terminal(moto: str, tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the end-to-end test (apt install tmux)")
    build_account()
    home = tmp_path / "home"
    environment = {"PYTHONPATH": str(REPO / "tui"), "AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing", "AWS_REGION": REGION,
                   "TERM": "xterm-256color"}
    exports = [f"{key}={value}" for key, value in environment.items()]
    shell = Terminal(f"clusterwiz-e2e-{os.getpid()}")
    shell.start(["env", "-u", "AWS_PROFILE", "-u", "AWS_CA_BUNDLE", *exports, sys.executable, "-m", "clusterwiz",
                 "--home", str(home)])
    try:
        yield shell, home
    finally:
        shell.close()


def test_a_new_user_builds_a_cluster_spec_in_a_real_terminal(terminal: tuple[Terminal, Path]) -> None:
    shell, home = terminal
    shell.wait_for("Step 1 of 11: Account")
    shell.wait_for("123456789012")
    shell.keys("C-n")
    shell.wait_for("Step 2 of 11: Name")
    shell.wait_for("Cluster name")
    shell.keys("C-u")
    shell.type_text("e2e")
    shell.keys("Enter")
    shell.wait_for("Step 3 of 11: Region")
    shell.wait_for("type to search region")
    shell.keys("C-n")
    shell.wait_for("Step 4 of 11: Network")
    shell.wait_for("Create a new VPC for me")
    shell.keys("Tab", "Down", "Tab")  # zone eu-west-2b, then the SSH field
    shell.type_text("198.51.100.0/24")  # SSH from this range only
    shell.keys("Enter")
    shell.wait_for("Step 5 of 11: Operating system")
    shell.wait_for("Current AMI")  # the table of the images looked up (the help text names Debian 13 too)
    shell.keys("C-n")
    shell.wait_for("Step 6 of 11: Head node")
    shell.wait_for("t3.medium")
    shell.keys("C-n")
    shell.wait_for("Step 7 of 11: Queues")
    shell.wait_for("Queue 1")
    shell.keys("C-n")
    shell.wait_for("Step 8 of 11: Shared storage")
    shell.keys("C-n")
    shell.wait_for("Step 9 of 11: Key pair")
    shell.wait_for("Create a new key pair")
    shell.keys("C-n")
    shell.wait_for("Step 10 of 11: Cost limits")
    shell.wait_for("Stop after (minutes)")
    shell.keys("C-n")
    shell.wait_for("Cluster e2e in region eu-west-2")
    shell.wait_for("/h now")
    shell.keys("C-s")
    shell.wait_for("saved")
    shell.keys("C-q")

    record = Registry(home).get("e2e")
    spec = record.spec
    assert (spec.region, spec.os, spec.head_node.instance_type) == (REGION, "debian13", "t3.medium")
    assert spec.network.creates_vpc and spec.network.availability_zone == f"{REGION}b"
    assert spec.network.ssh_cidr == "198.51.100.0/24"
    assert [(q.name, q.instance_types, q.max_nodes) for q in spec.queues] == [("compute", ["c6i.xlarge"], 4)]
    assert spec.shared_storage == [] and spec.key_pair == "e2e-key"
    assert spec.idle_stop_minutes == 60
    key_file = Path(spec.ssh_key_file or "")
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
