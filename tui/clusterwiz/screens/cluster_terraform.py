"""What the plan and run screens ask of Terraform, for one cluster; the live version runs the real thing.

The screens take a `ClusterTerraform`, so the app passes the live one and the tests pass one that
replays recorded Terraform output. Its methods block: the screens call them from thread workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import EventCallback, Workspace
    from clusterwiz.core.teardown import Leftover, Removal
    from clusterwiz.core.terraform import ApplyResult, PlanResult, TerraformRunner


class ClusterTerraform(Protocol):
    def plan(self, name: str, on_event: EventCallback, destroy: bool = False) -> PlanResult:
        """Render the cluster's Terraform (unless destroying) and plan it."""

    def planned_values(self, plan: PlanResult) -> dict[str, Any]:
        """`terraform show -json` of the plan (core.lifecycle.read_plan): every planned attribute, for details on
        demand, and what applying it disrupts (core.disruption). Raises when the plan cannot be read."""

    def apply(self, name: str, plan: PlanResult, on_event: EventCallback) -> ApplyResult:
        """Apply exactly that plan; the registry records how it ended."""

    def discard(self, plan: PlanResult) -> None:
        """Forget a plan that will not be applied (its file may hold sensitive values)."""

    def snapshot_volumes(self, name: str) -> list[str]:
        """Snapshot the volumes clusterwiz created for the cluster, before a destroy; their ids."""

    def leftovers(self, name: str, forget: bool) -> list[Leftover]:
        """What AWS still has tagged with the cluster, after a destroy; with `forget`, a cluster with nothing left
        leaves the registry (core.lifecycle.find_cluster_leftovers)."""

    def remove_leftovers(self, name: str) -> list[Removal]:
        """Remove every leftover; what happened to each."""

    def cancel(self) -> None:
        """Stop the operation under way cleanly; safe from any thread."""


class LiveClusterTerraform:
    """The real Terraform, through the same lifecycle functions as the headless commands."""

    def __init__(self, workspace_factory: Callable[[], Workspace]):
        self._workspace_factory = workspace_factory
        self._workspace: Workspace | None = None
        self._runner: TerraformRunner | None = None
        self._cancelled = False
        self._lock = threading.Lock()

    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = self._workspace_factory()
        return self._workspace

    def plan(self, name: str, on_event: EventCallback, destroy: bool = False) -> PlanResult:
        from clusterwiz.core.lifecycle import render_registered, terraform_session

        workspace = self.workspace()
        if not destroy:
            render_registered(workspace, name)
        with terraform_session(workspace, name) as (_record, runner), self._running(runner):
            return runner.plan(on_event=on_event, destroy=destroy)

    def planned_values(self, plan: PlanResult) -> dict[str, Any]:
        from clusterwiz.core.lifecycle import read_plan

        return read_plan(self.workspace(), plan)

    def apply(self, name: str, plan: PlanResult, on_event: EventCallback) -> ApplyResult:
        from clusterwiz.core.lifecycle import apply_plan, terraform_session

        workspace = self.workspace()
        with terraform_session(workspace, name) as (record, runner), self._running(runner):
            return apply_plan(workspace, record, runner, plan, on_event=on_event)

    def discard(self, plan: PlanResult) -> None:
        plan.plan_file.unlink(missing_ok=True)

    def snapshot_volumes(self, name: str) -> list[str]:
        from clusterwiz.core.teardown import snapshot_before_destroy

        workspace = self.workspace()
        spec = workspace.registry.get(name).spec
        taken = snapshot_before_destroy(workspace.session, workspace.catalog, spec)
        return [snapshot.snapshot_id for snapshot in taken]

    def leftovers(self, name: str, forget: bool) -> list[Leftover]:
        from clusterwiz.core.lifecycle import find_cluster_leftovers

        workspace = self.workspace()
        return find_cluster_leftovers(workspace, workspace.registry.get(name).spec, forget)

    def remove_leftovers(self, name: str) -> list[Removal]:
        from clusterwiz.core.teardown import remove_cluster_leftovers

        # The user confirmed with the screen's button, having seen the list.
        return remove_cluster_leftovers(self.workspace(), name, confirm=lambda _found: None)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            runner = self._runner
        if runner is not None:
            runner.cancel()

    def _running(self, runner: TerraformRunner) -> _Running:
        return _Running(self, runner)


class _Running:
    """While a runner works, cancel() reaches it; a cancel that came just before it started stops it at once."""

    def __init__(self, owner: LiveClusterTerraform, runner: TerraformRunner):
        self.owner = owner
        self.runner = runner

    def __enter__(self) -> None:
        with self.owner._lock:
            self.owner._runner = self.runner
            cancelled = self.owner._cancelled
        if cancelled:
            self.runner.cancel()

    def __exit__(self, *exc: object) -> None:
        with self.owner._lock:
            self.owner._runner = None
            self.owner._cancelled = False  # the next operation starts afresh: the screen decides whether it runs
