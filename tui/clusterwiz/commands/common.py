"""What every headless command shares: the console, the workspace, JSON output and confirmation."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.settings import Settings


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def workspace(settings: Settings) -> Workspace:
    from clusterwiz.core.lifecycle import Workspace

    return Workspace.open(settings)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def confirm(question: str, assume_yes: bool) -> None:
    """Ask before changing anything; without a terminal to ask on, the user must pass --yes."""
    from clusterwiz.core.errors import ClusterwizError

    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise ClusterwizError(f"{question} needs confirmation, and there is no terminal to ask; pass --yes")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise ClusterwizError("nothing was changed: you did not confirm")
