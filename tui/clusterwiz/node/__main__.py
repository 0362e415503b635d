"""Command line of the node agent, called by bootstrap.sh and the scaler's systemd service."""

from __future__ import annotations

import argparse
import sys

from .generate import compute_files, head_files, write_tree
from .layout import Layout
from .params import ParamsError, load_params


def _generate(args: argparse.Namespace) -> int:
    layout = Layout()
    head = load_params(args.head_params)
    if args.role == "head":
        tree = head_files(head, layout, args.hostname, args.address)
    else:
        tree = compute_files(head, load_params(args.params), layout, args.instance_id)
    for path in write_tree(tree, args.root):
        print(f"wrote {path}")
    return 0


def _volumes(args: argparse.Namespace) -> int:
    for volume in load_params(args.head_params).shared_storage:
        print(volume.volume_id, volume.device_name, volume.mount_dir)
    return 0


def _metadata(args: argparse.Namespace) -> int:
    from .instance import metadata

    print(metadata(args.path))
    return 0


def _tag(args: argparse.Namespace) -> int:
    from .instance import log_tail, metadata, set_readiness

    region = metadata("placement/region")
    tail = log_tail(args.log_tail_of) if args.log_tail_of else None
    return 0 if set_readiness(metadata("instance-id"), region, args.value, tail) else 1


def _scale(args: argparse.Namespace) -> int:
    from .autoscaling import Fleet
    from .instance import metadata
    from .scaler import load_scaler_config, scaler_pass

    config = load_scaler_config(args.config)
    scaler_pass(config, Fleet(config.region), metadata("instance-id"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clusterwiz_node", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write this node's configuration files")
    generate.add_argument("role", choices=("head", "compute"))
    generate.add_argument("--head-params", default=Layout().head_params)
    generate.add_argument("--params", default="/etc/clusterwiz/node.json", help="a compute node's own params")
    generate.add_argument("--hostname", help="head: the controller's short host name")
    generate.add_argument("--address", help="head: the controller's private IP address")
    generate.add_argument("--instance-id", help="compute: this instance's id")
    generate.add_argument("--root", default="/")
    generate.set_defaults(handler=_generate)
    volumes = commands.add_parser("volumes", help="print 'volume_id device mount_dir' per shared volume")
    volumes.add_argument("--head-params", default=Layout().head_params)
    volumes.set_defaults(handler=_volumes)
    meta = commands.add_parser("metadata", help="print an instance metadata value (IMDSv2)")
    meta.add_argument("path")
    meta.set_defaults(handler=_metadata)
    tag = commands.add_parser("tag", help="set this instance's clusterwiz:bootstrap tag")
    tag.add_argument("value")
    tag.add_argument("--log-tail-of", metavar="LOG", help="also tag the last lines of this log")
    tag.set_defaults(handler=_tag)
    scale = commands.add_parser("scale", help="one pass of the elastic scaler")
    scale.add_argument("--config", required=True)
    scale.set_defaults(handler=_scale)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        needed = ("hostname", "address") if args.role == "head" else ("instance_id",)
        missing = [name for name in needed if not getattr(args, name)]
        if missing:
            build_parser().error(f"generate {args.role} needs --{missing[0].replace('_', '-')}")
    try:
        return args.handler(args)
    except (ParamsError, OSError) as error:
        print(f"clusterwiz_node: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
