"""Headless lifecycle: render, plan, apply, output, destroy, list, locate."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from clusterwiz.commands import common
from clusterwiz.core.suggest import cli

if TYPE_CHECKING:
    from clusterwiz.core.disruption import Disruption
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.terraform import PlanResult


EXPIRES_HELP = ("when the head node stops the whole cluster by itself: 8h, 2d, a time such as 2026-12-04T18:00Z, or "
                "never (the spec's expires_at)")
BUDGET_HELP = "the most the cluster may cost before it stops itself, in US dollars, e.g. 50, or none (budget_usd)"


def register(subparsers: argparse._SubParsersAction) -> None:
    render = subparsers.add_parser("render", help="register a cluster.yaml and write its Terraform")
    render.add_argument("--config", required=True, metavar="FILE", help="the cluster spec (cluster.yaml)")
    render.add_argument("--expires", metavar="WHEN", help=EXPIRES_HELP)
    render.add_argument("--budget", metavar="USD", help=BUDGET_HELP)
    render.set_defaults(handler=run_render)

    plan = subparsers.add_parser("plan", help="show what apply would create or change")
    plan.add_argument("name", help="cluster name")
    plan.add_argument("--force", action="store_true", help="plan even when pre-flight checks find errors")
    plan.set_defaults(handler=run_plan)

    apply = subparsers.add_parser("apply", help="create or update the cluster in AWS")
    apply.add_argument("name", help="cluster name")
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--force", action="store_true", help="apply even when pre-flight checks find errors")
    apply.add_argument("--expires", metavar="WHEN", help=EXPIRES_HELP)
    apply.add_argument("--budget", metavar="USD", help=BUDGET_HELP)
    apply.add_argument("--allow-disruptive", action="store_true",
                       help="apply even a change that stops or replaces the head node or deletes a shared volume "
                            "(running jobs are lost); without it such a change is refused, or asked about")
    apply.set_defaults(handler=run_apply)

    output = subparsers.add_parser("output", help="show the cluster's outputs (head node address, ...)")
    output.add_argument("name", help="cluster name")
    output.set_defaults(handler=run_output)

    destroy = subparsers.add_parser("destroy", help="remove everything the cluster created from AWS")
    destroy.add_argument("name", help="cluster name")
    destroy.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    destroy.add_argument("--snapshot", action="store_true",
                         help="snapshot the volumes clusterwiz created first (existing volumes are never destroyed)")
    destroy.set_defaults(handler=run_destroy)

    listing = subparsers.add_parser("list", help="list the clusters clusterwiz knows")
    # It shows what bills, live: the start-up note's figures from the last look would only repeat it.
    listing.set_defaults(handler=run_list, billing_note=False)

    locate = subparsers.add_parser("locate", help="show where clusterwiz keeps its files")
    locate.set_defaults(handler=run_locate)








def run_render(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.lifecycle import render_cluster
    from clusterwiz.core.spec import ClusterSpec

    spec = ClusterSpec.load(args.config)
    if args.expires is not None:
        from clusterwiz.core.expiry import now_utc, parse_expires, spec_with_expiry

        spec = spec_with_expiry(spec, parse_expires(args.expires, now_utc()))
    if args.budget is not None:
        from clusterwiz.core.budget import parse_budget, spec_with_budget

        spec = spec_with_budget(spec, parse_budget(args.budget))
    record, rendered = render_cluster(common.workspace(settings), spec)
    if settings.json:
        common.print_json({"name": record.name, "workdir": str(record.workdir), "files": sorted(rendered.files)})
    else:
        common.console().print(f"Rendered cluster [bold]{record.name}[/] into {record.workdir}\n"
                         f"Next: [bold]{cli('plan', record.name, sandbox=settings.sandbox)}[/]")
    return 0


def _events_display(settings: Settings, title: str, plan: PlanResult | None = None):
    from clusterwiz.progress import JsonEvents, TerminalProgress

    total = plan.summary.total if plan and plan.summary else None
    return JsonEvents() if settings.json else TerminalProgress(common.console(), title, total)


def _report_findings(findings, settings: Settings) -> None:
    if settings.json or not findings:
        return
    console = common.console()
    for finding in findings:
        style = {"error": "red", "warning": "yellow"}.get(finding.level, "dim")
        console.print(f"[{style}]{finding.level}[/] {finding.field}: {finding.message} Fix: {finding.fix}",
                      markup=True, highlight=False)


def _plan(workspace: Workspace, name: str, force: bool, destroy: bool, settings: Settings, runner) -> PlanResult:
    from clusterwiz.core.lifecycle import check_preflight

    if not destroy:
        _report_findings(check_preflight(workspace, workspace.registry.get(name).spec, force), settings)
    with _events_display(settings, "destroy plan" if destroy else "plan") as display:
        return runner.plan(on_event=display, destroy=destroy)


def _summary_line(plan: PlanResult) -> str:
    from clusterwiz.progress import describe_summary

    return describe_summary(plan.summary) if plan.summary else "no changes"


def run_plan(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.lifecycle import render_registered, terraform_session

    workspace = common.workspace(settings)
    render_registered(workspace, args.name)
    with terraform_session(workspace, args.name) as (_record, runner):
        plan = _plan(workspace, args.name, args.force, False, settings, runner)
        try:
            disruptions = _disruptions(workspace, plan)
        finally:
            plan.plan_file.unlink(missing_ok=True)
    if not settings.json:
        apply = cli("apply", args.name, sandbox=settings.sandbox)
        if disruptions:
            from rich.markup import escape

            from clusterwiz.core.disruption import ALLOW_FLAG, describe_disruptions

            common.console().print(f"[bold red]{escape(describe_disruptions(disruptions))}[/]\n"
                                   f"{apply} asks you to confirm it ({ALLOW_FLAG} in scripts).")
        common.console().print(f"Plan: {_summary_line(plan)}. Run [bold]{apply}[/] to make it so.")
    return 0


def _disruptions(workspace: Workspace, plan: PlanResult) -> list[Disruption]:
    """What applying the plan stops, replaces or deletes of the running cluster (core.disruption)."""
    from clusterwiz.core.disruption import plan_disruptions
    from clusterwiz.core.lifecycle import read_plan

    return plan_disruptions(read_plan(workspace, plan)) if plan.has_changes else []


def _confirm_apply(args: argparse.Namespace, settings: Settings, plan: PlanResult,
                   disruptions: list[Disruption]) -> None:
    """Ask before applying; a disruptive plan says what it disrupts and is confirmed by typing the cluster's name
    (core.disruption.must_confirm), or refused in a script (--yes, --json, no terminal) without --allow-disruptive."""
    from clusterwiz.core.disruption import describe_disruptions, must_confirm

    question = f"Apply {_summary_line(plan)} to cluster {args.name}?"
    can_ask = not (args.yes or settings.json) and sys.stdin.isatty()
    if must_confirm(args.name, disruptions, allowed=args.allow_disruptive, can_ask=can_ask,
                    sandbox=settings.sandbox):
        common.confirm_by_typing(f"{describe_disruptions(disruptions)}\n{question}", args.name, assume_yes=False)
        return
    if disruptions:
        print(describe_disruptions(disruptions), file=sys.stderr)
    common.confirm(question, args.yes or settings.json)




def run_apply(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.lifecycle import apply_plan, render_registered, terraform_session

    workspace = common.workspace(settings)
    if args.expires is not None:
        from clusterwiz.core.expiry import extend_cluster, now_utc, parse_expires

        extend_cluster(workspace, args.name, parse_expires(args.expires, now_utc()))
    if args.budget is not None:
        from clusterwiz.core.budget import parse_budget, set_budget

        set_budget(workspace, args.name, parse_budget(args.budget))
    if args.expires is None and args.budget is None:  # each of those rendered the spec it changed
        render_registered(workspace, args.name)
    with terraform_session(workspace, args.name) as (record, runner):
        plan = _plan(workspace, args.name, args.force, False, settings, runner)
        if not plan.has_changes:
            plan.plan_file.unlink(missing_ok=True)
            if not settings.json:
                common.console().print(f"Cluster {args.name} is up to date; nothing to apply.")
            return 0
        try:
            disruptions = _disruptions(workspace, plan)
            _confirm_apply(args, settings, plan, disruptions)
        except BaseException:
            plan.plan_file.unlink(missing_ok=True)
            raise
        with _events_display(settings, "apply", plan) as display:
            result = apply_plan(workspace, record, runner, plan, on_event=display)
    if not settings.json:
        _print_outputs(result.outputs)
        from clusterwiz.core.disruption import start_again_hint

        if hint := start_again_hint(args.name, disruptions, sandbox=settings.sandbox):
            common.console().print(hint, markup=False)
        from clusterwiz.core.teardown import saved_fleet_sizes

        if saved_fleet_sizes(record):
            common.console().print(f"The compute fleet of {args.name} stays stopped (no node was started); "
                                   f"[bold]{cli('start', args.name, sandbox=settings.sandbox)}[/] starts it.")
    return 0


def _print_outputs(outputs: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="Cluster outputs", show_header=False, box=None)
    for name, value in sorted(outputs.items()):
        shown = json.dumps(value) if isinstance(value, dict | list) else str(value)
        table.add_row(name, shown)
    common.console().print(table)


def run_output(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.lifecycle import cluster_outputs

    outputs = cluster_outputs(common.workspace(settings), args.name)
    if settings.json:
        common.print_json(outputs)
    else:
        _print_outputs(outputs)
    return 0


def run_destroy(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.errors import ClusterwizError
    from clusterwiz.core.lifecycle import destroy_planned, find_cluster_leftovers, terraform_session

    workspace = common.workspace(settings)
    if workspace.emulator is not None and _forget_if_gone(workspace, args.name, settings):
        return 0
    snapshots = []
    with terraform_session(workspace, args.name) as (record, runner):
        plan = _plan(workspace, args.name, True, True, settings, runner)
        if plan.has_changes:
            try:
                common.confirm(f"Destroy cluster {args.name} ({_summary_line(plan)})?", args.yes or settings.json)
            except BaseException:
                plan.plan_file.unlink(missing_ok=True)
                raise
            on_snapshot = None if settings.json else (
                lambda kept: common.console().print(f"Kept snapshot {kept.snapshot_id} of {kept.mount_dir}"))
            with _events_display(settings, "destroy", plan) as display:
                snapshots = destroy_planned(workspace, record, runner, plan, on_event=display,
                                            snapshot=args.snapshot, on_snapshot=on_snapshot)
        else:
            plan.plan_file.unlink(missing_ok=True)
    remaining = find_cluster_leftovers(workspace, record.spec, forget=True)
    if remaining:
        listing = "\n".join(f"  - {leftover.kind} {leftover.resource_id}: {leftover.action}" for leftover in remaining)
        raise ClusterwizError(f"cluster {args.name} was destroyed, but these resources tagged with it remain "
                              f"(and may still bill):\n{listing}\nRemove them with "
                              f"`{cli('leftovers', args.name, '--remove', sandbox=settings.sandbox)}`, then run "
                              f"`{cli('destroy', args.name, sandbox=settings.sandbox)}` again to forget it.")
    if settings.json:
        # One line, after the event lines: the output stays one JSON object per line.
        print(json.dumps({"type": "DestroyResult", "name": args.name, "destroyed": True, "leftovers": [],
                          "snapshots": [kept.snapshot_id for kept in snapshots]}))
    else:
        common.console().print(f"Cluster {args.name} is gone: nothing tagged with it is left in AWS.")
    return 0


def _forget_if_gone(workspace: Workspace, name: str, settings: Settings) -> bool:
    """A sandbox cluster whose emulator has stopped has nothing left to destroy: forget it instead."""
    from clusterwiz.core.sandbox import forget_gone_clusters, is_gone

    if not is_gone(workspace.registry.get(name), workspace.emulator):
        return False
    forget_gone_clusters(settings.home, [name])
    if settings.json:
        print(json.dumps({"type": "DestroyResult", "name": name, "destroyed": True, "leftovers": [], "snapshots": [],
                          "gone": True}))
    else:
        common.console().print(f"Sandbox cluster {name} lived in a sandbox that has since stopped: its resources "
                               "are gone with it, so clusterwiz forgot it.")
    return True


GONE_WITH_THE_SANDBOX = "gone (sandbox stopped)"


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from rich.table import Table

    from clusterwiz.core.registry import Registry
    from clusterwiz.core.sandbox import other_area_note
    from clusterwiz.core.status import listed, per_hour_cell, state_label

    registry = Registry(settings.home, area="sandbox" if settings.sandbox else "aws")
    gone = _gone_sandbox_clusters(settings)
    records = registry.records()
    looks = _live_looks(settings, [record for record in records if record.name not in gone])
    shown = {record.name: listed(record, looks[record.name], sandbox=settings.sandbox)
             for record in records if looks.get(record.name) is not None}
    rows = [
        {"name": record.name, "region": record.spec.region,
         "status": GONE_WITH_THE_SANDBOX if record.name in gone else record.metadata.status,
         "state": GONE_WITH_THE_SANDBOX if record.name in gone else (
             shown[record.name].state if record.name in shown else state_label(record)),
         "per_hour": looks[record.name].cost.per_hour if looks.get(record.name) else None,
         "resources": record.managed_resources(), "updated": record.metadata.updated}
        for record in records
    ]
    note = other_area_note(settings)
    if settings.json:
        common.print_json(rows)
        return 0
    console = common.console()
    if not rows:
        console.print("No clusters yet" + (" in the sandbox" if settings.sandbox else "") + ". Create one with "
                      f"[bold]{cli(sandbox=settings.sandbox)}[/] (the wizard) or "
                      f"[bold]{cli('render', '--config', 'cluster.yaml', sandbox=settings.sandbox)}[/].")
    else:
        table = Table("name", "region", "status", "$/h now", "resources", "updated")
        for record, row in zip(records, rows, strict=True):
            cost = shown[record.name].per_hour if record.name in shown else (
                "?" if record.name in looks else per_hour_cell(None))
            table.add_row(row["name"], row["region"], row["state"], cost, str(row["resources"]), row["updated"])
        console.print(table)
        for name, found in shown.items():
            if found.stopped:
                console.print(f"{name}: {found.stopped}", markup=False)
    if note:
        console.print(note, markup=False)
    return 0


def _live_looks(settings: Settings, records: list) -> dict[str, Any]:
    """The live status (ClusterStatus) of each cluster that may bill; None for one that could not be looked up."""
    from clusterwiz.core.billing import look_up
    from clusterwiz.core.errors import ClusterwizError
    from clusterwiz.core.status import may_bill

    billing = [record for record in records if may_bill(record)]
    if not billing:
        return {}  # no AWS call (nor sandbox start) for a list of clusters none of which exists
    workspace = common.workspace(settings)
    looks = {}
    for record in billing:
        try:
            looks[record.name] = look_up(workspace.session, workspace.catalog, record, sandbox=settings.sandbox)
        except ClusterwizError:  # e.g. expired credentials: the list still shows every cluster
            looks[record.name] = None
    return looks


def _gone_sandbox_clusters(settings: Settings) -> set[str]:
    if not settings.sandbox:
        return set()
    from clusterwiz.core.sandbox import gone_clusters

    return set(gone_clusters(settings.home))


def run_locate(args: argparse.Namespace, settings: Settings) -> int:
    import shutil

    from clusterwiz.core.assets import terraform_modules_dir, wizard_templates_dir
    from clusterwiz.core.registry import Registry

    registry = Registry(settings.home, area="sandbox" if settings.sandbox else "aws")
    places = {
        "home": str(settings.home),
        "clusters": str(registry.root),
        "terraform_modules": str(terraform_modules_dir()),
        "wizard_templates": str(wizard_templates_dir()),
        "terraform": shutil.which("terraform") or "not found on PATH",
    }
    if settings.json:
        common.print_json(places)
    else:
        for key, value in places.items():
            print(f"{key:18} {value}")
    return 0
