"""The generated configuration on a real slurmctld and dynamic slurmd (Debian's Slurm 22.05)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from clusterwiz.node.generate import head_files
from clusterwiz.node.params import ClusterParams, parse_params
from clusterwiz.node.scaling import nodes_needed
from clusterwiz.node.slurm_cli import pending_jobs
from clusterwiz.node.slurm_conf import STAND_IN_SUFFIX, node_name, slurmd_arguments
from tests.node.conftest import head_params_data
from tests.support.slurm import LocalSlurm, static_slurm_conf

# What the render passes for the smallest instance type of each queue (c6i.large; g5.xlarge).
COMPUTE_CPUS, COMPUTE_MEMORY_MIB = 2, 4096


@pytest.fixture
def sized_params() -> ClusterParams:
    data = head_params_data()
    data["queues"][0].update(instance_types=["c6i.large"], node_cpus=COMPUTE_CPUS, node_memory_mib=COMPUTE_MEMORY_MIB)
    data["queues"][1].update(node_cpus=4, node_memory_mib=16384)
    return parse_params(data)


@pytest.fixture
def scaler_env(slurm: LocalSlurm, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scaler's Slurm commands reach this Slurm, as its unit's SLURM_CONF makes them on the head node."""
    monkeypatch.setenv("SLURM_CONF", str(slurm.conf_path))


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


@pytest.mark.usefixtures("scaler_env")
def test_pending_jobs_read_from_squeue_carry_their_cpus_and_every_partition_they_name(
        slurm: LocalSlurm, sized_params: ClusterParams) -> None:
    start_generated_controller(slurm, sized_params)
    for arguments in (["-p", "compute", "-n", "8"], ["-p", "compute,gpu-spot", "-n", "2", "-c", "2"],
                      ["-p", "compute", "-N", "3"], ["-p", "gpu-spot", "--array=1-3"]):
        slurm.submit("--hold", *arguments, "--wrap", "true")
    pending = pending_jobs()
    # Its node count is Slurm's to guess (22.05 guesses from the stand-ins, and may differ from later releases).
    assert Counter((job.partitions, job.cpus, job.min_cpus_per_node, job.reason) for job in pending) == Counter({
        (("compute",), 8, 1, "JobHeldUser"): 1,
        (("compute", "gpu-spot"), 4, 2, "JobHeldUser"): 1,
        (("compute",), 3, 1, "JobHeldUser"): 1,
        (("gpu-spot",), 1, 1, "JobHeldUser"): 3,
    })
    assert sorted(nodes_needed(job, COMPUTE_CPUS) for job in pending if "compute" in job.partitions) == [2, 3, 4]


@pytest.mark.usefixtures("scaler_env")
def test_slurm_places_a_job_by_its_cpus_not_its_memory_so_the_scaler_counts_no_memory(
        slurm: LocalSlurm, sized_params: ClusterParams) -> None:
    """SelectTypeParameters=CR_Core: memory is no consumable resource, so Slurm packs tasks by CPUs alone, and a
    per-node request above a node's memory is refused at submission. More nodes for memory would only idle."""
    start_generated_controller(slurm, sized_params)
    stand_in = slurm.run("scontrol", "-o", "--future", "show", "node", f"compute{STAND_IN_SUFFIX}1")
    usable = int(re.search(r"\bRealMemory=(\d+)", stand_in).group(1))  # what a node of the type registers
    with pytest.raises(RuntimeError, match="Memory specification can not be satisfied"):
        slurm.submit("-p", "compute", f"--mem={usable + 1}", "--wrap", "true")
    job = slurm.submit("-p", "compute", "-n", str(COMPUTE_CPUS), f"--mem-per-cpu={usable}", "--wrap", "true")
    (pending,) = pending_jobs()
    assert nodes_needed(pending, COMPUTE_CPUS) == 1
    instance_id = "i-0aaaaaaaaaaaaaaa1"
    name = node_name("compute", instance_id)
    arguments = slurmd_arguments(slurm.layout, "compute", instance_id)
    # Register as the instance type would, whatever this host has.
    arguments[-1] += f" CPUs={COMPUTE_CPUS} RealMemory={usable}"
    slurm.start_node(name, arguments)
    slurm.wait_for_job(job, "COMPLETED")
    assert slurm.job_field(job, "NumNodes") == "1"
    slurm.stop_node(name)


def test_slurm_refuses_a_gpu_request_so_no_gpu_demand_waits(slurm: LocalSlurm, sized_params: ClusterParams) -> None:
    """No GresTypes: nodes declare no GPUs to Slurm, so a GPU job never pends. Once they do, the scaler has to
    count GPUs per node as it counts CPUs."""
    start_generated_controller(slurm, sized_params)
    for request in ("--gres=gpu:1", "--gpus=1"):
        with pytest.raises(RuntimeError, match="Invalid generic resource"):
            slurm.submit("-p", "gpu-spot", request, "--wrap", "true")
