"""How long rendering the full cluster takes in-process (goal: under 150 ms).

Prints the median and worst of N renders of the foundation issue's full cluster into a fresh working directory
(modules copied, node agent archived, root module and tfvars written), and of render_files alone (what the
review screen shows). Run: python benchmarks/render_time.py [rounds]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tui"), str(ROOT)]

from tests.support.specs import FULL_RESOLVED, full_spec  # noqa: E402

from clusterwiz.core.render import render_files, render_workdir  # noqa: E402


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    spec = full_spec()
    first = timed(lambda: render_files(spec, FULL_RESOLVED))
    files_only = [timed(lambda: render_files(spec, FULL_RESOLVED)) for _ in range(rounds)]
    with tempfile.TemporaryDirectory() as scratch:
        workdirs = [Path(scratch) / f"w{i}" for i in range(rounds)]
        fresh = [timed(lambda w=w: render_workdir(spec, FULL_RESOLVED, w)) for w in workdirs]
        again = [timed(lambda w=w: render_workdir(spec, FULL_RESOLVED, w)) for w in workdirs]
    print(f"render_files, first call (templates compiled): {first:7.1f} ms")
    print(f"render_files:            median {statistics.median(files_only):7.1f} ms  max {max(files_only):7.1f} ms")
    print(f"render_workdir (fresh):  median {statistics.median(fresh):7.1f} ms  max {max(fresh):7.1f} ms")
    print(f"render_workdir (re-run): median {statistics.median(again):7.1f} ms  max {max(again):7.1f} ms")
    print(f"goal: < 150 ms for a full render -> {'met' if statistics.median(fresh) < 150 else 'NOT met'}")


if __name__ == "__main__":
    main()
