"""The scaler's decision: Slurm's queue and nodes plus the fleet's groups -> capacity actions. Pure.

Per queue: raise the group's desired capacity to what running and pending work needs (up to max);
terminate nodes idle longer than the scale-down time (down to min, never one that pending work
needs); forget Slurm nodes whose instance has left the group (a spot interruption), so their jobs
requeue at once. A queue's actions only ever name that queue's group and instances.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Union

# Pending for one of these, a job would not start even on a free node: it is no demand for capacity.
NOT_CAPACITY_REASONS = frozenset({
    "Dependency", "DependencyNeverSatisfied", "JobHeldUser", "JobHeldAdmin", "BeginTime",
    "PartitionDown", "PartitionInactive", "InvalidAccount", "InvalidQOS", "AccountNotAllowed",
    "QOSNotAllowed", "PartitionTimeLimit",
})
BUSY_STATES = frozenset({"ALLOCATED", "MIXED", "COMPLETING"})


@dataclass(frozen=True)
class PendingJob:
    partition: str
    nodes: int
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
class GroupState:
    queue: str
    name: str
    min_size: int
    max_size: int
    desired: int
    instance_ids: tuple[str, ...] = ()


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


Action = Union[SetDesired, TerminateNode, ForgetNode]


def demand(jobs: Iterable[PendingJob], partition: str, max_size: int) -> int:
    """Nodes pending jobs of a partition ask for; a job asking for more than max counts as max."""
    return sum(min(job.nodes, max_size) for job in jobs
               if job.partition == partition and job.reason not in NOT_CAPACITY_REASONS)


def decide_queue(group: GroupState, jobs: Sequence[PendingJob], nodes: Sequence[SlurmNode],
                 idle_limit_seconds: float) -> list[Action]:
    members = set(group.instance_ids)
    queue_nodes = [node for node in nodes if node.queue == group.queue]
    actions: list[Action] = [ForgetNode(node.name) for node in queue_nodes if node.instance_id not in members]
    live = [node for node in queue_nodes if node.instance_id in members]
    needed = sum(1 for node in live if node.busy) + demand(jobs, group.queue, group.max_size)
    desired = min(max(group.desired, group.min_size), group.max_size)
    if needed > desired:
        desired = min(needed, group.max_size)
    if desired != group.desired:
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
           idle_limit_seconds: float) -> list[Action]:
    """Every action for every queue the scaler manages; nodes of other queues are left alone."""
    actions: list[Action] = []
    for group in groups:
        actions.extend(decide_queue(group, jobs, nodes, idle_limit_seconds))
    return actions

