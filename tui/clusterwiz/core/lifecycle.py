"""The headless life of a cluster: render, plan, apply, outputs, destroy. The CLI and the app both call these."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.events import Event
from clusterwiz.core.registry import ClusterLock, ClusterRecord, Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec

if TYPE_CHECKING:
    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.aws.session import AwsSession
    from clusterwiz.core.provider import ProviderInstallation
    from clusterwiz.core.render import RenderedCluster
    from clusterwiz.core.sandbox import Emulator
    from clusterwiz.core.teardown import Leftover, VolumeSnapshot
    from clusterwiz.core.terraform import ApplyResult, PlanResult, TerraformRunner
    from clusterwiz.core.validate import Finding

EventCallback = Callable[[Event], None]
TERRAFORM_LOG = "terraform"


class PreflightBlocked(ClusterwizError):
    """Pre-flight checks found errors; the cluster would fail to create."""

    def __init__(self, name: str, findings: Sequence[Finding]):
        self.findings = list(findings)
        lines = "\n".join(f"  - {f.field}: {f.message} Fix: {f.fix}" for f in findings if f.level == "error")
        super().__init__(f"cluster {name!r} would fail to create:\n{lines}\n"
                         "Fix these in cluster.yaml (then `clusterwiz render --config cluster.yaml`), or pass "
                         "--force to try anyway.")


@dataclass
class Workspace:
    """Everything a lifecycle operation needs, built once per command from the settings."""

    settings: Settings
    registry: Registry
    session: AwsSession
    catalog: Catalog
    emulator: Emulator | None = None  # the sandbox's, when settings.sandbox

    @classmethod
    def open(cls, settings: Settings) -> Workspace:
        from clusterwiz.core.aws.catalog import Catalog
        from clusterwiz.core.sandbox import area_registry, ensure_emulator, session_for

        emulator = ensure_emulator(settings.home) if settings.sandbox else None
        session = session_for(settings, emulator)
        return cls(settings=settings, registry=area_registry(settings), session=session,
                   catalog=Catalog(session, cache_dir=settings.home / "cache"), emulator=emulator)

    def terraform_environment(self) -> dict[str, str]:
        """The caller's environment, plus the profile and endpoint chosen by option, for Terraform's provider, and
        where init installs that provider from."""
        if self.emulator is not None:
            from clusterwiz.core.sandbox import terraform_environment

            env = terraform_environment(os.environ, self.emulator, self.settings.region)
        else:
            env = dict(os.environ)
            if self.settings.profile:
                env["AWS_PROFILE"] = self.settings.profile
            if self.settings.endpoint_url:
                env["AWS_ENDPOINT_URL"] = self.settings.endpoint_url
        return self.provider_installation().terraform_environment(env)

    def provider_installation(self) -> ProviderInstallation:
        from clusterwiz.core.provider import provider_installation

        return provider_installation(self.settings)

    def runner(self, record: ClusterRecord, lock: ClusterLock | None = None) -> TerraformRunner:
        """The cluster's Terraform; given the cluster's `lock`, every Terraform it starts holds that lock too."""
        from clusterwiz.core.terraform import TerraformRunner

        return TerraformRunner(record.workdir, record.log_file(TERRAFORM_LOG), env=self.terraform_environment(),
                               lock=lock, fresh_log=lock is not None)


def render_cluster(workspace: Workspace, spec: ClusterSpec) -> tuple[ClusterRecord, RenderedCluster]:
    """Register (or update) the cluster and write its Terraform working directory. The AWS lookups come first and
    the files are written under the cluster's lock, the spec last: a render that fails, or finds the cluster busy,
    leaves the registry as it was."""
    from clusterwiz.core.expiry import now_utc, refuse_if_expired
    from clusterwiz.core.render import keep_fleet_stopped, render_workdir
    from clusterwiz.core.resolve import resolve
    from clusterwiz.core.teardown import saved_fleet_sizes

    refuse_if_expired(spec.name, spec.expires_at, now_utc(), "built or changed", sandbox=workspace.emulator is not None)
    registry = workspace.registry
    resolved = resolve(spec, workspace.catalog)
    with registry.saving(spec) as record:
        rendered = render_workdir(spec, resolved, record.workdir)
        # Also for a fleet stopped by an older clusterwiz, which did not keep it stopped across applies.
        keep_fleet_stopped(record.workdir, bool(saved_fleet_sizes(record)))
    if record.metadata.status in ("new", "destroyed"):
        return registry.set_status(spec.name, "rendered"), rendered
    return registry.get(spec.name), rendered


def render_registered(workspace: Workspace, name: str) -> ClusterRecord:
    """Write the registered cluster's Terraform from its cluster.yaml, as every plan does first: the wizard saves
    only the spec, and a spec edited since the last plan must be what is planned."""
    record, _ = render_cluster(workspace, workspace.registry.get(name).spec)
    return record


def preflight_scope(registry: Registry, name: str) -> tuple[list[str], bool]:
    """What a pre-flight check of cluster `name` compares with: the other clusters' names, and whether it updates a
    cluster whose resources exist (its Terraform state holds some), so that what is tagged with it is its own."""
    others = [other for other in registry.names() if other != name]
    return others, registry.exists(name) and registry.get(name).managed_resources() > 0


def preflight(workspace: Workspace, spec: ClusterSpec) -> list[Finding]:
    from clusterwiz.core.validate import validate

    others, updating = preflight_scope(workspace.registry, spec.name)
    return validate(spec, workspace.catalog, registry_names=others, updating=updating)


def check_preflight(workspace: Workspace, spec: ClusterSpec, force: bool) -> list[Finding]:
    from clusterwiz.core.validate import has_blocking

    findings = preflight(workspace, spec)
    if has_blocking(findings) and not force:
        raise PreflightBlocked(spec.name, findings)
    return findings


@contextmanager
def terraform_session(workspace: Workspace, name: str) -> Iterator[tuple[ClusterRecord, TerraformRunner]]:
    """The cluster locked against other clusterwiz processes, with an initialised runner."""
    record = workspace.registry.get(name)
    if not (record.workdir / "main.tf").is_file():
        raise ClusterwizError(f"cluster {name!r} has no Terraform yet; run `clusterwiz render --config "
                              f"{record.spec_path}` first")
    with workspace.registry.lock(name) as lock:
        runner = workspace.runner(record, lock)
        runner.remove_stale_plans()
        if not runner.initialised():
            problem = workspace.provider_installation().problem
            if problem:
                raise ClusterwizError(f"cluster {name!r} cannot be initialised: {problem}")
            runner.init()
        yield record, runner


def apply_plan(workspace: Workspace, record: ClusterRecord, runner: TerraformRunner, plan: PlanResult,
               on_event: EventCallback | None = None) -> ApplyResult:
    """Apply exactly the planned changes; the registry records how it ended."""
    from clusterwiz.core.terraform import TerraformInterrupted

    done = "destroyed" if plan.destroy else "applied"
    try:
        result = runner.apply(plan, on_event=on_event)
    except TerraformInterrupted as interrupted:
        if interrupted.completed:  # Terraform finished the plan all the same
            workspace.registry.set_status(record.name, done)
        else:
            what = "destroy" if plan.destroy else "apply"
            workspace.registry.set_status(record.name, "cancelled", error=f"{what} cancelled midway")
        raise
    except ClusterwizError as error:
        workspace.registry.set_status(record.name, "failed", error=str(error).splitlines()[0])
        raise
    workspace.registry.set_status(record.name, done)
    return result


def read_plan(workspace: Workspace, plan: PlanResult) -> dict[str, Any]:
    """`terraform show -json` of a saved plan: every planned change, its attributes before and after."""
    import json

    from clusterwiz.core.errors import TerraformError
    from clusterwiz.core.terraform import TerraformRunner

    # Each show logs the whole plan again: the log keeps the last two.
    runner = TerraformRunner(plan.plan_file.parent, plan.plan_file.parent.parent / "logs" / "show.log",
                             env=workspace.terraform_environment(), fresh_log=True)
    code, out, _ = runner.run_captured([runner.binary, "show", "-json", plan.plan_file.name])
    if code != 0:
        raise TerraformError(f"terraform show could not read the plan {plan.plan_file}; what it said is in "
                             f"{runner.log_file}. Plan again.")
    return json.loads(out)


def cluster_outputs(workspace: Workspace, name: str) -> dict[str, Any]:
    record = workspace.registry.get(name)
    if record.managed_resources() == 0:
        raise ClusterwizError(f"cluster {name!r} has not been applied, so it has no outputs yet; run "
                              f"`clusterwiz apply {name}`")
    return workspace.runner(record).output()


@dataclass(frozen=True)
class DestroyResult:
    """What a destroy kept (snapshots) and what it could not remove (leftovers, which may still bill)."""

    snapshots: list[VolumeSnapshot]
    leftovers: list[Leftover]


def destroy_planned(workspace: Workspace, record: ClusterRecord, runner: TerraformRunner, plan: PlanResult,
                    on_event: EventCallback | None = None, snapshot: bool = False,
                    on_snapshot: Callable[[VolumeSnapshot], None] | None = None) -> list[VolumeSnapshot]:
    """Apply a destroy plan; with `snapshot`, the volumes clusterwiz created are snapshotted first."""
    from clusterwiz.core.teardown import snapshot_before_destroy

    snapshots = []
    if snapshot:
        try:
            snapshots = snapshot_before_destroy(workspace.session, workspace.catalog, record.spec,
                                                on_snapshot=on_snapshot)
        except BaseException:
            plan.plan_file.unlink(missing_ok=True)
            raise
    apply_plan(workspace, record, runner, plan, on_event=on_event)
    return snapshots


def find_cluster_leftovers(workspace: Workspace, spec: ClusterSpec, forget: bool) -> list[Leftover]:
    """What is still tagged with the cluster after its destroy; with `forget`, a cluster with nothing left leaves
    the registry.

    The key pair clusterwiz made for it (core.keypair) is no leftover while the cluster stays registered: applying
    it again needs it. Forgetting the cluster deletes its private key, so the key pair goes first; a key pair AWS
    refuses to delete stays listed, and the cluster with it."""
    from clusterwiz.core.teardown import find_leftovers, remove_leftovers

    remaining = find_leftovers(workspace.session, spec.region, spec.name)
    key_pairs = [leftover for leftover in remaining if leftover.kind == "key-pair"]
    others = [leftover for leftover in remaining if leftover.kind != "key-pair"]
    if not forget:
        return others
    if others:
        return remaining
    refused = [removal.leftover for removal in remove_leftovers(workspace.session, spec.region, spec.name, key_pairs)
               if not removal.removed]
    if not refused:
        workspace.registry.remove(spec.name)
    return refused


def destroy_cluster(workspace: Workspace, name: str, on_event: EventCallback | None = None, snapshot: bool = False,
                    forget: bool = True) -> DestroyResult:
    """Destroy without asking (the caller has confirmed): plan -destroy, snapshots if asked, apply, leftovers."""
    with terraform_session(workspace, name) as (record, runner):
        plan = runner.plan(on_event=on_event, destroy=True)
        snapshots = []
        if plan.has_changes:
            snapshots = destroy_planned(workspace, record, runner, plan, on_event=on_event, snapshot=snapshot)
        else:
            plan.plan_file.unlink(missing_ok=True)
    return DestroyResult(snapshots=snapshots, leftovers=find_cluster_leftovers(workspace, record.spec, forget))
