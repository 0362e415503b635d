"""What every headless command shares: the console, the workspace, JSON output and confirmation."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.teardown import Removal


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def workspace(settings: Settings) -> Workspace:
    from clusterwiz.core.lifecycle import Workspace

    return Workspace.open(settings)


def print_aws_wait(text: str) -> None:
    """What a slow AWS call waits for (core/aws/session.py), on stderr: --json output stays parseable."""
    print(f"clusterwiz: {text}", file=sys.stderr, flush=True)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def _must_ask(question: str, assume_yes: bool) -> bool:
    """Whether to ask; without a terminal to ask on, the user must pass --yes."""
    from clusterwiz.core.errors import ClusterwizError

    if assume_yes:
        return False
    if not sys.stdin.isatty():
        raise ClusterwizError(f"{question} needs confirmation, and there is no terminal to ask; pass --yes")
    return True


def confirm(question: str, assume_yes: bool) -> None:
    """Ask before changing anything."""
    from clusterwiz.core.errors import ClusterwizError

    if not _must_ask(question, assume_yes):
        return
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise ClusterwizError("nothing was changed: you did not confirm")


def confirm_by_typing(question: str, expected: str, assume_yes: bool) -> None:
    """Ask the user to type `expected` (a cluster's name) before something that cannot be undone; --yes skips it.
    The question goes to stderr, so that --json output stays parseable."""
    from clusterwiz.core.errors import ClusterwizError

    if not _must_ask(question, assume_yes):
        return
    print(f"{question}\nType {expected} to confirm: ", end="", file=sys.stderr, flush=True)
    if input().strip() != expected:
        raise ClusterwizError(f"nothing was changed: what you typed is not {expected}")


def print_removal(result: Removal) -> None:
    """One line per resource a removal handled, as it goes: removed, or why not (on stderr)."""
    if result.removed:
        print(f"removed  {result.leftover.kind} {result.leftover.resource_id}")
    else:
        print(f"FAILED   {result.leftover.kind} {result.leftover.resource_id}: {result.error}", file=sys.stderr)
