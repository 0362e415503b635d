"""The scaler's pure decision: table tests and invariants over arbitrary cluster states."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusterwiz.node.scaling import (
    NOT_CAPACITY_REASONS,
    REGISTER_TIMEOUT_SECONDS,
    Action,
    ForgetNode,
    GroupState,
    Member,
    PendingJob,
    ReplaceNode,
    SetDesired,
    SlurmNode,
    TerminateNode,
    decide,
    nodes_needed,
)
from clusterwiz.node.slurm_conf import instance_of, node_name

IDLE_LIMIT = 600.0
NODE_CPUS = {"compute": 2, "gpu": 4, "mem": 8}  # vCPUs of each queue's smallest instance type


def group(queue: str = "compute", min_size: int = 0, max_size: int = 4, desired: int = 0,
          instances: Sequence[str] = (), members: Sequence[Member] = ()) -> GroupState:
    return GroupState(queue=queue, name=f"demo-{queue}", min_size=min_size, max_size=max_size, desired=desired,
                      instance_ids=tuple(instances), members=tuple(members))


def node(instance: str, state: str = "IDLE", idle: float = 0.0, queue: str = "compute") -> SlurmNode:
    name = node_name(queue, instance)
    return SlurmNode(name=name, queue=queue, instance_id=instance, state=state, idle_seconds=idle)


def jobs(*sizes: int, partition: str = "compute", reason: str = "Resources") -> list[PendingJob]:
    return [PendingJob(partitions=(partition,), nodes=size, reason=reason) for size in sizes]


def job(*partitions: str, nodes: int = 1, cpus: int = 1, min_cpus_per_node: int = 1) -> PendingJob:
    return PendingJob(partitions=partitions or ("compute",), nodes=nodes, cpus=cpus,
                      min_cpus_per_node=min_cpus_per_node)


CASES = [
    pytest.param(group(), [], [], [], id="nothing to do"),
    pytest.param(group(), jobs(1, 2), [], [SetDesired("demo-compute", 3)], id="pending jobs raise desired"),
    pytest.param(group(max_size=2), jobs(1, 1, 1), [], [SetDesired("demo-compute", 2)], id="never above max"),
    pytest.param(group(max_size=3), jobs(8), [], [SetDesired("demo-compute", 3)], id="one huge job counts as max"),
    pytest.param(group(max_size=40), [job(cpus=64)], [], [SetDesired("demo-compute", 32)],
                 id="sbatch -n 64 on 2-vCPU nodes needs 32 nodes"),
    pytest.param(group(max_size=4), [job(cpus=64)], [], [SetDesired("demo-compute", 4)],
                 id="a job's CPUs count up to max"),
    pytest.param(group(desired=1, instances=["i-01"]), [job(cpus=8)], [node("i-01", "IDLE", idle=700)],
                 [SetDesired("demo-compute", 4)], id="an idle node too small for the job is not enough"),
    pytest.param(group(max_size=8), [job(nodes=3, cpus=3)], [], [SetDesired("demo-compute", 3)],
                 id="sbatch -N 3 stays 3"),
    pytest.param(group(desired=2, instances=["i-01", "i-02"]), jobs(1), [node("i-01", "ALLOCATED"),
                 node("i-02", "IDLE", idle=5)], [], id="an idle node absorbs a pending job"),
    pytest.param(group(desired=2, instances=["i-01", "i-02"]), jobs(2), [node("i-01", "ALLOCATED"),
                 node("i-02", "MIXED")], [SetDesired("demo-compute", 4)], id="busy nodes plus demand"),
    pytest.param(group(desired=1, instances=["i-01"]), jobs(1, reason="Dependency"), [node("i-01", "IDLE", 5)],
                 [], id="jobs waiting on a dependency are no demand"),
    pytest.param(group(desired=1, instances=["i-01"]), jobs(1, partition="gpu"), [], [],
                 id="another partition's jobs are no demand"),
    pytest.param(group(desired=2, instances=["i-01", "i-02"]), [],
                 [node("i-01", "IDLE", idle=700), node("i-02", "IDLE", idle=900)],
                 [TerminateNode("demo-compute", "i-02", node_name("compute", "i-02")),
                  TerminateNode("demo-compute", "i-01", node_name("compute", "i-01"))],
                 id="idle nodes go, longest idle first"),
    pytest.param(group(min_size=1, desired=2, instances=["i-01", "i-02"]), [],
                 [node("i-01", "IDLE", idle=700), node("i-02", "IDLE", idle=900)],
                 [TerminateNode("demo-compute", "i-02", node_name("compute", "i-02"))], id="never below min"),
    pytest.param(group(desired=2, instances=["i-01", "i-02"]), [],
                 [node("i-01", "IDLE", idle=599), node("i-02", "ALLOCATED", idle=9999)], [],
                 id="not idle long enough, or busy"),
    pytest.param(group(desired=2, instances=["i-01", "i-02"]), jobs(1, reason="Priority"),
                 [node("i-01", "IDLE", idle=700), node("i-02", "IDLE", idle=900)],
                 [TerminateNode("demo-compute", "i-02", node_name("compute", "i-02"))],
                 id="keeps what pending work needs"),
    pytest.param(group(desired=2, instances=["i-01", "i-03"]), [], [node("i-01", "ALLOCATED"),
                 node("i-02", "ALLOCATED")], [ForgetNode(node_name("compute", "i-02"))],
                 id="a node whose instance left the group is forgotten"),
    pytest.param(group(desired=1, instances=["i-01"], members=[Member("i-01", 120, "failed:packages")]), jobs(1), [],
                 [ReplaceNode("demo-compute", "i-01", "its bootstrap failed at step packages", decrement=True),
                  SetDesired("demo-compute", 1)], id="a failed node is replaced while work waits"),
    pytest.param(group(desired=1, instances=["i-01"], members=[Member("i-01", 120, "failed:slurmd")]), [], [],
                 [ReplaceNode("demo-compute", "i-01", "its bootstrap failed at step slurmd", decrement=True)],
                 id="a failed node with no work for it just goes"),
    pytest.param(group(min_size=1, desired=1, instances=["i-01"], members=[Member("i-01", 60, "failed:mounts")]),
                 [], [], [ReplaceNode("demo-compute", "i-01", "its bootstrap failed at step mounts", decrement=False)],
                 id="at min the group launches the replacement"),
    pytest.param(group(desired=1, instances=["i-01"],
                       members=[Member("i-01", REGISTER_TIMEOUT_SECONDS + 1, "running:packages")]), jobs(1), [],
                 [ReplaceNode("demo-compute", "i-01", "it did not join Slurm within 20 minutes of its launch",
                              decrement=True), SetDesired("demo-compute", 1)], id="a node that never joined"),
    pytest.param(group(desired=1, instances=["i-01"],
                       members=[Member("i-01", REGISTER_TIMEOUT_SECONDS - 1, "running:packages")]), jobs(1), [], [],
                 id="a node still booting is waited for"),
    pytest.param(group(desired=1, instances=["i-01"], members=[Member("i-01", REGISTER_TIMEOUT_SECONDS * 2, "ready")]),
                 [], [node("i-01", "IDLE", idle=5)], [], id="a registered node is never replaced"),
    pytest.param(group(min_size=2, desired=0), [], [], [SetDesired("demo-compute", 2)], id="desired below min"),
    pytest.param(group(max_size=2, desired=5), [], [], [SetDesired("demo-compute", 2)], id="desired above max"),
]


@pytest.mark.parametrize(("state", "pending", "nodes", "expected"), CASES)
def test_decision(state: GroupState, pending: list[PendingJob], nodes: list[SlurmNode],
                  expected: list[Action]) -> None:
    assert decide([state], pending, nodes, IDLE_LIMIT, NODE_CPUS) == expected


@pytest.mark.parametrize(("pending", "node_cpus", "needed"), [
    pytest.param(job(cpus=64), 2, 32, id="sbatch -n 64"),
    pytest.param(job(cpus=5), 2, 3, id="a part-filled node is a node"),
    pytest.param(job(nodes=3, cpus=3), 2, 3, id="sbatch -N 3"),
    pytest.param(job(nodes=4, cpus=4), 8, 4, id="more nodes than the CPUs need"),
    pytest.param(job(cpus=12, min_cpus_per_node=3), 4, 4, id="sbatch -n 4 -c 3: one task per 4-vCPU node"),
    pytest.param(job(cpus=8, min_cpus_per_node=2), 4, 2, id="sbatch -n 4 -c 2: two tasks per 4-vCPU node"),
    pytest.param(job(cpus=8), None, 1, id="size unknown: the node count Slurm gives"),
    pytest.param(job(cpus=8, min_cpus_per_node=8), 4, 1, id="a job no node of the type fits: its own count"),
])
def test_nodes_a_job_needs_on_the_queues_smallest_type(pending: PendingJob, node_cpus: int | None,
                                                       needed: int) -> None:
    assert nodes_needed(pending, node_cpus) == needed


def test_a_job_for_several_queues_is_demand_on_each() -> None:
    """sbatch -p compute,gpu: Slurm runs it in whichever has room first, so either group may have to provide it."""
    groups = [group("compute"), group("gpu", max_size=1), group("mem")]
    actions = decide(groups, [job("compute", "gpu", cpus=8)], [], IDLE_LIMIT, NODE_CPUS)
    assert actions == [SetDesired("demo-compute", 4), SetDesired("demo-gpu", 1)]


def test_each_queue_is_decided_on_its_own() -> None:
    groups = [group("compute", desired=1, instances=["i-01"]), group("gpu", max_size=1)]
    nodes = [node("i-01", "IDLE", idle=700), node("i-09", "IDLE", idle=700, queue="gpu")]
    actions = decide(groups, jobs(3, partition="gpu"), nodes, IDLE_LIMIT, NODE_CPUS)
    assert actions == [TerminateNode("demo-compute", "i-01", node_name("compute", "i-01")),
                       ForgetNode(node_name("gpu", "i-09")), SetDesired("demo-gpu", 1)]


# -- invariants ------------------------------------------------------------------------------------

QUEUES = ("compute", "gpu", "mem")
STATES = ("IDLE", "ALLOCATED", "MIXED", "COMPLETING", "DOWN")


@st.composite
def cluster_states(draw: st.DrawFn) -> tuple[list[GroupState], list[PendingJob], list[SlurmNode]]:
    managed = draw(st.lists(st.sampled_from(QUEUES), min_size=1, max_size=3, unique=True))
    groups, nodes = [], []
    for index, queue in enumerate(QUEUES):
        min_size = draw(st.integers(0, 3))
        max_size = draw(st.integers(max(min_size, 1), 6))
        desired = draw(st.integers(0, 8))
        instances = [f"i-{index}{n:016x}" for n in range(draw(st.integers(0, 6)))]
        in_group = draw(st.lists(st.booleans(), min_size=len(instances), max_size=len(instances)))
        registered = draw(st.lists(st.booleans(), min_size=len(instances), max_size=len(instances)))
        for instance, registered_node in zip(instances, registered, strict=True):
            if registered_node:
                nodes.append(node(instance, draw(st.sampled_from(STATES)), draw(st.floats(0, 2000)), queue))
        if queue in managed:
            in_service = [i for i, member in zip(instances, in_group, strict=True) if member]
            described = [Member(i, draw(st.floats(0, 2 * REGISTER_TIMEOUT_SECONDS)),
                                draw(st.sampled_from(("", "running:packages", "ready", "failed:packages"))))
                         for i in in_service]
            groups.append(group(queue, min_size, max_size, desired, in_service, described))
    partitions = st.lists(st.sampled_from((*QUEUES, "other")), min_size=1, max_size=3, unique=True).map(tuple)
    pending = draw(st.lists(st.builds(PendingJob, partitions, st.integers(1, 10), st.integers(1, 64),
                                      st.integers(1, 8),
                                      st.sampled_from(("Resources", "Priority", "PartitionConfig",
                                                       *sorted(NOT_CAPACITY_REASONS)))), max_size=12))
    return groups, pending, nodes


@settings(max_examples=400, deadline=None)
@given(cluster_states())
def test_invariants(state: tuple[list[GroupState], list[PendingJob], list[SlurmNode]]) -> None:
    groups, pending, nodes = state
    actions = decide(groups, pending, nodes, IDLE_LIMIT, NODE_CPUS)
    by_name = {g.name: g for g in groups}
    managed_queues = {g.queue for g in groups}
    nodes_by_name = {n.name: n for n in nodes}
    for g in groups:
        desired = g.desired
        for action in actions:
            if isinstance(action, SetDesired) and action.group == g.name:
                desired = action.desired
            elif isinstance(action, TerminateNode) and action.group == g.name:
                desired -= 1
                assert desired >= g.min_size
            elif isinstance(action, ReplaceNode) and action.group == g.name:
                desired -= action.decrement
                assert desired >= min(g.min_size, g.desired), "a replacement never takes desired below min"
        if any(getattr(action, "group", None) == g.name for action in actions):
            assert g.min_size <= desired <= g.max_size, "desired always ends within [min, max]"
    for action in actions:
        if isinstance(action, SetDesired | TerminateNode):
            assert action.group in by_name, "only managed groups are touched"
        if isinstance(action, TerminateNode):
            target = nodes_by_name[action.node]
            assert target.state == "IDLE" and target.idle_seconds >= IDLE_LIMIT, "only long-idle nodes go"
            assert action.instance_id in by_name[action.group].instance_ids, "only the group's own instances"
            assert by_name[action.group].queue == target.queue, "never another queue's node"
            assert instance_of(action.node) == action.instance_id
        if isinstance(action, ForgetNode):
            assert nodes_by_name[action.node].queue in managed_queues
        if isinstance(action, ReplaceNode):
            member = next(m for m in by_name[action.group].members if m.instance_id == action.instance_id)
            assert member.readiness.startswith("failed:") or (
                member.age_seconds > REGISTER_TIMEOUT_SECONDS
                and not any(n.instance_id == member.instance_id for n in nodes)), "only nodes that will never work"
            assert not any(isinstance(other, TerminateNode) and other.instance_id == action.instance_id
                           for other in actions), "one termination per instance"
    assert len({a for a in actions if isinstance(a, SetDesired)}) <= len(groups), "one desired change per group"
