"""The real `clusterwiz new --plain` in a real terminal (tmux) against moto, answered as a new user would."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.catalog.account import REGION, Account, build_account
from tests.support.tmux import Terminal

from clusterwiz.core.registry import Registry

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.tmux


class PlainSession:
    """`clusterwiz new --plain` in tmux; the pane outlives the command to show its last words and status."""

    def __init__(self, terminal: Terminal, home: Path, account: Account):
        self.terminal = terminal
        self.home = home
        self.account = account

    def wait_for_question(self, question: str, times: int = 1, timeout: float = 30) -> str:
        """The screen once `question` is the one being asked (the last line that starts with '? '), for the
        times-th time on this screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.terminal.screen()
            asked = [line for line in shown.splitlines() if line.startswith("? ")]
            if asked and asked[-1].startswith(f"? {question}") and \
                    sum(line.startswith(f"? {question}") for line in asked) >= times:
                return shown
            time.sleep(0.25)
        raise AssertionError(f"{question!r} was not asked within {timeout:.0f} s; the screen shows:\n"
                             f"{self.terminal.screen()}")

    def answer(self, question: str, *keys: str, typed: str | None = None, replace: bool = False) -> None:
        """Wait for the question, then type (after clearing the default if `replace`) and press keys."""
        self.wait_for_question(question)
        if replace:
            self.terminal.keys("C-u")
        if typed is not None:
            self.terminal.type_text(typed)
        self.terminal.keys(*keys)

    def said(self) -> str:
        """All the terminal has shown, as one line of words: the wizard wraps long messages at the edge."""
        return " ".join(self.terminal.history().split())


@pytest.fixture
def plain(moto: str, tmp_path: Path) -> Iterator[PlainSession]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the end-to-end test (apt install tmux)")
    account = build_account()
    home = tmp_path / "home"
    environment = {"PYTHONPATH": str(REPO / "tui"), "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                   "AWS_DEFAULT_REGION": REGION, "TERM": "xterm-256color"}
    terminal = Terminal(f"clusterwiz-plain-{os.getpid()}")
    # The endpoint comes from --endpoint-url alone, as a user of a local emulator would give it. COLUMNS and
    # LINES may be set for pytest's own output; the wizard must measure the terminal it runs in.
    terminal.start_keeping_pane(
        ["env", "-u", "AWS_PROFILE", "-u", "AWS_CA_BUNDLE", "-u", "AWS_ENDPOINT_URL", "-u", "AWS_REGION",
         "-u", "COLUMNS", "-u", "LINES",
         *(f"{key}={value}" for key, value in environment.items()),
         sys.executable, "-m", "clusterwiz", "--home", str(home), "--endpoint-url", moto, "new", "--plain"])
    try:
        yield PlainSession(terminal, home, account)
    finally:
        terminal.close()


def test_a_new_user_answers_every_plain_prompt_and_saves_what_was_typed(plain: PlainSession) -> None:
    shell, account = plain.terminal, plain.account
    shell.wait_for("Step 1 of 11: Account", scrolled_off=True)
    plain.answer("Where to build", "Enter")  # the one account there is

    shell.wait_for("Step 2 of 11: Name", scrolled_off=True)
    plain.answer("Cluster name", "Enter", typed="Bad_Name", replace=True)
    plain.wait_for_question("Cluster name", times=2)  # asked again, after the step's own message:
    assert ("? Cluster name — lowercase letters, digits and '-': Bad_Name problem: Cluster name: 'Bad_Name' is "
            "not a valid cluster name; use 1-31 lowercase letters, digits or '-', starting with a letter (e.g. "
            "'demo') ? Cluster name") in plain.said()
    shell.keys("C-u")
    shell.type_text("plain-e2e")
    shell.keys("Enter")

    screen = plain.wait_for_question("Region")
    assert " » eu-west-2 " in screen  # the configured region is the default
    assert "Not available here: - ap-east-1 is not enabled for your account" in plain.said()
    shell.keys("Enter")
    shell.wait_for("eu-west-2: 3 availability zones")

    shell.wait_for("Step 4 of 11: Network", scrolled_off=True)
    screen = plain.wait_for_question("VPC")
    assert "Create a new VPC for me" in screen and "CIDR" in screen  # rows under a header
    plain.answer("VPC", "Enter", typed="hpc")
    screen = plain.wait_for_question("Subnet")
    assert "has only 11 free addresses and every node needs one" in plain.said()  # said why, not offered
    plain.answer("Subnet", "Enter", typed="hpc-a")
    plain.answer("Who may SSH in", "Enter", typed="203.0.113.0/24")

    shell.wait_for("Step 5 of 11: Operating system", scrolled_off=True)
    plain.answer("Operating system", "Enter")  # Debian 13 x86_64, the suggested one
    shell.wait_for("Step 6 of 11: Head node", scrolled_off=True)
    plain.answer("Head node type", "Enter", typed="t3.small")

    shell.wait_for("Step 7 of 11: Queues", scrolled_off=True)
    plain.answer("Queue name", "Enter", typed="batch", replace=True)
    screen = plain.wait_for_question("Node types")
    assert " » ● c6i.xlarge" in screen  # the suggested type is ticked and in view
    plain.answer("Node types", "Space", "Enter", typed="c5.xlarge")
    shell.wait_for("Chosen: c5.xlarge, c6i.xlarge")
    screen = plain.wait_for_question("Capacity")
    assert "notice, stopping its job" in screen  # the whole sentence on spot, wrapped, not cut at the edge
    plain.answer("Capacity", "Enter", typed="spot")
    plain.answer("Minimum nodes", "Enter")
    plain.answer("Initial nodes", "Enter")
    plain.answer("Maximum nodes", "Enter", typed="6", replace=True)
    shell.wait_for("at most 24 vCPUs at max size")
    plain.answer("Add another queue?", "n")

    shell.wait_for("Step 8 of 11: Shared storage", scrolled_off=True)
    plain.answer("Add a volume?", "y")
    screen = plain.wait_for_question("Volume")
    assert "is in eu-west-2b but the cluster runs in eu-west-2a" in plain.said()
    plain.answer("Volume", "Enter", typed="scratch-a")
    plain.answer("Mount directory", "Enter")  # /shared
    plain.answer("Add another volume?", "y")
    plain.answer("Volume", "Enter")  # create a new volume
    plain.answer("Mount directory", "Enter")  # /data
    plain.answer("Volume type", "Enter", typed="st1")
    plain.answer("Size (GiB)", "Enter", typed="250", replace=True)
    plain.answer("Encrypted", "n")
    plain.answer("Add another volume?", "n")

    shell.wait_for("Step 9 of 11: Key pair", scrolled_off=True)
    plain.answer("Key pair", "Enter", typed=account.key_ed25519)
    plain.answer("Private key file", "Enter")

    shell.wait_for("Step 10 of 11: Cost limits", scrolled_off=True)
    plain.answer("Stop when unused", "Enter")
    plain.answer("Stop after (minutes)", "Enter", typed="120", replace=True)
    plain.answer("Expires", "Enter", typed="2099-01-01T08:00Z")

    plain.wait_for_question("Save this cluster?")
    review = plain.said()
    assert "Cluster plain-e2e in region eu-west-2." in review
    assert "Idle stop: after 120 minutes with no job and nobody logged in" in review
    assert "Expires: the whole cluster stops in " in review and "(2099-01-01 08:00 UTC)" in review
    assert "Estimated cost: $" in review and "/h at maximum size" in review
    # Findings are printed with their fix (the emulated AWS has no quotas: said as information).
    assert "info: the emulated AWS has no vCPU quotas, so none were checked Fix: " in review
    shell.keys("Enter")
    assert shell.exit_status() == 0
    assert "Saved " in plain.said() and "Traceback" not in plain.said()

    spec = Registry(plain.home).get("plain-e2e").spec
    assert (spec.region, spec.os, spec.ami_id, spec.head_node.instance_type) == (REGION, "debian13", None,
                                                                                   "t3.small")
    assert (spec.network.vpc_id, spec.network.subnet_id) == (account.hpc_vpc, account.subnet_a)
    assert spec.network.ssh_cidr == "203.0.113.0/24"
    assert [(q.name, q.instance_types, q.capacity, q.min_nodes, q.initial_nodes, q.max_nodes)
            for q in spec.queues] == [("batch", ["c5.xlarge", "c6i.xlarge"], "spot", 0, 0, 6)]
    existing, new = spec.shared_storage
    assert (existing.mount_dir, existing.volume_id) == ("/shared", account.volume_a)
    assert (new.mount_dir, new.volume_id, new.size_gib, new.volume_type, new.encrypted) == ("/data", None, 250,
                                                                                             "st1", False)
    assert (spec.key_pair, spec.ssh_key_file) == (account.key_ed25519, None)
    assert spec.idle_stop_minutes == 120
    assert spec.expires_at.isoformat() == "2099-01-01T08:00:00+00:00"


def test_ctrl_c_in_the_middle_leaves_nothing_behind(plain: PlainSession) -> None:
    shell = plain.terminal
    plain.answer("Where to build", "Enter")
    plain.answer("Cluster name", "Enter", typed="halfway", replace=True)
    plain.wait_for_question("Region")
    shell.keys("C-c")

    assert shell.exit_status() == 130
    said = plain.said()
    assert "clusterwiz: the wizard was cancelled; nothing was saved." in said
    assert "Traceback" not in said and "Cancelled by user" not in said  # one message, ours
    assert Registry(plain.home).names() == []
