"""The catalog's thread pool: futures as concurrent.futures gives them, and no wait at exit."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from clusterwiz.core.aws.pool import DaemonPool

TUI = Path(__file__).resolve().parents[2] / "tui"


def test_results_and_errors_reach_the_future() -> None:
    pool = DaemonPool(2, "test")
    assert pool.submit(lambda a, b: a + b, 2, b=3).result(timeout=5) == 5
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(timeout=5)
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(lambda: None)


def test_shutdown_cancels_what_has_not_started() -> None:
    pool = DaemonPool(1, "test")
    started, release = threading.Event(), threading.Event()

    def hold() -> bool:
        started.set()
        return release.wait(5)

    running = pool.submit(hold)
    assert started.wait(5)
    queued = pool.submit(lambda: "never")
    pool.shutdown(cancel_futures=True)
    with pytest.raises(CancelledError):
        queued.result(timeout=5)
    release.set()
    assert running.result(timeout=5) is True


def test_a_lookup_under_way_does_not_hold_up_the_exit() -> None:
    program = ("import time\nfrom clusterwiz.core.aws.pool import DaemonPool\n"
               "DaemonPool(1, 'slow').submit(time.sleep, 60)\ntime.sleep(0.2)\n")
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", program], env={"PYTHONPATH": str(TUI)}, check=True, timeout=30)
    assert time.monotonic() - started < 10


def test_a_thread_worker_under_way_does_not_hold_up_the_end_of_asyncio_run() -> None:
    """As Textual runs thread workers: in the loop's default executor, which asyncio.run shuts down waiting."""
    program = ("import asyncio, time\nfrom clusterwiz.core.aws.pool import DaemonExecutor\n"
               "async def main():\n"
               "    loop = asyncio.get_running_loop()\n"
               "    loop.set_default_executor(DaemonExecutor(2, 'worker'))\n"
               "    assert await loop.run_in_executor(None, sum, (1, 2)) == 3\n"
               "    loop.run_in_executor(None, time.sleep, 60)\n"
               "    await asyncio.sleep(0.2)\n"
               "asyncio.run(main())\n")
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", program], env={"PYTHONPATH": str(TUI)}, check=True, timeout=30)
    assert time.monotonic() - started < 10
