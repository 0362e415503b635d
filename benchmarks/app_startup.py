#!/usr/bin/env python3
"""Print start-up and wizard figures: `clusterwiz --help`/`--version` median start, first screen
interactive, step switch with prefetched data, and peak RSS of the app through a full wizard (against
moto, run in its own process so its memory is not counted).

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tui"), str(REPO)]
RUNS = 10
SERVE_MOTO = """
import sys
from tests.support.moto_server import running_moto_server
with running_moto_server() as endpoint:
    print(endpoint, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
"""


def median_start(*args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO / "tui")}
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "clusterwiz", *args], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextmanager
def moto_in_another_process() -> Iterator[str]:
    """moto's server in a child process: its memory and CPU are not the app's."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "tui"), str(REPO)])}
    server = subprocess.Popen([sys.executable, "-c", SERVE_MOTO], env=env, cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)


async def wizard_figures(endpoint: str, home: Path) -> tuple[float, list[tuple[str, float]]]:
    from tests.tui.tour import example_spec, seeded_account

    from clusterwiz.app import make_app
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.steps import STEPS
    from clusterwiz.screens.review import ReviewScreen
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
        wizard = app.screen

        async def show(step_id: str) -> float:
            switch_started = time.perf_counter()
            wizard.show_step(step_id)
            while (wizard.form is None or wizard.form.step.id != step_id
                   or wizard.query_one("#form-area").loading):
                await pilot.pause(0.001)
            return time.perf_counter() - switch_started

        # Walk every step once so the catalog holds the data, as prefetching would, then time switches.
        wizard.state.load_spec(example_spec(account))
        for step in STEPS:
            await show(step.id)
        for step in STEPS:
            switches.append((step.id, await show(step.id)))
        # The end of a full wizard: the review (costs, pre-flight findings, generated HCL).
        wizard.action_review()
        while not isinstance(app.screen, ReviewScreen):
            await pilot.pause(0.01)
        await pilot.pause(1.0)
        await app.workers.wait_for_complete()
    return first_screen, switches


def main() -> int:
    print(f"clusterwiz --help     median of {RUNS}: {median_start('--help'):.3f} s (goal <= 0.15 s)")
    print(f"clusterwiz --version  median of {RUNS}: {median_start('--version'):.3f} s (goal <= 0.15 s)")
    from tests.support.moto_server import UNSET_VARIABLES, aws_environment

    for key in UNSET_VARIABLES:
        os.environ.pop(key, None)
    with moto_in_another_process() as endpoint, tempfile.TemporaryDirectory() as home:
        os.environ.update(aws_environment(endpoint))
        first, switches = asyncio.run(wizard_figures(endpoint, Path(home)))
    print(f"first screen interactive (in-process, make_app to the first step's fields): {first:.3f} s (goal <= 0.6 s)")
    for step_id, seconds in switches:
        print(f"step switch to {step_id:<10} {seconds * 1000:6.1f} ms (goal <= 50 ms)")
    print(f"median step switch: {statistics.median(s for _, s in switches) * 1000:.1f} ms; "
          f"slowest: {max(s for _, s in switches) * 1000:.1f} ms")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the app through a full wizard and its review (moto in another process): "
          f"{peak_mib:.0f} MiB = {peak_mib * 1.048576:.0f} MB (goal <= 150 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
