"""How long a cluster takes to come up and to scale, measured on twins (tests/twins/README.md).

Applies a Debian 13 cluster with clusterwiz against moto's server, every instance booted as a twin, and prints:
- apply returned -> head node ready, and -> initial compute node ready;
- for each node, the bootstrap's own share (its first log line to `bootstrap finished`: what AWS would also take,
  packages included) apart from the twin's boot (booted -> first log line: systemd and cloud-init here);
- scale from zero: a job submitted to an empty queue -> the scaler raises the group -> the new node's twin boots ->
  it joins Slurm -> the job runs; then its idle time (shortened to 15 s on the head node) -> terminated;
- idle stop: the cluster unused (idle_stop_minutes shortened to 1 on the head node) -> fleet and head node stopped.

Needs root, terraform with the provider mirror, and the packages .ci/run installs. Takes about five minutes.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tui")]

from tests.support.moto_server import (  # noqa: E402
    TEST_REGION,
    UNSET_VARIABLES,
    aws_environment,
    running_moto_server,
)
from tests.support.terraform_env import find_provider_mirror, write_cli_config  # noqa: E402
from tests.twins.cluster import apply_twin_cluster, group_members, slurm_node_state  # noqa: E402
from tests.twins.harness import TwinHarness, wait_until  # noqa: E402
from tests.twins.image import ensure_image  # noqa: E402

NAME = "bench"
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) clusterwiz-bootstrap\[")


def bootstrap_seconds(log: Path) -> float:
    """From the bootstrap's first log line to its last (one-second resolution: the log's own timestamps)."""
    stamps = [datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ")
              for match in map(LOG_LINE.match, log.read_text().splitlines()) if match]
    return (stamps[-1] - stamps[0]).total_seconds()


def booted_at(twins: TwinHarness, instance_id: str) -> float:
    return next(moment for moment, instance, what in twins.events if instance == instance_id and what == "booted")


def main() -> None:
    for key in UNSET_VARIABLES:
        os.environ.pop(key, None)
    mirror = find_provider_mirror()
    if mirror is None:
        sys.exit("no Terraform provider mirror found; set CLUSTERWIZ_TF_PLUGIN_MIRROR")
    with (tempfile.TemporaryDirectory(prefix="twin-bench-", dir="/var/tmp") as scratch,
          running_moto_server() as endpoint):
        os.environ.update(aws_environment(endpoint))
        os.environ["TF_CLI_CONFIG_FILE"] = str(write_cli_config(Path(scratch), mirror))
        with TwinHarness(ensure_image(), endpoint, Path(scratch) / "twins", TEST_REGION) as twins:
            queues = [{"name": "compute", "instance_types": ["c5.large"], "min_nodes": 1, "initial_nodes": 1,
                       "max_nodes": 1},
                      {"name": "burst", "instance_types": ["c5.large"], "min_nodes": 0, "initial_nodes": 0,
                       "max_nodes": 1}]
            cluster = apply_twin_cluster(twins, Path(scratch), NAME, queues, "data\n")
            head = twins.head_of(NAME)
            assert head is not None
            (compute,) = [r for r in twins.twins.values() if r.cluster == NAME and r.role == "compute"]
            log = "/var/log/clusterwiz-bootstrap.log"
            print(f"apply returned -> both nodes ready: {cluster.ready_at - cluster.applied_at:.1f} s")
            for role, record in (("head", head), ("compute", compute)):
                total = bootstrap_seconds(record.twin.path(log))
                print(f"  {role}: bootstrap {total:.0f} s (the part AWS would also take, packages included)")

            config = head.twin.path("/etc/clusterwiz/scaler.json")
            config.write_text(json.dumps({**json.loads(config.read_text()), "scaledown_idle_minutes": 0.25}))
            submitted = time.monotonic()
            job = head.twin.run("su", "-", "admin", "-c", "sbatch --parsable -p burst --wrap 'sleep 1'").stdout.strip()
            (instance,) = wait_until(lambda: group_members(NAME, "burst"), 120, "the scaler to raise the group")
            raised = time.monotonic()
            node = f"burst-{instance[2:]}"
            wait_until(lambda: slurm_node_state(head.twin, node), 300, f"{node} to join Slurm", interval=0.2)
            joined = time.monotonic()
            new_node = booted_at(twins, instance)
            new_node_bootstrap = bootstrap_seconds(twins.twin(instance).path(log))

            def job_state() -> str:
                words = head.twin.run("scontrol", "-o", "show", "job", job).stdout.split()
                return dict(word.split("=", 1) for word in words if "=" in word)["JobState"]

            wait_until(lambda: job_state() in ("RUNNING", "COMPLETED"), 60, "the job to start", interval=0.2)
            started = time.monotonic()
            wait_until(lambda: job_state() == "COMPLETED", 60, "the job to end", interval=0.2)
            ended = time.monotonic()
            wait_until(lambda: instance not in twins.twins, 180, f"{node} to be terminated", interval=0.5)
            terminated = time.monotonic()
            print("scale from zero (job submitted to a queue with no node):")
            print(f"  submitted -> scaler raised the group: {raised - submitted:.1f} s (its timer runs every 30 s)")
            print(f"  group raised -> twin booted: {new_node - raised:.1f} s (the harness polls every 1 s)")
            print(f"  twin booted -> node joined Slurm: {joined - new_node:.1f} s, of which its bootstrap "
                  f"{new_node_bootstrap:.0f} s")
            print(f"  node joined -> job running: {started - joined:.1f} s")
            print(f"  submitted -> job running on a node that did not exist: {started - submitted:.1f} s")
            print(f"  job ended -> idle node terminated (idle limit 15 s): {terminated - ended:.1f} s")

            # The initial compute node keeps the cluster a min_nodes of 1: unused, the whole of it stops.
            config.write_text(json.dumps({**json.loads(config.read_text()), "idle_stop_minutes": 1}))
            unused = time.monotonic()
            head_id = head.twin.spec.instance_id
            wait_until(lambda: head_id in twins.stopped, 300, "the unused head node to stop itself", interval=0.5)
            stopped = time.monotonic()
            print("idle stop of the whole cluster (idle limit 1 min, no job, nobody logged in):")
            print(f"  unused -> fleet at 0 and head node stopped: {stopped - unused:.1f} s (the limit, plus up to "
                  "one scaler interval of 30 s)")


if __name__ == "__main__":
    main()
