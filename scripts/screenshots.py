#!/usr/bin/env python3
"""Write an SVG and a PNG of every screen of the app into screenshots/ (PNGs through rsvg-convert).

Runs the real app headless against a local moto server holding a realistic, seeded account, so the
pictures are the same on every run. Usage: python scripts/screenshots.py [OUTPUT_DIR]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUN_SNAPSHOTS = REPO / "tests" / "tui_run" / "__snapshots__" / "test_snapshots"
sys.path[:0] = [str(REPO / "tui"), str(REPO)]

from tests.support.moto_server import UNSET_VARIABLES, aws_environment, running_moto_server  # noqa: E402
from tests.tui.tour import Stop, app_for_stop, seeded_account, tour  # noqa: E402


async def shoot(stop: Stop, home: Path, catalog, account, output: Path) -> Path:
    app = app_for_stop(stop, home, catalog, account)
    async with app.run_test(size=stop.size) as pilot:
        await stop.run_before(pilot)
        svg = output / f"{stop.name}.svg"
        svg.write_text(app.export_screenshot(title=f"clusterwiz: {stop.name}"), encoding="utf-8")
    return svg


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "screenshots"
    output.mkdir(parents=True, exist_ok=True)
    converter = shutil.which("rsvg-convert")
    if converter is None:
        print("rsvg-convert is missing: apt install librsvg2-bin", file=sys.stderr)
        return 1
    for key in UNSET_VARIABLES:
        os.environ.pop(key, None)
    with running_moto_server() as endpoint, tempfile.TemporaryDirectory() as scratch:
        os.environ.update(aws_environment(endpoint))
        from clusterwiz.core.aws.catalog import Catalog
        from clusterwiz.core.aws.session import AwsSession

        account = seeded_account(endpoint)
        for index, stop in enumerate(tour()):
            # One catalog per app, as in a real run: an app closes its catalog when it exits.
            catalog = Catalog(AwsSession(endpoint_url=endpoint), cache_dir=Path(scratch) / "cache")
            svg = asyncio.run(shoot(stop, Path(scratch) / f"home-{index}", catalog, account, output))
            png = svg.with_suffix(".png")
            subprocess.run([converter, str(svg), "-o", str(png)], check=True)
            print(f"{svg.relative_to(output.parent)}  {png.name}")
    # The plan, run, dashboard and teardown screens are pictured by their snapshot tests, which replay
    # recorded Terraform runs (tests/tui_run); `pytest tests/tui_run --snapshot-update` refreshes them.
    for snapshot in sorted(RUN_SNAPSHOTS.glob("*.svg")):
        svg = output / snapshot.name.removeprefix("test_")
        shutil.copyfile(snapshot, svg)
        subprocess.run([converter, str(svg), "-o", str(svg.with_suffix(".png"))], check=True)
        print(f"{svg.relative_to(output.parent)}  {svg.with_suffix('.png').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
