"""The scaler with the real pieces: local Slurm for the queues, moto's server for the auto scaling groups."""

from __future__ import annotations

import boto3

from clusterwiz.node.scaling import ForgetNode, SetDesired, TerminateNode
from clusterwiz.node.slurm_conf import node_name, slurmd_arguments
from tests.node.conftest import IDLE_SECONDS, group, members
from tests.support.slurm import LocalSlurm


def boot(slurm: LocalSlurm, queue: str, instance_id: str) -> str:
    """What a compute node's bootstrap ends with: its slurmd joining the queue as a dynamic node."""
    name = node_name(queue, instance_id)
    slurm.start_node(name, slurmd_arguments(slurm.layout, queue, instance_id))
    return name


def test_scaler_grows_the_right_group_then_removes_the_idle_node(cluster) -> None:
    slurm, _, scale = cluster
    jobs = [slurm.submit("-p", "compute", "--wrap", "sleep 1") for _ in range(3)]
    assert scale() == [SetDesired("demo-compute", 2)]  # three jobs, but max is 2; gpu untouched
    assert group("demo-compute")["DesiredCapacity"] == 2
    assert group("demo-gpu")["DesiredCapacity"] == 0
    first, second = members("demo-compute")
    name = boot(slurm, "compute", first)
    for job in jobs:
        slurm.wait_for_job(job, "COMPLETED")
    assert slurm.job_field(jobs[0], "NodeList") == name
    slurm.wait_until(lambda: slurm.node_state(name).startswith("IDLE"), 10, "the node to be idle")
    slurm.wait_until(lambda: scale() != [], IDLE_SECONDS + 5, "the scaler to scale down")
    # The booted node idled out; the instance that never registered is still booting and stays.
    assert members("demo-compute") == [second]
    assert group("demo-compute")["DesiredCapacity"] == 1
    assert slurm.node_state(name) == ""
    assert group("demo-gpu")["DesiredCapacity"] == 0


def test_a_job_grows_every_queue_it_names_by_the_nodes_its_cpus_need(cluster) -> None:
    slurm, _, scale = cluster
    slurm.submit("-p", "compute,gpu", "-n", "8", "--wrap", "true")
    # Two 4-vCPU nodes in compute; in gpu, named too, a job wider than the queue counts as its max of one.
    assert scale() == [SetDesired("demo-compute", 2), SetDesired("demo-gpu", 1)]


def test_a_node_lost_to_a_spot_interruption_has_its_job_requeued(cluster) -> None:
    slurm, _, scale = cluster
    job = slurm.submit("-p", "gpu", "--wrap", "sleep 300")
    assert scale() == [SetDesired("demo-gpu", 1)]
    (instance,) = members("demo-gpu")
    name = boot(slurm, "gpu", instance)
    slurm.wait_for_job(job, "RUNNING")
    # The spot instance is reclaimed: it leaves its group (moto's groups do not notice an EC2 termination).
    boto3.client("autoscaling").detach_instances(InstanceIds=[instance], AutoScalingGroupName="demo-gpu",
                                                 ShouldDecrementDesiredCapacity=True)
    slurm.stop_node(name)
    actions = scale()
    assert ForgetNode(name) in actions
    slurm.wait_until(lambda: slurm.job_state(job) == "PENDING", 10, "the job to be requeued")
    assert slurm.job_field(job, "Restarts") == "1"
    # The requeued job is demand again: the group grows back, and the lost node is gone from Slurm.
    def recovered() -> bool:
        scale()
        return slurm.node_state(name) == "" and group("demo-gpu")["DesiredCapacity"] == 1

    slurm.wait_until(recovered, 15, "the node to be deleted and the group to grow back")
    assert not any(isinstance(action, TerminateNode) for action in actions)
