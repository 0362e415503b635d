#!/usr/bin/env python3
"""Print start-up and wizard figures: `clusterwiz --help`/`--version` median start, first screen
interactive, moving between steps (Next on a first run, and the sidebar) until the step's final picture is on
screen and until the app is also settled, and the app's RSS through a full wizard and its review.

Three processes, so the RSS figure is the app's alone: moto's server (which also seeds the account and
writes the example spec), this script (which prints), and the walk (`app_startup.py --walk`): the app driven
by Pilot, importing nothing but clusterwiz and what it imports, which reports its figures as JSON.

Goals: --help/--version <= 0.15 s, first screen <= 0.6 s, step switch <= 50 ms, RSS <= 150 MB.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tui"), str(REPO)]
RUNS = 10
FIRST_SCREEN_RUNS = 5
USER_TIME_S = 1.0
SWITCH_USER_TIME_S = 0.3
SIZE = (100, 30)
MIB = 1024 * 1024
SERVE_SEEDED_MOTO = """
import json, sys
from tests.support.moto_server import aws_environment, running_moto_server
from tests.tui.tour import example_spec, seeded_account
import os
with running_moto_server() as endpoint:
    os.environ.update(aws_environment(endpoint))
    spec = example_spec(seeded_account(endpoint))
    print(json.dumps({"endpoint": endpoint, "spec": spec.model_dump(mode="json")}), flush=True)
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


def child_environment(endpoint: str | None = None) -> dict[str, str]:
    from tests.support.moto_server import UNSET_VARIABLES, aws_environment

    env = {key: value for key, value in os.environ.items() if key not in UNSET_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tui"), str(REPO)])
    if endpoint:
        env.update(aws_environment(endpoint))
    return env


@contextmanager
def seeded_moto() -> Iterator[dict[str, Any]]:
    """moto's server in a child process that also seeds the account: {"endpoint", "spec"}."""
    server = subprocess.Popen([sys.executable, "-c", SERVE_SEEDED_MOTO], env=child_environment(), cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        yield json.loads(server.stdout.readline())
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)


def memory_mib() -> tuple[float, float]:
    """(RSS now, peak RSS so far) of this process, from /proc/self/status."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def first_step_shown(app: Any, pilot: Any) -> None:
    """Until the wizard shows its first step's fields: the app is interactive."""
    from clusterwiz.screens.wizard import WizardScreen

    while not (isinstance(app.screen, WizardScreen) and app.screen.form is not None):
        await pilot.pause(0.005)


async def first_screen_since(endpoint: str, home: Path, launched_at: float) -> tuple[float, float]:
    """Seconds from this process's launch (`launched_at`, the wall clock its parent read) to the first screen, and
    to the sign-in shown on it (looked up once the screen is up: boto3's import and an STS call)."""
    from clusterwiz.app import make_app
    from clusterwiz.core.settings import Settings
    from clusterwiz.widgets.step_form import LOOKING_UP

    app = make_app(Settings(home=home, region="eu-west-2", endpoint_url=endpoint))
    async with app.run_test(size=SIZE) as pilot:
        await first_step_shown(app, pilot)
        first_screen = time.time() - launched_at
        while str(app.screen.query_one("#d-0-mode").render()) in ("", LOOKING_UP):
            await pilot.pause(0.005)
        return first_screen, time.time() - launched_at


def median_first_screen(endpoint: str) -> tuple[list[float], list[float]]:
    """The first screen after launch, in a new process each time, as a user starts `clusterwiz`: (seconds to the
    first screen, seconds to the sign-in shown on it) of each run."""
    screens, sign_ins = [], []
    for _ in range(FIRST_SCREEN_RUNS):
        with tempfile.TemporaryDirectory() as home:
            launched_at = time.time()
            done = subprocess.run([sys.executable, __file__, "--first-screen", endpoint, home, repr(launched_at)],
                                  env=child_environment(endpoint), cwd=REPO, capture_output=True, text=True,
                                  check=True)
        first_screen, sign_in = json.loads(done.stdout.splitlines()[-1])
        screens.append(first_screen)
        sign_ins.append(sign_in)
    return screens, sign_ins


class ScreenRecorder:
    """The picture a terminal shows after each frame the app sends it, and when the frame was sent.

    Every frame is also turned into the text a real terminal would be sent: the headless driver of Pilot skips
    that work, which a user's terminal does not.
    """

    def __init__(self, app: Any, size: tuple[int, int]) -> None:
        from rich.console import Console

        width, height = size
        self.cells: list[list[tuple[str, Any]]] = [[(" ", None)] * width for _ in range(height)]
        self.frames: list[tuple[float, Any]] = []
        self.console = Console(width=width, height=height, color_system="truecolor", force_terminal=True,
                               file=io.StringIO())
        self.app = app
        self.display = app._display
        app._display = self._recording

    def _recording(self, screen: Any, update: Any) -> None:
        from textual._compositor import CompositorUpdate

        self.display(screen, update)
        if isinstance(update, CompositorUpdate):
            update.render_segments(self.console)
            self.frames.append((time.perf_counter(), update))

    def stop(self) -> None:
        self.app._display = self.display
        self.frames.clear()

    def pictures(self) -> list[tuple[float, tuple[tuple[tuple[str, Any], ...], ...]]]:
        """Each frame sent since the last call: when, and the whole screen after it."""
        shown = []
        for sent_at, update in self.frames:
            self._apply(update)
            shown.append((sent_at, tuple(tuple(row) for row in self.cells)))
        self.frames.clear()
        return shown

    def _apply(self, update: Any) -> None:
        from textual._compositor import ChopsUpdate, LayoutUpdate

        if isinstance(update, LayoutUpdate):
            for y, line in enumerate(update.strips, update.region.y):
                x = update.region.x
                for strip in line:
                    x = self._put(y, x, strip, 0, len(self.cells[0]))
        elif isinstance(update, ChopsUpdate):
            for y, x1, x2 in update.spans:
                for x, strip in update.chops[y].items():
                    if strip is not None:
                        self._put(y, x, strip, x1, x2)

    def _put(self, y: int, x: int, strip: Any, x1: int, x2: int) -> int:
        row = self.cells[y] if 0 <= y < len(self.cells) else None
        for segment in strip:
            for character in segment.text:
                if row is not None and x1 <= x < min(x2, len(row)):
                    row[x] = (character, segment.style)
                x += 1
        return x


def final_picture_after(recorder: ScreenRecorder, since: float, settled: float) -> float:
    """Seconds from `since` to the first frame that already showed the settled picture (Textual often lays the
    step out once more, and repaints, without changing what is on screen)."""
    pictures = recorder.pictures()
    if not pictures:
        return settled
    final = pictures[-1][1]
    return next(sent_at for sent_at, picture in pictures if sent_at >= since and picture == final) - since


async def walk(endpoint: str, spec_data: dict[str, Any], home: Path) -> dict[str, Any]:
    """The app through every step and the review, as the wizard is used; figures as JSON-ready data."""
    from tests.tui.driving import workers_finished
    from textual.widgets import Input

    from clusterwiz.app import make_app
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.spec import ClusterSpec
    from clusterwiz.core.steps import STEPS
    from clusterwiz.screens.review import ReviewScreen

    memory: list[tuple[str, float, float]] = [("imports", *memory_mib())]
    started = time.perf_counter()
    app = make_app(Settings(home=home, region="eu-west-2", endpoint_url=endpoint))
    forward: list[tuple[str, float, float]] = []
    switches: list[tuple[str, float, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        await first_step_shown(app, pilot)
        first_screen = time.perf_counter() - started
        memory.append(("first screen", *memory_mib()))
        wizard = app.screen

        async def painted(step_id: str, since: float) -> float:
            """Seconds from `since` until the step's form is on screen. Polled with asyncio, not Pilot: Pilot's
            pause waits on every widget's queue, which costs more than the switch being timed."""
            while (wizard.form is None or wizard.form.step.id != step_id
                   or wizard.query_one("#form-area").loading):
                await asyncio.sleep(0.001)
            refreshed = asyncio.Event()
            wizard.call_after_refresh(refreshed.set)
            await refreshed.wait()
            return time.perf_counter() - since

        recorder = ScreenRecorder(app, SIZE)

        async def timed(step_id: str, action: Callable[[], None]) -> tuple[float, float]:
            """(seconds to the step's final picture on screen, seconds until also settled) after `action`."""
            recorder.pictures()  # what is on screen before
            started = time.perf_counter()
            action()
            settled = await painted(step_id, started)
            return final_picture_after(recorder, started, settled), settled

        async def show(step_id: str) -> tuple[float, float]:
            return await timed(step_id, lambda: wizard.show_step(step_id))

        # A newcomer's first run: a second of reading per step, a name typed, the defaults taken, Next.
        for current, following in zip(STEPS, STEPS[1:], strict=False):
            await pilot.pause(USER_TIME_S)
            if current.id == "name":
                wizard.form.query_one(Input).value = "bench"
            forward.append((following.id, *await timed(following.id, wizard.action_next)))
        memory.append(("forward walk", *memory_mib()))

        # A bigger cluster loaded (two queues, two volumes): every step built again, then moved between.
        wizard.state.load_spec(ClusterSpec.model_validate(spec_data))
        for step in STEPS:
            await show(step.id)
            await workers_finished(app)
            memory.append((f"step {step.id}", *memory_mib()))
        for step in STEPS:
            # A switch takes moving the highlight in the step list and Enter, or a click: a fast hand's time.
            await pilot.pause(SWITCH_USER_TIME_S)
            switches.append((step.id, *await show(step.id)))
        recorder.stop()
        memory.append(("second walk", *memory_mib()))
        # The end of a full wizard: the review (costs, pre-flight findings, generated HCL).
        wizard.action_review()
        while not isinstance(app.screen, ReviewScreen):
            await pilot.pause(0.01)
        await pilot.pause(1.0)
        await workers_finished(app)
        memory.append(("review", *memory_mib()))
        app.screen.query_one("#review-tabs").active = "hcl-tab"
        await pilot.pause(0.5)
        memory.append(("review Terraform tab", *memory_mib()))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"first_screen": first_screen, "forward": forward, "switches": switches, "memory": memory,
            "peak_mib": peak_mib}


def run_walk(endpoint: str, spec_data: dict[str, Any]) -> dict[str, Any]:
    """The walk in its own process: its peak RSS is the app's, nothing of moto's or this script's."""
    with tempfile.TemporaryDirectory() as home:
        done = subprocess.run([sys.executable, __file__, "--walk", endpoint, home], env=child_environment(endpoint),
                              cwd=REPO, input=json.dumps(spec_data), capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> int:
    if sys.argv[1:2] == ["--first-screen"]:
        endpoint, home, launched_at = sys.argv[2:5]
        print(json.dumps(asyncio.run(first_screen_since(endpoint, Path(home), float(launched_at)))))
        return 0
    if sys.argv[1:2] == ["--walk"]:
        endpoint, home = sys.argv[2:4]
        figures = asyncio.run(walk(endpoint, json.loads(sys.stdin.read()), Path(home)))
        print(json.dumps(figures))
        return 0
    print(f"clusterwiz --help     median of {RUNS}: {median_start('--help'):.3f} s (goal <= 0.15 s)")
    print(f"clusterwiz --version  median of {RUNS}: {median_start('--version'):.3f} s (goal <= 0.15 s)")
    with seeded_moto() as moto:
        launch_runs, sign_in_runs = median_first_screen(moto["endpoint"])
        figures = run_walk(moto["endpoint"], moto["spec"])
    print(f"first screen interactive after launch (a new process to the first step's fields), median of "
          f"{FIRST_SCREEN_RUNS}: {statistics.median(launch_runs):.3f} s (runs "
          f"{', '.join(f'{r:.2f}' for r in launch_runs)}; goal <= 0.6 s)")
    print(f"  of which the app itself (make_app to the first step's fields): {figures['first_screen']:.3f} s")
    print(f"  who you are signed in as, shown on it (after launch, looked up behind it): "
          f"{statistics.median(sign_in_runs):.3f} s")
    for title, key in (("Next to the following step (first run, defaults, 1 s per step)", "forward"),
                       (f"sidebar switch to a step (all answered, {SWITCH_USER_TIME_S} s apart)", "switches")):
        print(f"{title}: until its final picture is on screen (goal <= 50 ms), and until the app is also settled")
        timings = figures[key]
        for step_id, on_screen, settled in timings:
            print(f"  {step_id:<10} {on_screen * 1000:6.1f} ms   settled {settled * 1000:6.1f} ms")
        for label, column in (("on screen", 1), ("settled", 2)):
            print(f"  {label}: median {statistics.median(t[column] for t in timings) * 1000:.1f} ms; "
                  f"slowest {max(t[column] for t in timings) * 1000:.1f} ms")
    print("app memory after each stage (RSS now / peak so far):")
    for stage, now, peak in figures["memory"]:
        print(f"  {stage:<22} {now:6.0f} MiB / {peak:6.0f} MiB")
    peak_mib = figures["peak_mib"]
    print(f"peak RSS of the app through a full wizard and its review (its own process, moto in another): "
          f"{peak_mib:.0f} MiB = {peak_mib * MIB / 1e6:.0f} MB (goal <= 150 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
