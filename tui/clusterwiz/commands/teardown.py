"""`clusterwiz teardown`: the app, opened on every cluster with its $/h and the actions that stop the billing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clusterwiz.core.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    teardown = subparsers.add_parser("teardown", help="stop paying: every cluster with its $/h and the actions "
                                                      "that stop the fleet, stop it all, or destroy it")
    teardown.set_defaults(handler=run_teardown, billing_note=False)  # its menu is every cluster's $/h, live


def run_teardown(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.screens.teardown import teardown_app

    app = teardown_app(settings)
    app.run()
    return app.return_code or 0
