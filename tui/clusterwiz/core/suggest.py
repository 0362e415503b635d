"""The clusterwiz commands that hints, "Next:" lines and error messages suggest, written so they work where the
user is: a sandbox cluster's commands carry --sandbox (without it, clusterwiz looks in the real account's registry
and finds no such cluster)."""

from __future__ import annotations

import shlex

SANDBOX_FLAG = "--sandbox"
REMOTE_SEPARATOR = "--"  # `clusterwiz ssh NAME -- COMMAND`: whatever follows belongs to the remote command


def cli(*words: str, sandbox: bool) -> str:
    """`clusterwiz WORDS`, with --sandbox in the sandbox, quoted for a shell."""
    argv = ["clusterwiz", *words]
    if sandbox:
        at = argv.index(REMOTE_SEPARATOR) if REMOTE_SEPARATOR in argv else len(argv)
        argv.insert(at, SANDBOX_FLAG)
    return shlex.join(argv)


def first_cluster(start: str, *, sandbox: bool) -> str:
    """What an empty list of clusters says to do first; `start` is how this front-end starts the wizard (a key, a
    command). Outside the sandbox it says how to practise without an AWS account, with nothing billed."""
    where = "here in the sandbox, where nothing is billed" if sandbox else "in your AWS account"
    practise = "" if sandbox else f" To practise first, with nothing billed: `{cli(sandbox=True)}`."
    return (f"No clusters yet. To make your first one, {start}: the wizard asks a few questions with help for "
            f"each, then plans and creates the cluster {where}.{practise}")
