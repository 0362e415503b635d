"""One pass of the scaler on the head node: read Slurm and the fleet, decide, act, log what it did."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from typing import Callable

from . import slurm_cli
from .autoscaling import Fleet
from .budget import LEDGER_FILE, check_budget
from .expiry import EXPIRES_TAG, EXPIRY_STATE_FILE, check_expiry
from .idle import IDLE_STATE_FILE, STOP_FAILED, STOPPED_BY_TAG, check_idle
from .scaling import Action, ForgetNode, ReplaceNode, SetDesired, TerminateNode, decide


@dataclass(frozen=True)
class ScalerConfig:
    cluster_name: str
    region: str
    idle_limit_seconds: float
    group_queues: dict[str, str]  # group name -> queue name
    node_cpus: dict[str, int]  # queue name -> vCPUs of its smallest instance type, where the render knew them
    idle_stop_seconds: float | None = None  # the whole cluster stops after this long unused; None: never
    prices: dict | None = None  # fixed at render: {"instance": {type: $/h}, "volume": {type: $/GiB-month}}


def load_scaler_config(path: str) -> ScalerConfig:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return ScalerConfig(cluster_name=data["cluster_name"], region=data["region"],
                        idle_limit_seconds=60.0 * data["scaledown_idle_minutes"],
                        group_queues={queue["group_name"]: queue["name"] for queue in data["queues"]},
                        node_cpus={queue["name"]: queue["node_cpus"] for queue in data["queues"] if queue["node_cpus"]},
                        idle_stop_seconds=None if data.get("idle_stop_minutes") is None
                        else 60.0 * data["idle_stop_minutes"], prices=data.get("prices"))


def apply_action(action: Action, fleet: Fleet, log: Callable[[str], None]) -> None:
    if isinstance(action, SetDesired):
        fleet.set_desired(action.group, action.desired)
        log(f"set desired capacity of {action.group} to {action.desired}")
    elif isinstance(action, TerminateNode):
        # Drain first: a job the scheduler placed since we looked keeps its node.
        slurm_cli.set_node_state(action.node, "DRAIN", "clusterwiz-scale-down")
        if slurm_cli.node_jobs(action.node):
            slurm_cli.set_node_state(action.node, "RESUME")
            log(f"kept {action.node}: it took a job while being scaled down")
            return
        fleet.terminate(action.instance_id)
        slurm_cli.delete_node(action.node)
        log(f"terminated idle {action.node} ({action.instance_id}) through {action.group}")
    elif isinstance(action, ReplaceNode):
        fleet.terminate(action.instance_id, decrement=action.decrement)
        log(f"replaced {action.instance_id} of {action.group}: {action.reason}")
    elif isinstance(action, ForgetNode):
        slurm_cli.set_node_state(action.node, "DOWN", "clusterwiz-instance-gone")
        log(f"marked {action.node} down: its instance left the fleet, so its jobs requeue")
        try:
            slurm_cli.delete_node(action.node)
        except subprocess.CalledProcessError as error:
            # Requeued jobs may still be completing there; the next pass deletes the node.
            log(f"will delete {action.node} next pass: {error.stderr.strip()}")


def scale_once(config: ScalerConfig, fleet: Fleet, log: Callable[[str], None] = print,
               now: float | None = None) -> list[Action]:
    groups = fleet.groups(config.group_queues)
    queues = sorted(config.group_queues.values())
    jobs = slurm_cli.pending_jobs()
    nodes = slurm_cli.cluster_nodes(queues, time.time() if now is None else now)
    actions = decide(groups, jobs, nodes, config.idle_limit_seconds, config.node_cpus)
    for action in actions:
        apply_action(action, fleet, log)
    return actions


def stop_cluster(config: ScalerConfig, fleet: Fleet, head_instance_id: str, reason: str,
                 log: Callable[[str], None] = print) -> None:
    """Every group to 0 nodes, then this head node stopped: only the volumes bill until `clusterwiz start`.

    Slurm forgets the compute nodes first: kept in its saved state, they would take the first jobs after the
    start, before the scaler's first pass finds their instances gone, and those jobs would wait to be requeued."""
    for group in sorted(config.group_queues):
        fleet.stop_group(group)
        log(f"stopped {group}: no node until `clusterwiz start`")
    try:
        for node in slurm_cli.cluster_nodes(sorted(config.group_queues.values())):
            apply_action(ForgetNode(node.name), fleet, log)
    except (subprocess.CalledProcessError, OSError) as error:
        # The stop goes on: a node Slurm keeps is forgotten by the scaler's first pass after the start.
        log(f"Slurm did not answer, so it keeps its nodes until the next start: {error}")
    from botocore.exceptions import ClientError

    try:
        fleet.stop_head(head_instance_id, reason, STOPPED_BY_TAG)
    except ClientError as refused:
        # Said where clusterwiz status looks: the head node bills on, and only its owner can stop it now.
        said = f"{STOP_FAILED}{reason} ({refused.response['Error'].get('Code', 'refused')})"
        fleet.ec2.create_tags(Resources=[head_instance_id], Tags=[{"Key": STOPPED_BY_TAG, "Value": said[:256]}])
        log(f"could not stop this head node ({head_instance_id}): {refused}")
        return
    log(f"stopping this head node ({head_instance_id}): {reason}")


def scaler_pass(config: ScalerConfig, fleet: Fleet, head_instance_id: str, log: Callable[[str], None] = print,
                now: float | None = None, state_files: tuple[str, str] = (EXPIRY_STATE_FILE, IDLE_STATE_FILE),
                ledger_file: str = LEDGER_FILE) -> None:
    """What the scaler's timer runs: count the spend, scale the fleet unless the budget is spent, then stop the
    whole cluster if its budget is spent, it expired or sat unused."""
    def stop(reason: str) -> None:
        stop_cluster(config, fleet, head_instance_id, reason, log)

    budget = config.prices and check_budget(config, fleet, head_instance_id, stop, log, now, ledger_file)
    if budget == "stop":
        return
    if budget != "over":
        scale_once(config, fleet, log, now)
    expiry_file, idle_file = state_files
    if check_expiry(fleet.tag_of(head_instance_id, EXPIRES_TAG), stop, log, now, expiry_file) == "stop":
        return
    if config.idle_stop_seconds is not None:
        check_idle(config.idle_stop_seconds, stop, log, now, idle_file)
