"""The whole journey in the sandbox, in a real terminal (tmux) of 80x24, as a new user at a workshop would take it:
README's first command, `clusterwiz --sandbox`, the wizard's defaults, plan, apply, the dashboard, stop the fleet,
destroy, an empty home screen — and nothing tagged with the cluster left in the emulator the sandbox started by
itself. It counts the keys a user presses from launch to an applied cluster and from the dashboard to nothing
billed, and prints them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.tmux import Terminal

from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.sandbox import running_emulator, sandbox_session
from clusterwiz.core.sandbox_seed import SANDBOX_REGION

pytestmark = [pytest.mark.terraform, pytest.mark.tmux]
SOURCE_ROOT = Path(__file__).resolve().parents[2] / "tui"
COLUMNS, LINES = 80, 24  # the smallest terminal clusterwiz holds to
CLUSTER = "demo"  # the wizard's default name in an empty sandbox


def clusterwiz_command(home: Path, *args: str) -> list[str]:
    return ["env", f"PYTHONPATH={SOURCE_ROOT}", f"CLUSTERWIZ_HOME={home}", "TERM=xterm-256color",
            sys.executable, "-m", "clusterwiz", "--sandbox", *args]


@pytest.fixture
def sandbox_home(terraform_cli_config: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh clusterwiz home; its sandbox emulator (started by clusterwiz itself) is stopped at the end."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the end-to-end test (apt install tmux)")
    home = tmp_path / "home"
    try:
        yield home
    finally:
        subprocess.run(clusterwiz_command(home, "sandbox", "stop"), check=False, capture_output=True, timeout=60)


def test_a_workshop_attendee_builds_and_destroys_a_sandbox_cluster(sandbox_home: Path) -> None:
    terminal = Terminal(f"clusterwiz-sandbox-{os.getpid()}", columns=COLUMNS, lines=LINES)
    # TF_CLI_CONFIG_FILE (the offline provider mirror) reaches the app through the tmux server's environment.
    terminal.start(clusterwiz_command(sandbox_home))
    try:
        terminal.wait_for("SANDBOX")
        assert "SANDBOX" in terminal.wait_for("Step 1 of 11: Account")
        terminal.wait_for("Practice in the sandbox")
        terminal.wait_for("Signed in to the sandbox")  # the emulator started behind the first screen
        for step, shown in (("Step 2 of 11: Name", CLUSTER), ("Step 3 of 11: Region", "eu-west-2"),
                            ("Step 4 of 11: Network", "Create a new VPC for me"),
                            ("Step 5 of 11: Operating system", "Current AMI"),
                            ("Step 6 of 11: Head node", "t3.medium"), ("Step 7 of 11: Queues", "Queue 1"),
                            ("Step 8 of 11: Shared storage", "Add a volume"),
                            ("Step 9 of 11: Key pair", "workshop"),
                            ("Step 10 of 11: Cost limits", "Stop after (minutes)")):
            terminal.keys("C-n")
            terminal.wait_for(step)
            terminal.wait_for(shown, timeout=60)  # lookups run in workers; slow when the machine is busy
            time.sleep(1)  # a person reads the step before going on
        terminal.keys("C-n")
        terminal.wait_for(f"Cluster {CLUSTER} in region {SANDBOX_REGION}")
        terminal.wait_for("/h now")

        terminal.keys("C-l")  # plan
        assert "SANDBOX" in terminal.wait_for("18 to create", timeout=180)
        terminal.keys("C-a")  # apply; the dashboard replaces the run when it is done
        shown = terminal.wait_for("Head node i-", timeout=300)
        assert "running" in shown and "SANDBOX" in shown
        to_applied = terminal.pressed

        terminal.keys("C-p")  # the command palette: back to the list of clusters
        terminal.type_text("Clusters")
        terminal.keys("Enter")
        shown = terminal.wait_for("Your clusters")
        assert CLUSTER in shown and "applied" in shown

        terminal.keys("o")
        terminal.wait_for("Plan / apply changes")  # the dashboard
        terminal.keys("t")
        terminal.wait_for("Stop compute fleet")
        terminal.keys("Left", "Left")  # the tab bar has the focus: from Teardown back to Nodes
        shown = terminal.wait_for(f"{CLUSTER}-compute")  # the queue's group
        assert "head" in shown and "t3.medium" in shown

        terminal.keys("t")
        terminal.wait_for("Stop compute fleet")
        terminal.keys("Tab", "Tab", "Enter")  # from the tab bar past the pane to its first button
        terminal.wait_for("Fleet stopped", timeout=60)

        on_dashboard = terminal.pressed
        terminal.keys("d")
        terminal.wait_for(f"Destroy cluster {CLUSTER}?")
        terminal.type_text(CLUSTER)
        terminal.keys("Enter")
        shown = terminal.wait_for(f"Destroying cluster {CLUSTER}: done", timeout=300)
        assert "nothing tagged with it is left" in shown
        to_nothing_billed = terminal.pressed - on_dashboard
        print(f"keys from launch to an applied cluster: {to_applied}; "
              f"from the dashboard to nothing billed: {to_nothing_billed}")
        assert to_applied <= 12 and to_nothing_billed <= len(CLUSTER) + 2
        terminal.keys("Escape")  # back to the cluster list, empty again: it says what to do first
        shown = terminal.wait_for("No clusters yet")
        assert "Your clusters" in shown and "press n (New cluster)" in shown
        terminal.keys("q")
    finally:
        terminal.close()

    emulator = running_emulator(sandbox_home)
    assert emulator is not None
    assert tagged_resources(sandbox_session(emulator, None), SANDBOX_REGION, CLUSTER) == []
