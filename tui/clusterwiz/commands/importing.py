"""`clusterwiz import FILE`: a ParallelCluster v2 / CfnCluster / StarCluster / ParallelCluster 3 config
becomes a cluster.yaml, with a report of what became of every key."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clusterwiz.core.importers import ImportReport
    from clusterwiz.core.settings import Settings

FORMAT_CHOICES = ("pcluster2", "cfncluster", "starcluster", "pcluster3")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import", help="turn a ParallelCluster/CfnCluster/StarCluster config into a cluster spec",
        description="Read an old cluster config, write a cluster.yaml (into the registry, or --out) and print "
                    "what became of every key: mapped, changed, default, dropped, or needs your decision.")
    parser.add_argument("file", metavar="FILE", help="the config file (INI or ParallelCluster 3 YAML)")
    parser.add_argument("--template", metavar="NAME", help="the [cluster NAME] template to import")
    parser.add_argument("--name", metavar="NAME", help="name of the new cluster (default: from the template)")
    parser.add_argument("--format", choices=FORMAT_CHOICES, help="the tool that wrote FILE (default: detected)")
    parser.add_argument("--out", metavar="PATH", help="write the spec to PATH instead of registering it")
    parser.add_argument("--upgrade-gp2", action="store_true",
                        help="turn gp2 volumes into gp3 (cheaper, faster baseline); default keeps gp2")
    parser.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from clusterwiz.core.errors import ClusterwizError
    from clusterwiz.core.files import atomic_write_text
    from clusterwiz.core.importers import ImportNeedsDecision, ImportOptions, import_config

    options = ImportOptions(template=args.template, name=args.name, region=settings.region,
                            upgrade_gp2=args.upgrade_gp2)
    try:
        result = import_config(Path(args.file), options, args.format)
    except ImportNeedsDecision as blocked:
        _print_report(blocked.report, settings, written=None)
        raise
    if args.out:
        out = Path(args.out)
        if out.exists():
            raise ClusterwizError(f"{out} already exists; choose another --out path or remove the file first")
        atomic_write_text(out, result.spec.to_yaml())
        written = out
    else:
        from clusterwiz.core.registry import Registry

        registry = Registry(settings.home, "sandbox" if settings.sandbox else "aws")
        written = registry.create(result.spec).spec_path
    _print_report(result.report, settings, written)
    return 0


def _print_report(report: ImportReport, settings: Settings, written) -> None:
    if settings.json:
        import json
        import sys

        json.dump({"spec_file": str(written) if written else None, "report": report.to_json()}, sys.stdout,
                  indent=2)
        sys.stdout.write("\n")
        return
    from rich.console import Console

    console = Console()
    console.print(report.to_rich())
    if written is None:
        return
    decisions = sum(1 for item in report.items if item.status == "decision")
    console.print(f"Wrote [bold]{written}[/]." + (f" {decisions} item(s) need your decision: see 'decision' "
                                                  "rows above." if decisions else ""), highlight=False, soft_wrap=True)
    console.print(f"Next: review it, then [bold]clusterwiz render --config {written}[/]", highlight=False,
                  soft_wrap=True)
