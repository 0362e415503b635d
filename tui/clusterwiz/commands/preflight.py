"""Pre-flight commands: `clusterwiz validate NAME|--config FILE` and `clusterwiz doctor`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clusterwiz.core.cost import CostEstimate
    from clusterwiz.core.doctor import DoctorCheck
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.validate import Finding

EXIT_BLOCKED = 1
LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def register(subparsers: argparse._SubParsersAction) -> None:
    validate = subparsers.add_parser("validate", help="check a cluster against live AWS before creating it")
    target = validate.add_mutually_exclusive_group(required=True)
    target.add_argument("name", nargs="?", help="a registered cluster's name")
    target.add_argument("--config", metavar="FILE", help="a cluster spec (cluster.yaml) not registered yet")
    validate.set_defaults(handler=run_validate)

    doctor = subparsers.add_parser("doctor", help="check Terraform, its AWS provider, AWS credentials, region and "
                                                     "permissions")
    doctor.set_defaults(handler=run_doctor)


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from clusterwiz.core.cost import estimate
    from clusterwiz.core.lifecycle import Workspace, preflight
    from clusterwiz.core.spec import ClusterSpec
    from clusterwiz.core.validate import has_blocking, validate

    workspace = Workspace.open(settings)
    registry = workspace.registry
    if args.config:
        spec = ClusterSpec.load(args.config)
        # The file of a registered cluster is that cluster's; any other file may not reuse its name.
        own = registry.exists(spec.name) and \
            registry.get(spec.name).spec_path.resolve() == Path(args.config).resolve()
    else:
        spec = registry.get(args.name).spec
        own = True
    # A registered cluster's own resources (once applied: its tagged resources, its attached volumes) are not
    # another's: checked as plan and apply check it.
    findings = preflight(workspace, spec) if own else validate(spec, workspace.catalog,
                                                               registry_names=registry.names())
    cost = estimate(spec, workspace.catalog) if not has_blocking(findings) else None
    workspace.catalog.close()
    if settings.json:
        _print_json({"name": spec.name, "blocking": has_blocking(findings),
                     "findings": [_as_dict(f) for f in findings], "cost": _as_dict(cost) if cost else None})
    else:
        _print_findings(spec.name, findings, cost)
    return EXIT_BLOCKED if has_blocking(findings) else 0


def run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.doctor import DoctorCheck, blocks_create, machine_checks
    from clusterwiz.core.doctor import run_doctor as diagnose
    from clusterwiz.core.errors import ClusterwizError
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.provider import provider_installation

    installation = provider_installation(settings)
    try:
        workspace = Workspace.open(settings)
    except ClusterwizError as error:
        what, _, fix = str(error).partition("; ")
        checks = [*machine_checks(installation), DoctorCheck("credentials", False, what, fix)]
    else:
        checks = diagnose(workspace.catalog, installation)
        workspace.catalog.close()
    if settings.json:
        _print_json({"ready": not blocks_create(checks), "checks": [_as_dict(c) for c in checks]})
    else:
        _print_checks(checks)
    return EXIT_BLOCKED if blocks_create(checks) else 0


def _as_dict(record: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(record)


def _print_json(data: Any) -> None:
    import json

    print(json.dumps(data, indent=2, sort_keys=True))


def _print_findings(name: str, findings: list[Finding], cost: CostEstimate | None) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    if not findings:
        console.print(f"[green]✓[/] {name}: no problems found")
    for finding in findings:
        console.print(f"[{LEVEL_STYLE[finding.level]}]{finding.level:<7}[/] {finding.code:<20} "
                      f"[bold]{escape(finding.field)}[/]: {escape(finding.message)}")
        console.print(f"{'':<29}fix: {escape(finding.fix)}")
    errors = sum(f.level == "error" for f in findings)
    if errors:
        console.print(f"\n{errors} error(s): `clusterwiz plan`/`apply` will refuse until they are fixed "
                      "(or --force).")
    if cost:
        label = f"estimate, prices of {cost.as_of}" if cost.is_estimate else f"AWS prices of {cost.as_of}"
        console.print(f"\nCost ({label}, public IPv4 and volumes included): ${cost.per_hour_now:.2f}/hour at create, "
                      f"${cost.per_hour_at_max:.2f}/hour at full size, ${cost.per_hour_stopped:.2f}/hour stopped, "
                      f"${cost.storage_per_month:.2f}/month storage")
        for note in (*cost.notes, *(f"no price known for {item}" for item in cost.unpriced)):
            console.print(f"  - {escape(note)}")


def _print_checks(checks: list[DoctorCheck]) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    for check in checks:
        mark = "[green]ok     [/]" if check.ok else ("[bold red]problem[/]" if check.blocking else
                                                       "[yellow]warning[/]")
        console.print(f"{mark} {check.name:<12} {escape(check.detail)}")
        if check.fix:
            console.print(f"{'':<21}fix: {escape(check.fix)}")
