"""Sandbox figures: how long until the emulator answers, and a full sandbox apply + destroy vs raw Terraform.

1. `clusterwiz --sandbox sandbox start` as a user runs it (a new Python process each time), from process
   start to the command returning with the emulator ready: cold (no emulator: start and seed it; goal
   <= 1.5 s) and warm (one running: find and health-check it; goal <= 0.6 s). Medians of --rounds runs.
2. The default cluster (the wizard's defaults: head t3.medium, queue c6i.xlarge, a new 100 GiB /shared)
   applied and destroyed in the sandbox by clusterwiz (`apply --json`, `destroy --yes`: plan, pre-flight,
   events, leftovers check included), next to raw `terraform apply/destroy -auto-approve` on the same
   working directory with the same environment.

    python benchmarks/sandbox_figures.py [--rounds 5] [--skip-apply]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY / "tui"), str(REPOSITORY)]

from tests.sandbox.specs import sandbox_cluster_yaml  # noqa: E402
from tests.support.terraform_env import find_provider_mirror, write_cli_config  # noqa: E402

from clusterwiz.core.lifecycle import Workspace  # noqa: E402
from clusterwiz.core.sandbox import stop_emulator  # noqa: E402
from clusterwiz.core.settings import Settings  # noqa: E402

# The wizard's defaults: head t3.medium, a c6i.xlarge queue, a new 100 GiB /shared.
DEFAULT_CLUSTER = sandbox_cluster_yaml("bench", compute_type="c6i.xlarge",
                                       shared_storage="[{mount_dir: /shared, size_gib: 100}]")


def clusterwiz(home: Path, *args: str) -> float:
    """Wall time of one clusterwiz command in a fresh process, as a user would run it."""
    env = {**os.environ, "CLUSTERWIZ_HOME": str(home), "PYTHONPATH": str(REPOSITORY / "tui")}
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clusterwiz", *args], env=env, check=True, stdout=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL)
    return time.perf_counter() - began


def terraform(workdir: Path, env: dict[str, str], *args: str) -> float:
    began = time.perf_counter()
    subprocess.run(["terraform", *args], cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def startup_figures(home: Path, rounds: int) -> None:
    cold, warm = [], []
    for _ in range(rounds):
        stop_emulator(home)
        cold.append(clusterwiz(home, "--sandbox", "sandbox", "start"))
        warm.append(clusterwiz(home, "--sandbox", "sandbox", "start"))
    idle = clusterwiz(home, "--help")
    print(f"sandbox start, cold (start + seed):   median {statistics.median(cold):.2f} s  "
          f"(runs {', '.join(f'{t:.2f}' for t in cold)}; goal <= 1.5 s)")
    print(f"sandbox start, warm (reuse + health): median {statistics.median(warm):.2f} s  "
          f"(runs {', '.join(f'{t:.2f}' for t in warm)}; goal <= 0.6 s)")
    print(f"  of which Python + clusterwiz start-up (`clusterwiz --help`): {idle:.2f} s")


def apply_figures(home: Path, scratch: Path) -> None:
    config = scratch / "cluster.yaml"
    config.write_text(DEFAULT_CLUSTER)
    clusterwiz(home, "--sandbox", "render", "--config", str(config))
    workspace = Workspace.open(Settings(home=home, sandbox=True))
    workspace.catalog.close()
    workdir = workspace.registry.get("bench").workdir
    env = workspace.terraform_environment()

    terraform(workdir, env, "init", "-input=false")
    raw_apply = terraform(workdir, env, "apply", "-auto-approve", "-input=false")
    raw_destroy = terraform(workdir, env, "destroy", "-auto-approve", "-input=false")
    # --force: moto keeps the tags of deleted EC2 resources, so the pre-flight "name already in use" check
    # sees the raw run's destroyed resources (real AWS drops them with the resource).
    wiz_apply = clusterwiz(home, "--sandbox", "--json", "apply", "bench", "--force")
    wiz_destroy = clusterwiz(home, "--sandbox", "destroy", "bench", "--yes")

    print("default cluster in the sandbox (head t3.medium, c6i.xlarge queue, 100 GiB /shared):")
    print(f"  raw terraform: apply {raw_apply:6.1f} s   destroy {raw_destroy:6.1f} s")
    print(f"  clusterwiz:    apply {wiz_apply:6.1f} s   destroy {wiz_destroy:6.1f} s   "
          f"(ratio {wiz_apply / raw_apply:.2f} / {wiz_destroy / raw_destroy:.2f}; includes plan, pre-flight, "
          "leftover check)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-apply", action="store_true", help="only the start-up figures")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        home = scratch / "home"
        try:
            startup_figures(home, options.rounds)
            if not options.skip_apply:
                mirror = find_provider_mirror()
                if mirror is None or shutil.which("terraform") is None:
                    sys.exit("needs terraform on PATH and an AWS provider mirror (set CLUSTERWIZ_TF_PLUGIN_MIRROR)")
                os.environ["TF_CLI_CONFIG_FILE"] = str(write_cli_config(scratch, mirror))
                apply_figures(home, scratch)
        finally:
            stop_emulator(home)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
