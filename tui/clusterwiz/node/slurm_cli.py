"""Slurm's command-line tools as the scaler sees them: pending jobs, dynamic nodes, drain and delete.

Parses `squeue -O` and `scontrol -o` text, which reads the same in Slurm 22.05 through 24.11.
"""

from __future__ import annotations

import re
import subprocess
import time

from .scaling import PendingJob, SlurmNode
from .slurm_conf import instance_of, is_stand_in

_FIELD = re.compile(r"(\w+)=(\S*)")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
# A size of 0 prints a field whole, followed by its suffix "|". Partition lists every partition a pending job
# names. NumNodes is the fewest nodes it asked for, or a guess from the nodes Slurm last tried, so its CPUs are
# read too: NumCPUs in all, MinCPUs per node (a whole number under --noconvert).
PENDING_FORMAT = "Partition:|,NumNodes:|,NumCPUs:|,MinCPUs:|,Reason:"


def run_slurm(*arguments: str) -> str:
    completed = subprocess.run(list(arguments), check=True, capture_output=True, text=True, timeout=60)
    return completed.stdout


def parse_pending(text: str) -> list[PendingJob]:
    """Lines of `squeue -O PENDING_FORMAT`."""
    jobs = []
    for line in text.splitlines():
        if line.strip():
            partitions, nodes, cpus, min_cpus_per_node, reason = line.strip().split("|", 4)
            # At least 1: nodes_needed divides a node's CPUs by it.
            jobs.append(PendingJob(partitions=tuple(partitions.split(",")), nodes=int(nodes), cpus=int(cpus),
                                   min_cpus_per_node=max(1, int(min_cpus_per_node)), reason=reason))
    return jobs


def pending_jobs() -> list[PendingJob]:
    # -r: one line per task of a job array, each of which needs nodes of its own.
    return parse_pending(run_slurm("squeue", "-h", "-r", "--noconvert", "-t", "PENDING", "-O", PENDING_FORMAT))


def parse_node_records(text: str) -> list[dict[str, str]]:
    """`scontrol -o show nodes`: one node per line of Key=Value fields."""
    return [dict(_FIELD.findall(line)) for line in text.splitlines() if line.startswith("NodeName=")]


def _idle_seconds(record: dict[str, str], now: float) -> float:
    last_busy = record.get("LastBusyTime", "")
    try:
        return max(0.0, now - time.mktime(time.strptime(last_busy, TIME_FORMAT)))
    except ValueError:
        return 0.0


def to_slurm_node(record: dict[str, str], queues: list[str], now: float) -> SlurmNode | None:
    """A dynamic node of one of the queues (its feature names it), or None for anything else."""
    features = record.get("ActiveFeatures", "").split(",")
    queue = next((name for name in queues if name in features), None)
    name = record["NodeName"]
    if queue is None or not name.startswith(queue + "-") or is_stand_in(queue, name):
        return None
    flags = record.get("State", "").split("+")
    return SlurmNode(name=name, queue=queue, instance_id=instance_of(name), state=flags[0],
                     idle_seconds=_idle_seconds(record, now), draining="DRAIN" in flags)


def cluster_nodes(queues: list[str], now: float | None = None) -> list[SlurmNode]:
    moment = time.time() if now is None else now
    records = parse_node_records(run_slurm("scontrol", "-o", "show", "nodes"))
    nodes = (to_slurm_node(record, queues, moment) for record in records)
    return [node for node in nodes if node is not None]


def job_count(*states: str) -> int:
    """Jobs of any user in these states (none named: squeue's default, those that wait or run)."""
    return len(run_slurm("squeue", "-h", "-o", "%i", *(("-t", ",".join(states)) if states else ())).split())


def node_jobs(name: str) -> int:
    return len(run_slurm("squeue", "-h", "-w", name, "-o", "%i").split())


def set_node_state(name: str, state: str, reason: str = "") -> None:
    arguments = ["scontrol", "update", f"NodeName={name}", f"State={state}"]
    if reason:
        arguments.append(f"Reason={reason}")
    run_slurm(*arguments)


def delete_node(name: str) -> None:
    run_slurm("scontrol", "delete", f"NodeName={name}")
