"""`clusterwiz sandbox start|status|stop|reset|forget`: the local emulated AWS behind --sandbox."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from clusterwiz.core.sandbox import Emulator
    from clusterwiz.core.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="start, inspect, stop or reset the local sandbox AWS",
        description="The sandbox is a local AWS emulator (one per clusterwiz home) used by --sandbox; it starts "
                    "by itself when a --sandbox command needs it. Nothing in it is real or billed.")
    actions = parser.add_subparsers(dest="sandbox_action", metavar="ACTION", required=True)
    actions.add_parser("start", help="start the emulator now (commands start it when needed)").set_defaults(
        handler=run_start)
    actions.add_parser("status", help="show whether it runs, what it holds, and its clusters").set_defaults(
        handler=run_status)
    actions.add_parser("stop", help="stop it; everything in it is forgotten").set_defaults(handler=run_stop)
    reset = actions.add_parser("reset", help="start over: a fresh emulator; its old clusters are forgotten")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(handler=run_reset)
    forget = actions.add_parser("forget", help="remove clusters that lived in a stopped emulator")
    forget.add_argument("names", nargs="*", metavar="NAME", help="clusters to forget (default: every gone one)")
    forget.set_defaults(handler=run_forget)


def _print(settings: Settings, data: dict[str, Any], text: str) -> None:
    if settings.json:
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        from rich.console import Console

        Console(highlight=False, soft_wrap=True).print(text)


def _emulator_data(emulator: Emulator | None) -> dict[str, Any]:
    if emulator is None:
        return {"running": False}
    return {"running": True, "pid": emulator.pid, "endpoint_url": emulator.endpoint_url,
            "started": emulator.started_at, "seed": dict(emulator.seed)}


def _emulator_text(emulator: Emulator | None) -> str:
    if emulator is None:
        return "The sandbox is not running; any `clusterwiz --sandbox` command starts it."
    seed = emulator.seed
    volumes = ", ".join(f"{name} ({volume})" for name, volume in seed.get("volumes", {}).items())
    return "\n".join([
        f"The sandbox is running at {emulator.endpoint_url} (pid {emulator.pid}, since {emulator.started_at}).",
        f"  key pair:      {seed.get('key_pair')}",
        f"  default VPC:   {seed.get('default_vpc')}",
        f"  VPC research:  {seed.get('research_vpc')} (public subnet {seed.get('public_subnet')}, "
        f"private subnet {seed.get('private_subnet')})",
        f"  volumes:       {volumes}",
    ])


def _clusters(home: Path, emulator: Emulator | None) -> list[dict[str, Any]]:
    from clusterwiz.core.registry import Registry
    from clusterwiz.core.sandbox import is_gone

    return [{"name": record.name, "status": record.metadata.status, "gone": is_gone(record, emulator)}
            for record in Registry(home, area="sandbox").records()]


def _clusters_text(clusters: list[dict[str, Any]]) -> str:
    if not clusters:
        return "No sandbox clusters."
    lines = [f"  {c['name']:24} {'gone (its sandbox was stopped)' if c['gone'] else c['status']}" for c in clusters]
    text = "Sandbox clusters:\n" + "\n".join(lines)
    if any(c["gone"] for c in clusters):
        text += "\nRemove the gone ones with [bold]clusterwiz sandbox forget[/]."
    return text


def run_start(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.sandbox import ensure_emulator

    emulator = ensure_emulator(settings.home)
    _print(settings, _emulator_data(emulator), _emulator_text(emulator))
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.sandbox import running_emulator

    emulator = running_emulator(settings.home)
    clusters = _clusters(settings.home, emulator)
    _print(settings, {**_emulator_data(emulator), "clusters": clusters},
           f"{_emulator_text(emulator)}\n{_clusters_text(clusters)}")
    return 0


def run_stop(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.sandbox import gone_clusters, stop_emulator

    stopped = stop_emulator(settings.home)
    gone = gone_clusters(settings.home)
    text = "The sandbox was stopped." if stopped else "The sandbox was not running."
    if gone:
        text += (f"\nThese clusters lived in it and are gone: {', '.join(gone)}; remove them with "
                 "[bold]clusterwiz sandbox forget[/].")
    _print(settings, {"stopped": stopped is not None, "gone": gone}, text)
    return 0


def run_reset(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.commands import common
    from clusterwiz.core.registry import Registry
    from clusterwiz.core.sandbox import reset_emulator

    applied = [r.name for r in Registry(settings.home, area="sandbox").records() if r.managed_resources()]
    if applied:
        common.confirm(f"Reset the sandbox and forget its clusters ({', '.join(applied)})?", args.yes or settings.json)
    emulator, forgotten = reset_emulator(settings.home)
    text = _emulator_text(emulator)
    if forgotten:
        text += f"\nForgot the clusters of the old sandbox: {', '.join(forgotten)}."
    _print(settings, {**_emulator_data(emulator), "forgotten": forgotten}, text)
    return 0


def run_forget(args: argparse.Namespace, settings: Settings) -> int:
    from clusterwiz.core.sandbox import forget_gone_clusters

    forgotten = forget_gone_clusters(settings.home, args.names)
    text = f"Forgot: {', '.join(forgotten)}." if forgotten else "No gone sandbox clusters to forget."
    _print(settings, {"forgotten": forgotten}, text)
    return 0
