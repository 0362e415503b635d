"""`clusterwiz extend`: move a cluster's expiry, the time its head node stops the whole cluster by itself."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from clusterwiz.commands import common

if TYPE_CHECKING:
    from clusterwiz.core.settings import Settings

DESCRIPTION = (
    "Sets when the head node stops the whole cluster (compute fleet and itself, running jobs included): --by 8h "
    "from now, --until a time, or --never. The new time reaches the running head node at once (its tag); no apply "
    "is needed. An expired cluster must be extended before it can be started again."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    extend = subparsers.add_parser("extend", help="move the time a cluster stops by itself", description=DESCRIPTION)
    extend.add_argument("name", help="cluster name")
    when = extend.add_mutually_exclusive_group(required=True)
    when.add_argument("--by", metavar="DURATION", help="from now: 8h, 90m, 2d, 1d12h")
    when.add_argument("--until", metavar="TIME", help="a time with its zone, e.g. 2026-12-04T18:00Z")
    when.add_argument("--never", action="store_true", help="no expiry (idle stop and budget still apply)")
    extend.set_defaults(handler=run_extend)


def run_extend(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.expiry import describe_expiry, extend_cluster, now_utc, parse_expires

    now = now_utc()
    expires_at = None if args.never else parse_expires(args.by if args.by is not None else args.until, now)
    heads = extend_cluster(common.workspace(settings), args.name, expires_at)
    if settings.json:
        common.print_json({"name": args.name, "expires_at": None if expires_at is None else expires_at.isoformat(),
                           "head_instances_tagged": heads})
        return 0
    when = "has no expiry" if expires_at is None else f"expires {describe_expiry(expires_at, now)}"
    where = "; its head node has the new time" if heads else " (no head node runs now: it takes the time when built)"
    common.console().print(f"Cluster [bold]{args.name}[/] {when}{where}.")
    return 0
