"""The real `clusterwiz` in a real terminal (tmux) against moto, driven as a new user would."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.catalog.account import REGION, build_account

from clusterwiz.core.registry import Registry

REPO = Path(__file__).resolve().parents[2]
SESSION = f"clusterwiz-e2e-{os.getpid()}"
pytestmark = pytest.mark.tmux


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear within {timeout} s; the screen shows:\n{screen()}")


def keys(*names: str) -> None:
    """Press keys (tmux names: Tab, Down, C-n); text to type goes through type_text."""
    for name in names:
        tmux("send-keys", "-t", SESSION, name)
        time.sleep(0.2)  # a person's pace; lets the app handle each key before the next


def type_text(text: str) -> None:
    tmux("send-keys", "-t", SESSION, "-l", text)
    time.sleep(0.3)


@pytest.fixture
def terminal(moto: str, tmp_path: Path) -> Iterator[Path]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the end-to-end test (apt install tmux)")
    build_account()
    home = tmp_path / "home"
    environment = {"PYTHONPATH": str(REPO / "tui"), "AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing", "AWS_REGION": REGION,
                   "TERM": "xterm-256color"}
    exports = " ".join(f"{key}={value}" for key, value in environment.items())
    # stderr stays on the terminal: Textual draws there.
    command = f"env -u AWS_PROFILE -u AWS_CA_BUNDLE {exports} {sys.executable} -m clusterwiz --home {home}"
    tmux("new-session", "-d", "-s", SESSION, "-x", "100", "-y", "32", command)
    try:
        yield home
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


def test_a_new_user_builds_a_cluster_spec_in_a_real_terminal(terminal: Path) -> None:
    wait_for("Step 1 of 10: Account")
    wait_for("123456789012")
    keys("C-n")
    wait_for("Step 2 of 10: Name")
    wait_for("Cluster name")
    keys("C-u")
    type_text("e2e")
    keys("Enter")
    wait_for("Step 3 of 10: Region")
    wait_for("type to search region")
    keys("C-n")
    wait_for("Step 4 of 10: Network")
    wait_for("Create a new VPC for me")
    keys("Tab", "Down", "Tab")  # zone eu-west-2b, then the SSH field
    type_text("198.51.100.0/24")  # SSH from this range only
    keys("Enter")
    wait_for("Step 5 of 10: Operating system")
    wait_for("Ubuntu 24.04 LTS")
    keys("C-n")
    wait_for("Step 6 of 10: Head node")
    wait_for("t3.medium")
    keys("C-n")
    wait_for("Step 7 of 10: Queues")
    wait_for("Queue 1")
    keys("C-n")
    wait_for("Step 8 of 10: Shared storage")
    keys("C-n")
    wait_for("Step 9 of 10: Key pair")
    wait_for("Create a new key pair")
    keys("C-n")
    wait_for("Cluster e2e in region eu-west-2")
    wait_for("/h now")
    keys("C-s")
    wait_for("saved")
    keys("C-q")

    record = Registry(terminal).get("e2e")
    spec = record.spec
    assert (spec.region, spec.os, spec.head_node.instance_type) == (REGION, "ubuntu2404", "t3.medium")
    assert spec.network.creates_vpc and spec.network.availability_zone == f"{REGION}b"
    assert spec.network.ssh_cidr == "198.51.100.0/24"
    assert [(q.name, q.instance_types, q.max_nodes) for q in spec.queues] == [("compute", ["c6i.xlarge"], 4)]
    assert spec.shared_storage == [] and spec.key_pair == "e2e-key"
    key_file = Path(spec.ssh_key_file or "")
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
