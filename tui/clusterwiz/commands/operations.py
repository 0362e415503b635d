"""Headless operations on a running cluster: status, ssh, stop, start (the dashboard's actions)."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING

# The lifecycle commands' console, workspace, JSON and confirmation helpers (a light module, loaded anyway).
from clusterwiz.commands import common
from clusterwiz.core.suggest import cli

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.status import ClusterStatus
    from clusterwiz.core.teardown import Leftover, Savings

UNBOUNDED_WIDTH = 10_000  # a table measured at this width takes the width its cells need whole
RECORD_INDENT = "    "


def register(subparsers: argparse._SubParsersAction) -> None:
    status = subparsers.add_parser("status", help="show a cluster's nodes, queues, volumes and cost, live from AWS")
    status.add_argument("name", help="cluster name")
    status.set_defaults(handler=run_status)

    ssh = subparsers.add_parser(
        "ssh", help="log in to the head node, or run a command there",
        usage="clusterwiz ssh [--host HOST] [--port PORT] [--user USER] [--save] NAME [-- COMMAND ...]",
        description="Opens a shell on the cluster's head node, or runs COMMAND there (e.g. `clusterwiz ssh demo "
                    "-- sinfo`). Options go before NAME; everything after NAME is the command.")
    ssh.add_argument("--host", help="reach the head node at this address instead of its public one "
                     "(a port-forward, a VPN address)")
    ssh.add_argument("--port", type=int, help="SSH port (default 22)")
    ssh.add_argument("--user", help="login user (default: the OS's, e.g. admin, ubuntu or rocky)")
    ssh.add_argument("--save", action="store_true", help="remember --host/--port/--user for this cluster "
                     "(give none of them to forget)")
    ssh.add_argument("name", help="cluster name")
    ssh.add_argument("remote", nargs=argparse.REMAINDER, metavar="COMMAND", help="command to run on the head node")
    ssh.set_defaults(handler=run_ssh)

    stop = subparsers.add_parser("stop", help="stop paying for the compute nodes (or, with --all, the head too)")
    stop.add_argument("name", help="cluster name")
    stop.add_argument("--all", action="store_true", help="stop the head node too; only the volumes still bill")
    stop.add_argument("--wait", action="store_true", help="wait until the head node has stopped")
    stop.set_defaults(handler=run_stop)

    start = subparsers.add_parser("start", help="start what `clusterwiz stop` stopped")
    start.add_argument("name", help="cluster name")
    start.set_defaults(handler=run_start)

    leftovers = subparsers.add_parser("leftovers", help="list (or remove) what is still tagged with a cluster in AWS")
    leftovers.add_argument("name", help="cluster name")
    leftovers.add_argument("--remove", action="store_true", help="remove every leftover, in dependency order")
    leftovers.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    leftovers.set_defaults(handler=run_leftovers)


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:.4f}"


def _live_status(workspace: Workspace, name: str) -> ClusterStatus:
    from clusterwiz.core.billing import look_up

    return look_up(workspace.session, workspace.catalog, workspace.registry.get(name),
                   sandbox=workspace.settings.sandbox)


def _savings_json(savings: Savings) -> dict[str, float]:
    return {"stop_fleet": savings.stop_fleet, "stop_all": savings.stop_all, "destroy": savings.destroy,
            "left_when_stopped": savings.left_when_stopped}


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.budget import describe_spend
    from clusterwiz.core.expiry import now_utc, self_stop_summary
    from clusterwiz.core.teardown import saved_fleet_sizes, savings

    workspace = common.workspace(settings)
    record = workspace.registry.get(args.name)
    status = _live_status(workspace, args.name)
    fleet_stopped = bool(saved_fleet_sizes(record))
    saved = savings(status)
    if settings.json:
        expires_at = record.spec.expires_at
        common.print_json({**status.to_json(), "fleet_stopped": fleet_stopped, "savings": _savings_json(saved),
                           "expires_at": None if expires_at is None else expires_at.isoformat()})
        return 0
    _print_status(status, fleet_stopped, saved, settings.sandbox)
    common.console().print(f"Stops: {self_stop_summary(record.spec, now_utc())}", highlight=False)
    spent = describe_spend(status.spend_usd, status.budget_usd)
    if spent:
        common.console().print(spent, highlight=False)
    return 0


def _print_status(status: ClusterStatus, fleet_stopped: bool, saved: Savings, sandbox: bool) -> None:
    from rich.markup import escape

    console = common.console()
    console.print(f"[bold]{status.name}[/] in {status.region}, checked {status.checked_at:%Y-%m-%d %H:%M:%S} UTC")
    if status.instances:
        _print_records("Instances", ("instance", "role", "queue", "type", "state", "$/h", "zone", "capacity",
                                     "launched", "bootstrap", "public ip"), [
            (i.instance_id, i.role, i.queue or "", i.instance_type, i.state,
             "?" if i.usd_per_hour is None else _usd(i.per_hour), i.availability_zone, i.lifecycle,
             f"{i.launch_time:%Y-%m-%d %H:%M}", i.bootstrap or "", i.public_ip or "") for i in status.instances],
            leading=6)
    else:
        console.print("No instances are running or stopped.")
    _print_records("Queues", ("queue", "group", "min", "desired", "max", "in service"), [
        (g.queue, g.name, str(g.min_size), str(g.desired), str(g.max_size), str(g.in_service)) if g.exists
        else (g.queue, g.name, "-", "-", "-", "missing") for g in status.groups], leading=2)
    if status.volumes:
        _print_records("Volumes", ("volume", "name", "size", "type", "state", "$/month", "attached to"), [
            (v.volume_id, (v.name or "") + (" (yours)" if v.existing else ""), f"{v.size_gib} GiB", v.volume_type,
             v.state, "?" if v.usd_per_month is None else _usd(v.usd_per_month), v.attached_to or "no")
            for v in status.volumes], leading=6)
    else:
        console.print("No volumes.")
    cost = status.cost
    console.print(f"Cost: [bold]{cost.describe()}[/]")
    for note in cost.notes:
        console.print(f"  [dim]{note}[/]")
    for problem in status.notes:
        console.print(f"[yellow]{escape(problem)}[/]", highlight=False)
    if cost.unpriced:
        console.print(f"  [yellow]no price known for {', '.join(cost.unpriced)}: left out of the totals[/]")
    if fleet_stopped:
        console.print(f"The compute fleet is stopped; `{cli('start', status.name, sandbox=sandbox)}` brings it back.")
    console.print(f"Stop the fleet: saves {_usd(saved.stop_fleet)}/h (`{cli('stop', status.name, sandbox=sandbox)}`); "
                  f"stop all: {_usd(saved.stop_all)}/h (`--all`, the volumes still bill "
                  f"{_usd(saved.left_when_stopped)}/h); destroy: {_usd(saved.destroy)}/h "
                  f"(`{cli('destroy', status.name, sandbox=sandbox)}`)")


def _print_records(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], leading: int) -> None:
    """A table when every cell fits the terminal whole; in a narrower one (80 columns), each row as two lines, its
    first `leading` cells and then the others by name, so that no id is cut nor any cell broken over lines."""
    from rich.table import Table

    console = common.console()
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*row)
    if console.measure(table, options=console.options.update_width(UNBOUNDED_WIDTH)).maximum <= console.width:
        console.print(table)
        return
    console.print(f"[b]{title}[/]")
    for row in rows:
        console.print("  ".join(cell for cell in row[:leading] if cell), markup=False)
        named = [f"{name} {cell}" for name, cell in zip(columns[leading:], row[leading:], strict=True) if cell]
        lines = [RECORD_INDENT]
        for text in named:  # a line breaks between cells, never inside one
            if lines[-1] != RECORD_INDENT and len(lines[-1]) + len(text) + 2 > console.width:
                lines[-1] += ","
                lines.append(RECORD_INDENT)
            lines[-1] += (", " if lines[-1] != RECORD_INDENT else "") + text
        for line in lines:
            console.print(line, markup=False)


def run_ssh(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.ssh import (
        SANDBOX_NOTICE,
        SshOverride,
        cluster_ssh_target,
        open_session,
        run_command,
        save_ssh_override,
    )

    workspace = common.workspace(settings)
    override = SshOverride(host=args.host, port=args.port, user=args.user)
    if args.save:
        save_ssh_override(workspace.registry.get(args.name), override)
    remote = args.remote[1:] if args.remote[:1] == ["--"] else args.remote
    target = cluster_ssh_target(workspace, args.name, override)
    if target.emulated:
        command = shlex.join(target.command(remote))
        if settings.json:
            common.print_json({"emulated": True, "command": command})
        else:
            common.console().print(f"{SANDBOX_NOTICE}\n  {command}", markup=False)
        return 0
    if settings.json:
        if not remote:
            common.print_json({"command": target.command(), "shell_command": target.shell_command()})
            return 0
        result = run_command(target, " ".join(remote), timeout=None)
        common.print_json({"exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr})
        return result.exit_code
    code = open_session(target, remote)
    if code == 255:
        print("clusterwiz: ssh could not connect or log in (see its message above); the command was:\n"
              f"  {target.shell_command()}", file=sys.stderr)
    return code


def run_stop(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.teardown import savings, stop_all, stop_fleet

    workspace = common.workspace(settings)
    saved = savings(_live_status(workspace, args.name))
    result = stop_all(workspace, args.name, wait=args.wait) if args.all else stop_fleet(workspace, args.name)
    per_hour = saved.stop_all if args.all else saved.stop_fleet
    if settings.json:
        common.print_json({"name": args.name, "all": args.all, "saves_per_hour": per_hour,
                     "remembered_sizes": {q: vars(s) for q, s in result.groups.items()},
                     "stopped_head_instances": result.head_instance_ids})
        return 0
    what = "the compute fleet and the head node" if args.all else "the compute fleet (the head node keeps running)"
    common.console().print(f"Stopped {what} of [bold]{args.name}[/]: saves about {_usd(per_hour)}/hour. Volumes stay "
                     f"and bill for storage ({_usd(saved.left_when_stopped)}/hour). "
                     f"`{cli('start', args.name, sandbox=settings.sandbox)}` brings it back.")
    return 0


def run_start(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.teardown import start_cluster

    result = start_cluster(common.workspace(settings), args.name)
    if settings.json:
        common.print_json({"name": args.name, "restored_sizes": {q: vars(s) for q, s in result.groups.items()},
                     "started_head_instances": result.head_instance_ids})
        return 0
    console = common.console()
    if not result.groups and not result.head_instance_ids:
        console.print(f"Nothing of {args.name} was stopped.")
        return 0
    if result.head_instance_ids:
        console.print(f"Started the head node ({', '.join(result.head_instance_ids)}); its public address has "
                      f"changed: see `{cli('status', args.name, sandbox=settings.sandbox)}`.")
    for queue, size in result.groups.items():
        console.print(f"Queue {queue}: back to min {size.min_size}, desired {size.desired}, max {size.max_size}.")
    return 0


def run_leftovers(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.teardown import cluster_leftovers, remove_cluster_leftovers

    workspace = common.workspace(settings)
    record = workspace.registry.get(args.name)
    spec = record.spec
    if not args.remove:
        found = cluster_leftovers(workspace, args.name)
        if settings.json:
            common.print_json([{"arn": f.arn, "kind": f.kind, "id": f.resource_id, "action": f.action} for f in found])
        elif found:
            for leftover in found:
                print(f"{leftover.kind:18} {leftover.resource_id:28} {leftover.action}")
            print(f"Remove them all with `{cli('leftovers', args.name, '--remove', sandbox=settings.sandbox)}`.")
        else:
            besides = " besides what its Terraform state holds" if record.managed_resources() else ""
            print(f"Nothing tagged with cluster {args.name} is left in {spec.region}{besides}.")
        return 0

    def confirm(found: list[Leftover]) -> None:
        # The same question and --yes rule as apply and destroy.
        common.confirm(f"Remove {len(found)} resource(s) tagged with {args.name}?", args.yes or settings.json)

    results = remove_cluster_leftovers(workspace, args.name, confirm,
                                       on_removal=None if settings.json else common.print_removal)
    failed = [r for r in results if not r.removed]
    if settings.json:
        common.print_json([{"arn": r.leftover.arn, "removed": r.removed, "error": r.error} for r in results])
    elif not failed:
        destroy = cli("destroy", args.name, sandbox=settings.sandbox)
        print(f"Nothing tagged with cluster {args.name} is left; `{destroy}` forgets it.")
    return 1 if failed else 0
