"""The generated configuration on a real slurmctld and dynamic slurmd (Debian's Slurm 22.05)."""

from __future__ import annotations

from clusterwiz.node.generate import head_files
from clusterwiz.node.params import ClusterParams
from clusterwiz.node.slurm_conf import node_name, slurmd_arguments
from tests.support.slurm import LocalSlurm, static_slurm_conf


def start_generated_controller(slurm: LocalSlurm, params: ClusterParams) -> None:
    tree = head_files(params, slurm.layout, "localhost", "127.0.0.1")
    slurm.start_controller(tree[slurm.layout.slurm_conf].content)


def test_each_queue_gets_a_partition_that_its_dynamic_nodes_join_and_run_jobs_in(
        slurm: LocalSlurm, head_params: ClusterParams) -> None:
    start_generated_controller(slurm, head_params)
    partitions = slurm.run("sinfo", "-h", "-o", "%P").split()
    assert partitions == ["compute*", "gpu-spot"]
    # One dynamic slurmd at a time: they would share this host's SlurmdPort.
    for queue, instance_id in (("compute", "i-0aaaaaaaaaaaaaaa1"), ("gpu-spot", "i-0bbbbbbbbbbbbbbb2")):
        name = node_name(queue, instance_id)
        slurm.start_node(name, slurmd_arguments(slurm.layout, queue, instance_id))
        assert slurm.run("sinfo", "-h", "-N", "-n", name, "-o", "%P").split() == [
            "compute*" if queue == "compute" else queue]
        job = slurm.submit("-p", queue, "-o", f"{slurm.root}/job-%j.out", "--wrap", "echo ran on $SLURMD_NODENAME")
        slurm.wait_for_job(job, "COMPLETED")
        assert (slurm.root / f"job-{job}.out").read_text() == f"ran on {name}\n"
        assert slurm.job_field(job, "NodeList") == name
        slurm.stop_node(name)
        slurm.run("scontrol", "delete", f"NodeName={name}")


def test_a_job_for_an_empty_queue_waits_as_demand_instead_of_being_refused(
        slurm: LocalSlurm, head_params: ClusterParams) -> None:
    start_generated_controller(slurm, head_params)
    job = slurm.submit("-p", "gpu-spot", "-N", "2", "--wrap", "true")
    assert slurm.job_state(job) == "PENDING"
    assert slurm.run("squeue", "-h", "-j", job, "-o", "%P|%D").strip() == "gpu-spot|2"


def test_the_static_test_cluster_runs_a_job(slurm: LocalSlurm) -> None:
    """The fixture's one-node cluster that other tests (the job runner) start from."""
    slurm.start_controller(static_slurm_conf(slurm.layout))
    slurm.start_node("localhost", [])
    job = slurm.submit("--wrap", "true")
    slurm.wait_for_job(job, "COMPLETED")
