"""Wrapper overhead: clusterwiz's runner applying a planfile vs raw `terraform apply` of the same plan.

Against a local moto server (started here on a free port) with the offline provider mirror, both apply
the same small AWS configuration (a VPC and subnets) from a fresh `plan -out`, alternating which goes
first each round. Prints per-round wall times, the medians and their ratio (goal: <= 1.05), and the
CPU time the runner itself spends per apply (reading, parsing and logging the event stream), which
unlike wall time hardly depends on how busy the machine is.

    python benchmarks/wrapper_overhead.py [--rounds 7] [--subnets 4]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY / "tui"), str(REPOSITORY)]

from tests.runner.conftest import NETWORK_CONFIG  # noqa: E402
from tests.support.moto_server import reset_moto, running_moto_server  # noqa: E402
from tests.support.terraform_env import find_provider_mirror, use_moto_offline  # noqa: E402

from clusterwiz.core.events import Event  # noqa: E402
from clusterwiz.core.terraform import PlanResult, TerraformRunner  # noqa: E402


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--subnets", type=int, default=4, help="subnets in the VPC (resources = subnets + 1)")
    options = parser.parse_args()

    mirror = find_provider_mirror()
    terraform = shutil.which("terraform")
    if mirror is None or terraform is None:
        sys.exit("needs terraform on PATH and an AWS provider mirror (set CLUSTERWIZ_TF_PLUGIN_MIRROR)")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    with tempfile.TemporaryDirectory() as scratch, running_moto_server() as endpoint:
        root = Path(scratch)
        use_moto_offline(root, endpoint, mirror)
        os.environ.update({"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"})
        workdir = root / "workdir"
        workdir.mkdir()
        (workdir / "main.tf").write_text(NETWORK_CONFIG.replace("count      = 2", f"count      = {options.subnets}"))
        log = root / "terraform.log"
        TerraformRunner(workdir, log).init()

        def fresh_plan() -> PlanResult:
            reset_moto(endpoint)
            (workdir / "terraform.tfstate").unlink(missing_ok=True)
            return TerraformRunner(workdir, log).plan()

        def raw_apply() -> float:
            planfile = str(fresh_plan().plan_file)
            return timed(lambda: subprocess.run([terraform, "apply", "-input=false", "-no-color", planfile],
                                                cwd=workdir, capture_output=True, check=True))

        wrapper_cpu: list[float] = []

        def wrapper_apply() -> float:
            plan = fresh_plan()
            seen: list[Event] = []
            cpu_before = time.thread_time()  # this thread only: moto serves from its own threads
            # A fresh runner, as each `clusterwiz apply` makes one (so Terraform's version check is counted).
            elapsed = timed(lambda: TerraformRunner(workdir, log).apply(plan, seen.append))
            wrapper_cpu.append(time.thread_time() - cpu_before)
            return elapsed

        raw: list[float] = []
        wrapped: list[float] = []
        print(f"{options.subnets + 1} resources per apply against moto at {endpoint}")
        for round_number in range(options.rounds):
            order = [(raw, raw_apply), (wrapped, wrapper_apply)]
            for times, measure in order if round_number % 2 == 0 else reversed(order):
                times.append(measure())
            print(f"round {round_number + 1}: raw terraform apply {raw[-1]:.3f} s, "
                  f"clusterwiz runner apply {wrapped[-1]:.3f} s")
        raw_median, wrapped_median = statistics.median(raw), statistics.median(wrapped)
        print(f"median raw terraform apply: {raw_median:.3f} s")
        print(f"median clusterwiz apply:    {wrapped_median:.3f} s")
        print(f"ratio: {wrapped_median / raw_median:.3f} (goal <= 1.05)")
        print(f"runner's own CPU time per apply (median): {statistics.median(wrapper_cpu) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
