#!/usr/bin/env python3
"""Write the bundled instance-type snapshot (tui/clusterwiz/core/aws/data/) from DescribeInstanceTypes.

Describes every instance type the region lists, page by page, through clusterwiz's AWS session, so the
standard credential chain, --profile, --region and --endpoint-url all work. Run from the repository root:

    PYTHONPATH=tui python scripts/snapshot_instance_types.py --profile admin --region us-east-1

Against an emulator (--endpoint-url http://127.0.0.1:5000) it records the emulator's copy of the data and says so
in the file's "source".
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from clusterwiz.core.aws.instance_specs import SNAPSHOT_FILE, describe_every_instance_type, write_instance_specs
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.errors import ClusterwizError

BUNDLED = Path(__file__).resolve().parents[1] / "tui" / "clusterwiz" / "core" / "aws" / "data" / SNAPSHOT_FILE


def source_of(session: AwsSession) -> str:
    if not session.is_emulated:
        return "AWS DescribeInstanceTypes"
    try:
        moto = f"moto {version('moto')}"
    except PackageNotFoundError:
        moto = "an AWS emulator"
    return f"{moto}'s copy of DescribeInstanceTypes; regenerate against real AWS with --profile"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url")
    parser.add_argument("--output", type=Path, default=BUNDLED, help=f"default: {BUNDLED}")
    args = parser.parse_args(argv)
    try:
        session = AwsSession(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)
        rows = describe_every_instance_type(session, session.region)
    except ClusterwizError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_instance_specs(args.output, rows, region=session.region, source=source_of(session))
    print(f"{len(rows)} instance types of {session.region} written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
