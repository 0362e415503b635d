"""slurm.conf for the whole cluster: one partition per queue, filled by dynamic nodes of that queue."""

from __future__ import annotations

import re

from .layout import Layout
from .params import ClusterParams, QueueParams

# Keeps job start latency under a second and cancels jobs whose dependency can never be met.
SCHEDULER_PARAMETERS = "batch_sched_delay=0,sched_interval=2"
# Under /run, created by the slurmctld unit's drop-in (generate.slurmctld_dropin) for SlurmUser.
SLURMCTLD_RUNTIME_DIRECTORY = "slurmctld"


def node_name(queue: str, instance_id: str) -> str:
    """A dynamic node's Slurm name; the scaler maps it back to its instance with instance_of()."""
    return f"{queue}-{instance_id[2:]}"


def instance_of(name: str) -> str:
    return "i-" + name.rsplit("-", 1)[1]


STAND_IN_SUFFIX = "-standin"
# What slurmd -Z reports of an instance's memory is less than its type's: the kernel keeps some.
USABLE_MEMORY_FRACTION = 0.9


def stand_in_nodes(queue: QueueParams) -> str:
    """FUTURE nodes of the queue's size, up to its max: never booted, they let Slurm accept a job while the queue
    has no node yet (Slurm 23.11+ refuses jobs for an empty partition), and refuse one that could never fit."""
    names = f"{queue.name}{STAND_IN_SUFFIX}[1-{queue.max_nodes}]"
    size = f" CPUs={queue.node_cpus}" if queue.node_cpus else ""
    if queue.node_memory_mib:
        size += f" RealMemory={int(queue.node_memory_mib * USABLE_MEMORY_FRACTION)}"
    return f"NodeName={names} State=FUTURE Feature={queue.name}{size}"


def is_stand_in(queue: str, name: str) -> bool:
    return re.fullmatch(re.escape(queue + STAND_IN_SUFFIX) + r"\d+", name) is not None


def nodeset_name(queue: str) -> str:
    return "ns_" + queue.replace("-", "_")


def controller_lines(cluster_name: str, layout: Layout, controller_host: str, controller_addr: str) -> list[str]:
    """Where the controller is and where every daemon keeps its files: the part any cluster shares."""
    lines = [
        f"ClusterName={cluster_name}",
        f"SlurmctldHost={controller_host}({controller_addr})",
        f"SlurmctldPort={layout.slurmctld_port}",
        f"SlurmdPort={layout.slurmd_port}",
        f"SlurmUser={layout.slurm_user}",
        "AuthType=auth/munge",
    ]
    if layout.munge_socket:
        lines.append(f"AuthInfo=socket={layout.munge_socket}")
    return lines + [
        f"StateSaveLocation={layout.state_dir}",
        f"SlurmdSpoolDir={layout.spool_dir}/%n",
        f"SlurmctldPidFile={layout.pid_dir}/{SLURMCTLD_RUNTIME_DIRECTORY}/slurmctld.pid",
        f"SlurmdPidFile={layout.pid_dir}/slurmd-%n.pid",
        f"SlurmctldLogFile={layout.log_dir}/slurmctld.log",
        f"SlurmdLogFile={layout.log_dir}/slurmd-%n.log",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        f"SchedulerParameters={SCHEDULER_PARAMETERS}",
        "DependencyParameters=kill_invalid_depend",
    ]


def render_slurm_conf(params: ClusterParams, layout: Layout, controller_host: str, controller_addr: str) -> str:
    lines = ["# Written by clusterwiz at boot from /opt/clusterwiz/params.json; rewritten on every bootstrap."]
    lines += controller_lines(params.cluster_name, layout, controller_host, controller_addr)
    lines += [
        # Nodes come and go with the fleet: they register themselves (slurmd -Z) up to max_nodes per queue, beside
        # as many stand-ins.
        f"MaxNodeCount={2 * sum(queue.max_nodes for queue in params.queues)}",
        "TreeWidth=65533",
        "ReturnToService=2",
        # A node lost with its instance (spot interruption) is noticed within a minute; its jobs requeue.
        "SlurmdTimeout=60",
        "JobRequeue=1",
    ]
    for index, queue in enumerate(params.queues):
        nodeset = nodeset_name(queue.name)
        default = " Default=YES" if index == 0 else ""
        lines.append(stand_in_nodes(queue))
        lines.append(f"NodeSet={nodeset} Feature={queue.name}")
        lines.append(f"PartitionName={queue.name} Nodes={nodeset}{default} MaxTime=INFINITE State=UP")
    return "\n".join(lines) + "\n"


def slurmd_arguments(layout: Layout, queue: str, instance_id: str) -> list[str]:
    """How a compute node's slurmd joins its queue's partition as a dynamic node."""
    return ["-f", layout.slurm_conf, "-Z", "-N", node_name(queue, instance_id), "--conf", f"Feature={queue}"]
