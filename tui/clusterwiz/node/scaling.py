"""The scaler's decision: Slurm's queue and nodes plus the fleet's groups -> capacity actions. Pure.

Per queue: replace members whose bootstrap failed or that never joined Slurm (they bill and run nothing);
raise the group's desired capacity to what running and pending work needs (up to max), a pending job needing
as many nodes of the queue's smallest type as its CPUs fill, on every queue it names; terminate nodes idle
longer than the scale-down time (down to min, never one that pending work needs); forget Slurm nodes whose
instance has left the group (a spot interruption), so their jobs requeue at once. A queue's actions only ever
name that queue's group and instances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Union

# Pending for one of these, a job would not start even on a free node: it is no demand for capacity.
NOT_CAPACITY_REASONS = frozenset({
    "Dependency", "DependencyNeverSatisfied", "JobHeldUser", "JobHeldAdmin", "BeginTime",
    "PartitionDown", "PartitionInactive", "InvalidAccount", "InvalidQOS", "AccountNotAllowed",
    "QOSNotAllowed", "PartitionTimeLimit",
})
BUSY_STATES = frozenset({"ALLOCATED", "MIXED", "COMPLETING"})
# A new node boots, installs and joins in minutes on EC2; one still not in Slurm after this never will.
REGISTER_TIMEOUT_SECONDS = 20 * 60
FAILED_PREFIX = "failed:"


@dataclass(frozen=True)
class PendingJob:
    partitions: tuple[str, ...]  # Slurm runs it in whichever of them can first
    nodes: int  # squeue's: the fewest it asked for (sbatch -N), or Slurm's guess, not what its CPUs fill
    cpus: int = 1  # in all
    min_cpus_per_node: int = 1  # what one of its tasks takes (sbatch -c), or more (--ntasks-per-node, --mincpus)
    reason: str = "Resources"


@dataclass(frozen=True)
class SlurmNode:
    name: str
    queue: str
    instance_id: str
    state: str  # base state: IDLE, ALLOCATED, MIXED, COMPLETING, DOWN, ...
    idle_seconds: float = 0.0
    draining: bool = False

    @property
    def busy(self) -> bool:
        return self.state in BUSY_STATES


@dataclass(frozen=True)
class Member:
    """An instance of a group as EC2 describes it."""

    instance_id: str
    age_seconds: float  # since its launch
    readiness: str = ""  # its clusterwiz:bootstrap tag: running:<step> | ready | failed:<step>


@dataclass(frozen=True)
class GroupState:
    queue: str
    name: str
    min_size: int
    max_size: int
    desired: int
    instance_ids: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()  # what EC2 says of each of instance_ids (none known: nothing replaced)


@dataclass(frozen=True)
class SetDesired:
    group: str
    desired: int


@dataclass(frozen=True)
class TerminateNode:
    """Terminate the node's instance through its group, lowering desired by one, and forget the node."""

    group: str
    instance_id: str
    node: str


@dataclass(frozen=True)
class ForgetNode:
    """The node's instance is gone: mark it down (its jobs requeue) and delete it from Slurm."""

    node: str


@dataclass(frozen=True)
class ReplaceNode:
    """Terminate a member that will never run a job; lower desired by one unless that would go below min (then the
    group launches the replacement itself). Pending work raises desired again, as for any other demand."""

    group: str
    instance_id: str
    reason: str
    decrement: bool


Action = Union[SetDesired, TerminateNode, ForgetNode, ReplaceNode]


def replacement_reason(member: Member, registered: bool) -> str | None:
    """Why the member should be replaced, or None while it may still become a working node."""
    if member.readiness.startswith(FAILED_PREFIX):
        return f"its bootstrap failed at step {member.readiness.removeprefix(FAILED_PREFIX)}"
    if not registered and member.age_seconds > REGISTER_TIMEOUT_SECONDS:
        return f"it did not join Slurm within {REGISTER_TIMEOUT_SECONDS // 60} minutes of its launch"
    return None


def nodes_needed(job: PendingJob, node_cpus: int | None) -> int:
    """Nodes of node_cpus vCPUs (None: unknown) the job needs: the nodes it asked for, or more if its CPUs fill more.

    A node gives the job whole multiples of its CPUs per node: a 4-vCPU node holds one task of 3 CPUs, not 4/3.
    Memory counts for nothing: under CR_Core Slurm packs tasks by CPUs alone, and refuses at submission a job
    asking more memory per node than the queue's nodes have.
    """
    if node_cpus is None or job.min_cpus_per_node > node_cpus:
        # Unknown size, or a job Slurm refuses for nodes of this size: only Slurm's own count is known.
        return job.nodes
    usable = node_cpus - node_cpus % job.min_cpus_per_node
    return max(job.nodes, ceil(job.cpus / usable))


def demand(jobs: Iterable[PendingJob], partition: str, max_size: int, node_cpus: int | None) -> int:
    """Nodes pending jobs of a partition need; a job needing more than max counts as max."""
    return sum(min(nodes_needed(job, node_cpus), max_size) for job in jobs
               if partition in job.partitions and job.reason not in NOT_CAPACITY_REASONS)


def decide_queue(group: GroupState, jobs: Sequence[PendingJob], nodes: Sequence[SlurmNode],
                 idle_limit_seconds: float, node_cpus: int | None) -> list[Action]:
    members = set(group.instance_ids)
    queue_nodes = [node for node in nodes if node.queue == group.queue]
    actions: list[Action] = [ForgetNode(node.name) for node in queue_nodes if node.instance_id not in members]
    registered = {node.instance_id for node in queue_nodes}
    current = group.desired
    replaced = set()
    for member in group.members:
        reason = replacement_reason(member, member.instance_id in registered)
        if member.instance_id in members and reason is not None:
            decrement = current - 1 >= group.min_size
            actions.append(ReplaceNode(group.name, member.instance_id, reason, decrement))
            if decrement:
                current -= 1
            replaced.add(member.instance_id)
    live = [node for node in queue_nodes if node.instance_id in members - replaced]
    needed = sum(1 for node in live if node.busy) + demand(jobs, group.queue, group.max_size, node_cpus)
    desired = min(max(current, group.min_size), group.max_size)
    if needed > desired:
        desired = min(needed, group.max_size)
    if desired != current:
        actions.append(SetDesired(group.name, desired))
    floor = max(group.min_size, needed)
    idle = sorted((node for node in live if node.state == "IDLE" and node.idle_seconds >= idle_limit_seconds),
                  key=lambda node: (-node.idle_seconds, node.name))
    for node in idle:
        if desired <= floor:
            break
        actions.append(TerminateNode(group.name, node.instance_id, node.name))
        desired -= 1
    return actions


def decide(groups: Sequence[GroupState], jobs: Sequence[PendingJob], nodes: Sequence[SlurmNode],
           idle_limit_seconds: float, node_cpus: Mapping[str, int]) -> list[Action]:
    """Every action for every queue the scaler manages; nodes of other queues are left alone.

    node_cpus: the vCPUs of each queue's smallest instance type (a queue missing from it: size unknown).
    """
    actions: list[Action] = []
    for group in groups:
        actions.extend(decide_queue(group, jobs, nodes, idle_limit_seconds, node_cpus.get(group.queue)))
    return actions

