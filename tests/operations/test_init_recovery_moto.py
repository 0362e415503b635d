"""An init that did not complete is run again: one that failed (no provider could be had) and one that Ctrl-C
interrupted (a real SIGINT to the process group, as a terminal sends it, while a real Terraform is installing). Both
leave a .terraform folder behind, which alone must not count as initialised."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.operations.test_operations_moto import prepare_account, write_spec
from tests.support.cli import clusterwiz
from tests.support.jobs import TerminalJob
from tests.support.terraform_env import MIRROR_ENV

pytestmark = [pytest.mark.terraform, pytest.mark.moto]


def users_cli_config(path: Path, installation: str) -> dict[str, str]:
    """The environment of a user whose own CLI config holds `installation` and who names no clusterwiz mirror."""
    path.write_text(f"provider_installation {{\n{installation}}}\n")
    return {"TF_CLI_CONFIG_FILE": str(path), MIRROR_ENV: ""}


@pytest.fixture
def silent_mirror() -> Iterator[tuple[str, threading.Event]]:
    """A provider network mirror on loopback that accepts a connection and never answers: an init asking it stays
    busy installing until it is interrupted. The event is set once Terraform has connected."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    connected = threading.Event()
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return
            connected.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}/", connected
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


def test_a_failed_init_runs_again_once_the_provider_can_be_had(moto: str, terraform_cli_config: Path,
                                                               tmp_path: Path):
    ami, _ = prepare_account()
    home = tmp_path / "home"
    nothing = tmp_path / "empty-mirror"
    nothing.mkdir()
    offline = users_cli_config(tmp_path / "offline.tfrc", f'  filesystem_mirror {{\n    path = "{nothing}"\n  }}\n')
    clusterwiz(home, "render", "--config", str(write_spec(tmp_path / "cluster.yaml", "retry", ami)), env=offline)

    failed = clusterwiz(home, "plan", "retry", env=offline, check=False)
    assert failed.returncode != 0 and "Traceback" not in failed.stderr
    assert "terraform init failed" in failed.stderr and "run `clusterwiz doctor`" in failed.stderr
    assert "The next plan, apply or destroy runs init again." in failed.stderr
    assert (home / "aws" / "clusters" / "retry" / "workdir" / ".terraform").is_dir()  # left by the failed init

    # The user names the mirror, and nothing else: no terraform run by hand.
    assert "to add" in clusterwiz(home, "plan", "retry").stdout


def test_an_init_interrupted_by_ctrl_c_runs_again_next_time(moto: str, terraform_cli_config: Path, tmp_path: Path,
                                                            silent_mirror: tuple[str, threading.Event]):
    ami, _ = prepare_account()
    home = tmp_path / "home"
    url, connected = silent_mirror
    stalled = users_cli_config(tmp_path / "stalled.tfrc", f'  network_mirror {{\n    url = "{url}"\n  }}\n')
    clusterwiz(home, "render", "--config", str(write_spec(tmp_path / "cluster.yaml", "halted", ami)), env=stalled)
    # A job of its own, as a shell starts it: the signal goes to its whole process group, as a terminal's Ctrl-C.
    with TerminalJob(home, "plan", "halted", env=stalled) as plan:
        assert connected.wait(120), "terraform init never asked the provider mirror"
        plan.signal(signal.SIGINT)
        code = plan.wait(120)
    err = plan.output
    workdir = home / "aws" / "clusters" / "halted" / "workdir"

    assert code == 2 and "Traceback" not in err
    assert "terraform init was interrupted before it finished" in err and "runs init again" in err
    assert "nothing was left half-written" not in err
    assert (workdir / ".terraform" / "modules").is_dir()  # what the interrupted init had done
    log = (home / "aws" / "clusters" / "halted" / "logs" / "terraform.log").read_text()
    assert log.count("Interrupt received") <= 1 and log.rstrip().endswith("=== exit code 1")  # it ended on its own

    assert "to add" in clusterwiz(home, "plan", "halted").stdout
