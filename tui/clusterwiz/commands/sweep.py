"""`clusterwiz sweep`: every cluster clusterwiz made in the account, from any machine, and removing one of them."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from clusterwiz.commands import common
from clusterwiz.core.suggest import cli

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.sweep import FoundCluster, Sweep, SweepRemoval
    from clusterwiz.core.teardown import Leftover

DESCRIPTION = (
    "Looks in every region the account has enabled for resources tagged clusterwiz:cluster, whichever machine made "
    "them, and lists them by cluster with what they bill per hour; clusters this machine does not know are marked. "
    "--remove NAME removes one cluster's resources (after you type its name), in dependency order, and touches "
    "nothing that is not tagged with that name. --region R looks in R only (with --remove: the region to remove "
    "NAME from, when it is in several)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    sweep = subparsers.add_parser(
        "sweep", help="find every cluster's resources in every enabled region (from any machine), with their $/h, "
                      "and remove a cluster's", description=DESCRIPTION)
    sweep.add_argument("--remove", metavar="NAME", help="remove every resource tagged with cluster NAME")
    sweep.add_argument("--yes", action="store_true", help="remove without asking to type the name (for scripts)")
    sweep.set_defaults(handler=run_sweep)


def run_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.sweep import sweep

    workspace = common.workspace(settings)
    if args.remove:
        return _remove(args, settings, workspace)
    found = sweep(workspace, regions=[args.region] if args.region else None)
    if settings.json:
        common.print_json({"regions": list(found.regions), "per_hour": found.per_hour,
                           "clusters": [_cluster_json(cluster) for cluster in found.clusters],
                           "failures": [asdict(failure) for failure in found.failures]})
    else:
        _print_sweep(found, settings.sandbox)
    return 1 if found.failures else 0


def _resource_json(leftover: Leftover) -> dict[str, str]:
    return {"arn": leftover.arn, "kind": leftover.kind, "id": leftover.resource_id, "action": leftover.action}


def _cluster_json(cluster: FoundCluster) -> dict[str, Any]:
    return {"name": cluster.name, "region": cluster.region, "known": cluster.known,
            "in_terraform_state": cluster.in_terraform_state, "per_hour": cluster.cost.per_hour,
            "cost": {**asdict(cluster.cost), "per_hour": cluster.cost.per_hour},
            "resources": [_resource_json(leftover) for leftover in cluster.resources]}


def _kinds(resources: tuple[Leftover, ...] | list[Leftover]) -> str:
    """What the resources are, in removal order: "autoscaling-group, instance ×2, volume"."""
    return ", ".join(kind if count == 1 else f"{kind} ×{count}"
                     for kind, count in Counter(r.kind for r in resources).items())


def _on_this_machine(cluster: FoundCluster) -> str:
    if not cluster.known:
        return "[bold yellow]no[/]"
    return "yes, Terraform manages it" if cluster.in_terraform_state else "yes"


def _print_sweep(found: Sweep, sandbox: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = common.console()
    console.print(f"Looked in {len(found.regions)} region(s) for resources tagged clusterwiz:cluster.")
    if found.clusters:
        table = Table("cluster", "region", "on this machine", "resources", "$/h", title="Clusters found")
        for cluster in found.clusters:
            table.add_row(cluster.name, cluster.region, _on_this_machine(cluster), _kinds(cluster.resources),
                          f"{cluster.cost.per_hour:.3f}")
        console.print(table)
        console.print(f"Total: [bold]${found.per_hour:.3f}/hour[/] in {len(found.clusters)} cluster(s).")
        unpriced = sorted({item for cluster in found.clusters for item in cluster.cost.unpriced})
        if unpriced:
            console.print(f"  [yellow]no price known for {', '.join(unpriced)}: left out of the totals[/]")
        removable = sorted((c for c in found.clusters if not c.in_terraform_state), key=lambda c: c.known)
        example = removable[0] if removable else None
        if example:
            console.print(f"Stop one's bill: `{cli('sweep', '--remove', example.name, sandbox=sandbox)}` removes "
                          "everything tagged with it (you type its name to confirm).")
        for cluster in found.clusters:
            if cluster.in_terraform_state:
                console.print(f"{cluster.name} is this machine's: `{cli('destroy', cluster.name, sandbox=sandbox)}` "
                              "removes it.")
    elif not found.failures:
        console.print("Nothing tagged by clusterwiz was found: no cluster of clusterwiz bills in this account.")
    for failure in found.failures:
        console.print(f"[yellow]could not look in {failure.region}: {escape(failure.error)}[/]")


def _remove(args: argparse.Namespace, settings: Settings, workspace: Workspace) -> int:
    from clusterwiz.core.sweep import remove_swept

    def confirm(cluster: FoundCluster, chosen: list[Leftover], kept: list[Leftover]) -> None:
        if not settings.json:
            _print_plan(cluster, chosen, kept)
        common.confirm_by_typing(f"Remove {len(chosen)} resource(s) tagged with {cluster.name} in {cluster.region}? "
                                 "This cannot be undone.", cluster.name, args.yes)

    removal = remove_swept(workspace, args.remove, args.region, confirm,
                           on_removal=None if settings.json else common.print_removal)
    if settings.json:
        common.print_json({"name": removal.cluster.name, "region": removal.cluster.region,
                           "results": [{**_resource_json(r.leftover), "removed": r.removed, "error": r.error}
                                       for r in removal.results],
                           "kept": [_resource_json(leftover) for leftover in removal.kept],
                           "kept_because": removal.kept_because,
                           "left": [_resource_json(leftover) for leftover in removal.left]})
    else:
        _print_outcome(removal, settings.sandbox)
    return 1 if removal.left else 0


def _print_plan(cluster: FoundCluster, chosen: list[Leftover], kept: list[Leftover]) -> None:
    whose = "this machine's" if cluster.known else "not known to this machine"
    print(f"Cluster {cluster.name} in {cluster.region} ({whose}) bills ${cluster.cost.per_hour:.3f}/hour. "
          "In this order, clusterwiz will:")
    for leftover in chosen:
        print(f"  {leftover.action}: {leftover.resource_id}")
    for leftover in kept:
        print(f"  keep {leftover.kind} {leftover.resource_id}")


def _print_outcome(removal: SweepRemoval, sandbox: bool) -> None:
    cluster = removal.cluster
    if removal.left:
        failed = {r.leftover.arn: r.error for r in removal.failed}
        print(f"Still tagged with {cluster.name} in {cluster.region}:", file=sys.stderr)
        for leftover in removal.left:
            why = failed.get(leftover.arn) or "it appeared during the removal"
            print(f"  {leftover.kind} {leftover.resource_id}: {why}", file=sys.stderr)
        print(f"Once fixed, `{cli('sweep', '--remove', cluster.name, '--region', cluster.region, sandbox=sandbox)}` "
              "removes the rest.", file=sys.stderr)
    else:
        print(f"Nothing tagged with {cluster.name} is left in {cluster.region}: its bill has stopped.")
    if removal.kept:
        print(f"Kept {_kinds(removal.kept)}: {removal.kept_because}.")
    if cluster.known:
        print(f"`{cli('destroy', cluster.name, sandbox=sandbox)}` forgets it on this machine.")
