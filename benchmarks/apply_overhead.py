"""`clusterwiz apply` against raw Terraform on the same working directory, side by side against moto.

Each round starts from an empty emulated account and an empty state, then times, in alternating order:
  raw:        terraform plan -out=plan && terraform apply plan     (in clusterwiz's rendered workdir)
  clusterwiz: clusterwiz apply NAME --yes                          (pre-flight checks, plan, apply, registry)
Both build the foundation issue's full cluster (new VPC, two queues one spot, a new shared volume).
Prints each round, the medians and their ratio (goal: <= 1.05).

    python benchmarks/apply_overhead.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY / "tui"), str(REPOSITORY)]

from tests.support.cli import clusterwiz  # noqa: E402
from tests.support.moto_server import reset_moto, running_moto_server  # noqa: E402
from tests.support.specs import FULL_CLUSTER_YAML  # noqa: E402
from tests.support.terraform_env import find_provider_mirror, use_moto_offline  # noqa: E402


def benchmark_spec() -> str:
    """The full cluster without what a reset account lacks (the existing volume and the key pair)."""
    data = yaml.safe_load(FULL_CLUSTER_YAML)
    data["shared_storage"] = data["shared_storage"][:1]
    data["key_pair"] = None
    data["ami_id"] = "ami-1e749f67"  # one of moto's built-in images: exists again after every reset
    return yaml.safe_dump(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    mirror, terraform = find_provider_mirror(), shutil.which("terraform")
    if mirror is None or terraform is None:
        sys.exit("needs terraform on PATH and an AWS provider mirror (set CLUSTERWIZ_TF_PLUGIN_MIRROR)")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as scratch, running_moto_server() as endpoint:
        root = Path(scratch)
        use_moto_offline(root, endpoint, mirror)
        home = root / "home"
        config = root / "cluster.yaml"
        config.write_text(benchmark_spec())
        clusterwiz(home, "render", "--config", str(config))
        workdir = home / "aws" / "clusters" / "full" / "workdir"
        subprocess.run([terraform, "init", "-input=false"], cwd=workdir, check=True, capture_output=True)

        def fresh_account() -> None:
            reset_moto(endpoint)
            for state in workdir.glob("terraform.tfstate*"):
                state.unlink()

        def raw() -> float:
            fresh_account()
            began = time.perf_counter()
            subprocess.run([terraform, "plan", "-input=false", "-out=bench.plan"], cwd=workdir, check=True,
                           capture_output=True)
            subprocess.run([terraform, "apply", "-input=false", "bench.plan"], cwd=workdir, check=True,
                           capture_output=True)
            return time.perf_counter() - began

        def wrapped() -> float:
            fresh_account()
            began = time.perf_counter()
            clusterwiz(home, "apply", "full", "--yes")
            return time.perf_counter() - began

        times: dict[str, list[float]] = {"raw": [], "clusterwiz": []}
        for round_number in range(options.rounds):
            order = [("raw", raw), ("clusterwiz", wrapped)]
            for label, measure in order if round_number % 2 == 0 else reversed(order):
                times[label].append(measure())
            print(f"round {round_number + 1}: raw terraform plan+apply {times['raw'][-1]:6.1f} s, "
                  f"clusterwiz apply {times['clusterwiz'][-1]:6.1f} s")
        raw_median, wrapped_median = statistics.median(times["raw"]), statistics.median(times["clusterwiz"])
        print(f"median raw: {raw_median:.1f} s, median clusterwiz: {wrapped_median:.1f} s, "
              f"ratio {wrapped_median / raw_median:.3f} (goal <= 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
