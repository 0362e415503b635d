#!/usr/bin/env python3
"""Print start-up and wizard figures: `clusterwiz --help`/`--version` median start, first screen
interactive, step switch with prefetched data, and peak RSS through a full wizard (against moto).

Goals: --help/--version <= 0.15 s, first screen <= 0.6 s, step switch <= 50 ms, RSS <= 150 MB.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tui"), str(REPO)]
RUNS = 10


def median_start(*args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO / "tui")}
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "clusterwiz", *args], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def wizard_figures(endpoint: str, home: Path) -> tuple[float, list[tuple[str, float]]]:
    from tests.tui.driving import settle
    from tests.tui.tour import example_spec, seeded_account

    from clusterwiz.app import make_app
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.steps import STEPS
    from clusterwiz.screens.wizard import WizardScreen

    account = seeded_account(endpoint)
    started = time.perf_counter()
    settings = Settings(home=home, region="eu-west-2", endpoint_url=endpoint)
    app = make_app(settings)
    switches: list[tuple[str, float]] = []
    async with app.run_test(size=(100, 30)) as pilot:
        while not (isinstance(app.screen, WizardScreen) and app.screen.form is not None):
            await pilot.pause(0.005)
        first_screen = time.perf_counter() - started
        # Walk every step once so the catalog holds the data, as prefetching would, then time switches.
        wizard = app.screen
        wizard.state.load_spec(example_spec(account))
        for step in STEPS:
            wizard.show_step(step.id)
            await settle(pilot)
        for step in STEPS:
            switch_started = time.perf_counter()
            wizard.show_step(step.id)
            while wizard.form is None or wizard.form.step is not step or wizard.query_one("#form-area").loading:
                await pilot.pause(0.001)
            switches.append((step.id, time.perf_counter() - switch_started))
    return first_screen, switches


def main() -> int:
    print(f"clusterwiz --help     median of {RUNS}: {median_start('--help'):.3f} s (goal <= 0.15 s)")
    print(f"clusterwiz --version  median of {RUNS}: {median_start('--version'):.3f} s (goal <= 0.15 s)")
    from tests.support.moto_server import UNSET_VARIABLES, aws_environment, running_moto_server

    for key in UNSET_VARIABLES:
        os.environ.pop(key, None)
    with running_moto_server() as endpoint, tempfile.TemporaryDirectory() as home:
        os.environ.update(aws_environment(endpoint))
        first, switches = asyncio.run(wizard_figures(endpoint, Path(home)))
    print(f"first screen interactive (in-process, make_app to the first step's fields): {first:.3f} s (goal <= 0.6 s)")
    for step_id, seconds in switches:
        print(f"step switch to {step_id:<10} {seconds * 1000:6.1f} ms (goal <= 50 ms)")
    print(f"median step switch: {statistics.median(s for _, s in switches) * 1000:.1f} ms")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS through the wizard (app + in-process moto): {peak_mib:.0f} MiB (goal <= 150 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
