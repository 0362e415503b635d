"""`clusterwiz budget`: set the most a cluster may cost; its head node stops the cluster when it is spent."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from clusterwiz.commands import common
from clusterwiz.node.budget import GRACE_SECONDS

if TYPE_CHECKING:
    from clusterwiz.core.settings import Settings

DESCRIPTION = (
    "Sets the most the cluster may cost since its creation, in US dollars, or none. Its head node counts the spend "
    "from the prices fixed at render and the real run times of its instances and volumes: at 80% it warns logged-in "
    f"users, at 100% no new job starts and the cluster stops once its running jobs end ({GRACE_SECONDS / 60:g} min "
    "at most). The new budget reaches the running head node at once (its tag); no apply is needed."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    budget = subparsers.add_parser("budget", help="set the most a cluster may cost before it stops itself",
                                   description=DESCRIPTION)
    budget.add_argument("name", help="cluster name")
    budget.add_argument("amount", help="US dollars, e.g. 50, or none")
    budget.set_defaults(handler=run_budget)


def run_budget(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.budget import parse_budget, set_budget

    budget_usd = parse_budget(args.amount)
    heads = set_budget(common.workspace(settings), args.name, budget_usd)
    if settings.json:
        common.print_json({"name": args.name, "budget_usd": budget_usd, "head_instances_tagged": heads})
        return 0
    what = "has no budget" if budget_usd is None else f"may cost ${budget_usd:g} before it stops itself"
    where = "; its head node has the new budget" if heads else " (no head node runs now: it takes it when built)"
    common.console().print(f"Cluster [bold]{args.name}[/] {what}{where}.")
    return 0
