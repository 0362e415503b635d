"""Every cluster clusterwiz made, in every enabled region, found by its clusterwiz:cluster tag alone.

No local file is needed: a user who lost the machine a cluster was made on finds it here, with what it bills, and
removes it. Removal goes through the leftover removal (core.teardown): the same dependency order, and nothing
that is not tagged with the cluster's name is touched. A cluster this machine knows and whose Terraform state
still holds resources is refused: `clusterwiz destroy` removes it without leaving the state behind.

IAM roles and instance profiles belong to no region: every region's listing of a cluster shows them. When a
cluster of the same name exists in another region (or a region could not be looked in), its removal keeps them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clusterwiz.core.aws.inventory import tagged_cluster_names
from clusterwiz.core.aws.regions import other_partition
from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.status import CLUSTER_TAG, PRICE_DIGITS, ClusterCost, tagged_cost
from clusterwiz.core.suggest import cli
from clusterwiz.core.teardown import Leftover, Removal, find_leftovers, remove_leftovers

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.registry import ClusterRecord

SWEEP_WORKERS = 8  # regions looked in at once; each makes a handful of calls
GLOBAL_KINDS = frozenset({"role", "instance-profile"})  # IAM: one per account, listed with every region's cluster


@dataclass(frozen=True)
class FoundCluster:
    name: str
    region: str
    resources: tuple[Leftover, ...]  # in removal order
    cost: ClusterCost
    known: bool  # this machine's registry holds a cluster of this name in this region
    in_terraform_state: int = 0  # resources its local Terraform state still records (known clusters only)


@dataclass(frozen=True)
class RegionFailure:
    region: str
    error: str


@dataclass(frozen=True)
class Sweep:
    regions: tuple[str, ...]  # looked in (or tried to)
    clusters: tuple[FoundCluster, ...]
    failures: tuple[RegionFailure, ...]

    @property
    def per_hour(self) -> float:
        return round(sum(cluster.cost.per_hour for cluster in self.clusters), PRICE_DIGITS)


@dataclass(frozen=True)
class SweepRemoval:
    cluster: FoundCluster
    results: tuple[Removal, ...]
    kept: tuple[Leftover, ...]  # IAM resources a cluster of the same name elsewhere may use
    kept_because: str | None
    left: tuple[Leftover, ...]  # still tagged with the cluster in its region afterwards

    @property
    def failed(self) -> list[Removal]:
        return [result for result in self.results if not result.removed]


def enabled_regions(workspace: Workspace) -> list[str]:
    """The regions the account has enabled (opt-in regions only once opted in), of its own partition."""
    return [region.name for region in workspace.catalog.regions()
            if region.enabled and other_partition(region.name) is None]


def sweep(workspace: Workspace, regions: list[str] | None = None, only: str | None = None) -> Sweep:
    """Look in every enabled region (or those given) at once; a region that fails is reported, not raised.
    `only`: look for that cluster name alone."""
    chosen = regions if regions is not None else enabled_regions(workspace)
    local = _registered(workspace)
    clusters: list[FoundCluster] = []
    failures: list[RegionFailure] = []
    with ThreadPoolExecutor(max_workers=max(1, min(SWEEP_WORKERS, len(chosen))), thread_name_prefix="sweep") as pool:
        futures = {region: pool.submit(_sweep_region, workspace, region, only, local) for region in chosen}
        for region, future in futures.items():
            try:
                clusters.extend(future.result())
            except ClusterwizError as error:
                failures.append(RegionFailure(region, str(error)))
    return Sweep(regions=tuple(chosen), clusters=tuple(sorted(clusters, key=lambda c: (c.region, c.name))),
                 failures=tuple(failures))


def _registered(workspace: Workspace) -> dict[str, ClusterRecord]:
    """This machine's clusters by name; one whose spec cannot be read is left out (then shown as unknown)."""
    records = {}
    for name in workspace.registry.names():
        with contextlib.suppress(ClusterwizError):
            records[name] = workspace.registry.get(name)
    return records


def _sweep_region(workspace: Workspace, region: str, only: str | None,
                  local: dict[str, ClusterRecord]) -> list[FoundCluster]:
    session = workspace.session
    names = tagged_cluster_names(session, region)
    found = []
    for name in sorted(names if only is None else names & {only}):
        resources = find_leftovers(session, region, name)
        if not resources:
            continue  # only tags of deleted resources were left
        record = local.get(name)
        mine = record if record is not None and record.spec.region == region else None
        found.append(FoundCluster(
            name=name, region=region, resources=tuple(resources),
            cost=tagged_cost(session, workspace.catalog, region, name), known=mine is not None,
            in_terraform_state=mine.managed_resources() if mine else 0))
    return found


Confirm = Callable[[FoundCluster, list[Leftover], list[Leftover]], None]


def remove_swept(workspace: Workspace, name: str, region: str | None, confirm: Confirm,
                 on_removal: Callable[[Removal], None] | None = None) -> SweepRemoval:
    """Remove everything tagged with the cluster in its region, in dependency order. `region` chooses when the
    name is found in several. `confirm` sees the cluster, what is to be removed and what is kept, and raises to
    remove nothing."""
    found = sweep(workspace, only=name)
    target = _target(found, name, region, workspace.settings.sandbox)
    if target.in_terraform_state:
        raise ClusterwizError(
            f"cluster {name} in {target.region} is this machine's, and its Terraform state still holds "
            f"{target.in_terraform_state} resources: remove it with "
            f"`{cli('destroy', name, sandbox=workspace.settings.sandbox)}`, which keeps the state right "
            f"(`{cli('leftovers', name, sandbox=workspace.settings.sandbox)}` lists what the state does not hold)")
    elsewhere = [c.region for c in found.clusters if c.name == name and c.region != target.region]
    unlooked = [failure.region for failure in found.failures]
    kept_because = None
    if elsewhere:
        kept_because = (f"a cluster named {name} also has resources in {', '.join(elsewhere)}, and IAM roles do not "
                        "say which region's cluster uses them; they cost nothing, and go with the last one")
    elif unlooked:
        kept_because = (f"the sweep could not look in {', '.join(unlooked)}, where a cluster named {name} may use "
                        "them; they cost nothing")
    registered = name in workspace.registry.names()  # a tag's value need not be a valid cluster name
    # A registered cluster of this name may be applying right now: its lock keeps Terraform out meanwhile.
    with workspace.registry.lock(name) if registered else contextlib.nullcontext():
        current = find_leftovers(workspace.session, target.region, name)
        kept = [r for r in current if r.kind in GLOBAL_KINDS] if kept_because else []
        chosen = [r for r in current if r not in kept]
        confirm(target, chosen, kept)
        results = remove_leftovers(workspace.session, target.region, name, chosen, on_removal=on_removal)
        left = [r for r in find_leftovers(workspace.session, target.region, name) if r not in kept]
    return SweepRemoval(cluster=target, results=tuple(results), kept=tuple(kept),
                        kept_because=kept_because if kept else None, left=tuple(left))


def _target(found: Sweep, name: str, region: str | None, sandbox: bool) -> FoundCluster:
    candidates = [c for c in found.clusters if c.name == name]
    chosen = [c for c in candidates if region in (None, c.region)]
    if len(chosen) == 1:
        return chosen[0]
    if chosen:
        regions = ", ".join(c.region for c in chosen)
        raise ClusterwizError(f"a cluster named {name} has resources in {regions}: say which to remove with "
                              f"`{cli('sweep', '--remove', name, '--region', chosen[0].region, sandbox=sandbox)}`")
    where = f"in {region}" if region else f"in any of the {len(found.regions)} enabled regions"
    also = f" (it is in {', '.join(c.region for c in candidates)})" if candidates else ""
    unlooked = (f"; the sweep could not look in {', '.join(f.region for f in found.failures)}"
                if found.failures else "")
    raise ClusterwizError(f"nothing tagged {CLUSTER_TAG}={name} was found {where}{also}{unlooked}; "
                          f"`{cli('sweep', sandbox=sandbox)}` lists every cluster found")
