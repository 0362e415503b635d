"""The head node as the job runner sees it: POSIX sh scripts run over SSH, optionally fed a file on stdin."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.ssh import SSH_FAILED, CommandResult, SshError, SshTarget, explain_failure

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace

COMMAND_TIMEOUT_S = 300.0  # the upload of a large job is the slowest step


class HeadCommandFailed(ClusterwizError):
    """A command clusterwiz ran on the head node failed; the message holds what it printed."""


class HeadNode:
    def __init__(self, target: SshTarget, timeout: float = COMMAND_TIMEOUT_S):
        self.target = target
        self.timeout = timeout

    def run(self, script: str, stdin: Path | None = None) -> CommandResult:
        # sh -c, whatever the login shell of the user is (bash, zsh, csh...).
        argv = self.target.command([f"sh -c {shlex.quote(script)}"], batch=True)
        try:
            if stdin is None:
                completed = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout,
                                           stdin=subprocess.DEVNULL, check=False)
            else:
                with stdin.open("rb") as handle:
                    completed = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout,
                                               stdin=handle, check=False)
        except FileNotFoundError as error:
            raise SshError("the ssh command is not installed; install the OpenSSH client (e.g. `apt install "
                           "openssh-client`)") from error
        except subprocess.TimeoutExpired as error:
            raise SshError(f"the head node at {self.target.host} did not answer within {self.timeout:.0f} s; "
                           f"check it with `{self.target.shell_command()}`") from error
        if completed.returncode == SSH_FAILED:
            failure = explain_failure(self.target, completed.stderr)
            if failure is not None:
                raise failure
        return CommandResult(exit_code=completed.returncode, stdout=completed.stdout, stderr=completed.stderr)

    def check(self, script: str, what: str, stdin: Path | None = None) -> str:
        """run(), raising HeadCommandFailed (naming `what`) unless the script exits 0; returns stdout."""
        result = self.run(script, stdin)
        if result.exit_code != 0:
            said = (result.stderr.strip() or result.stdout.strip() or "no message").splitlines()[-5:]
            raise HeadCommandFailed(f"{what} failed on the head node (exit {result.exit_code}): "
                                    + "\n  ".join(said))
        return result.stdout


def connect(workspace: Workspace, cluster: str) -> HeadNode:
    """The cluster's head node as `clusterwiz ssh` reaches it: its SSH override when it has one, else its live
    address (a head node without an Elastic IP gets a new one at every start, which Terraform's outputs miss)."""
    from clusterwiz.core.ssh import cluster_ssh_target

    return HeadNode(cluster_ssh_target(workspace, cluster))
