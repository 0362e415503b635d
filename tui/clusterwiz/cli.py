"""The clusterwiz command: no subcommand opens the app; subcommands run the same core headless."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import replace

from clusterwiz import __version__
from clusterwiz.commands import COMMAND_MODULES

DESCRIPTION = (
    "clusterwiz takes you from an AWS account to a running Slurm cluster, and back to zero cost.\n"
    "Run it without a command to open the wizard."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterwiz", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"clusterwiz {__version__}")
    add_global_options(parser, suppress_defaults=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    for subparser in subparsers.choices.values():
        add_global_options(subparser, suppress_defaults=True)
    return parser


def add_global_options(parser: argparse.ArgumentParser, suppress_defaults: bool) -> None:
    """Global options are accepted before or after the subcommand; values given after it win."""
    default = argparse.SUPPRESS if suppress_defaults else None
    group = parser.add_argument_group("global options")
    group.add_argument("--home", default=default, metavar="DIR",
                       help="where clusterwiz keeps clusters (env CLUSTERWIZ_HOME)")
    group.add_argument("--profile", default=default, help="AWS profile to use")
    group.add_argument("--region", default=default, help="AWS region (overrides the profile's)")
    group.add_argument("--endpoint-url", default=default, metavar="URL",
                       help="AWS endpoint, e.g. a local emulator (env AWS_ENDPOINT_URL)")
    group.add_argument("--plugin-mirror", default=default, metavar="DIR",
                       help="a Terraform provider mirror holding the AWS provider, for offline use "
                            "(env CLUSTERWIZ_TF_PLUGIN_MIRROR)")
    group.add_argument("--json", action="store_true", default=default if suppress_defaults else False,
                       help="print machine-readable JSON instead of tables and progress")
    group.add_argument("--sandbox", action="store_true", default=default if suppress_defaults else False,
                       help="use the local sandbox AWS instead of a real account")
    group.add_argument("--quiet", action="store_true", default=default if suppress_defaults else False,
                       help="do not print the note of which clusters bill now on stderr")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    from clusterwiz.commands.common import print_aws_wait
    from clusterwiz.core.errors import ClusterwizError
    from clusterwiz.core.settings import Settings

    try:
        settings = Settings.from_options(
            home=args.home, profile=args.profile, region=args.region, endpoint_url=args.endpoint_url,
            sandbox=args.sandbox, json=args.json, plugin_mirror=args.plugin_mirror,
        )
        handler = getattr(args, "handler", None)
        if handler is None:
            return run_app(settings)  # its first screen says what bills
        settings = replace(settings, on_aws_wait=print_aws_wait)  # a slow AWS call says on stderr what it waits for
        if not (args.quiet or settings.json) and getattr(args, "billing_note", True):
            print_billing_note(settings)
        return handler(args, settings)
    except ClusterwizError as error:
        print(f"clusterwiz: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("clusterwiz: interrupted; nothing was left half-written.", file=sys.stderr)
        return 130


def print_billing_note(settings) -> None:
    """Which clusters bill now, on stderr before the command's own output; not with --json, whose reader is a
    program (what bills is in `clusterwiz list --json`)."""
    from clusterwiz.core.billing import billing_now

    line = billing_now(settings.home, sandbox=settings.sandbox).line()
    if line:
        print(f"clusterwiz: {line}", file=sys.stderr)


def run_app(settings) -> int:
    from clusterwiz.app import run

    return run(settings)
