"""The cluster around a pipeline: created first when asked (--create), destroyed after (--teardown-after).

This is what the Step Functions state machine did around the jobs; here it reuses the lifecycle
(render, pre-flight, plan, apply) every other command uses. The registry entry is kept after the
teardown so the pipeline's record and outputs stay readable; `clusterwiz destroy NAME` forgets it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.lifecycle import EventCallback, Workspace

BOOTSTRAP_TAG = "clusterwiz:bootstrap"
READY_TIMEOUT_S = 30 * 60  # package installs on a fresh head node take minutes
READY_POLL_S = 10.0


def create_cluster(workspace: Workspace, name: str, config: Path | None, force: bool,
                   on_event: EventCallback | None = None) -> bool:
    """Apply the cluster unless it already has resources; register it from config first when given.
    Returns whether it was created now."""
    from clusterwiz.core.lifecycle import apply_plan, check_preflight, render_cluster, terraform_session
    from clusterwiz.core.spec import ClusterSpec

    registry = workspace.registry
    if config is not None:
        spec = ClusterSpec.load(config)
        if spec.name != name:
            raise ClusterwizError(f"{config} describes cluster {spec.name!r}, not {name!r}; pass --cluster "
                                  f"{spec.name}, or change name in {config}")
    elif registry.exists(name):
        spec = registry.get(name).spec
    else:
        raise ClusterwizError(f"there is no cluster named {name!r} to create; pass --config cluster.yaml with "
                              "--create (make one with `clusterwiz new`)")
    if registry.exists(name) and registry.get(name).managed_resources() > 0:
        return False
    render_cluster(workspace, spec)
    check_preflight(workspace, spec, force)
    with terraform_session(workspace, name) as (record, runner):
        plan = runner.plan(on_event=on_event)
        if not plan.has_changes:
            plan.plan_file.unlink(missing_ok=True)
            return False
        apply_plan(workspace, record, runner, plan, on_event=on_event)
    return True


def wait_until_head_ready(workspace: Workspace, name: str, timeout: float = READY_TIMEOUT_S,
                          poll: float = READY_POLL_S, sleep: Callable[[float], None] = time.sleep,
                          on_wait: Callable[[str], None] | None = None) -> None:
    """Until the head node tags itself clusterwiz:bootstrap=ready (Slurm is up); fails on failed:<step>."""
    from clusterwiz.core.aws.errors import aws_errors
    from clusterwiz.core.lifecycle import cluster_outputs

    record = workspace.registry.get(name)
    instance_id = cluster_outputs(workspace, name)["head_node_instance_id"]
    ec2 = workspace.session.client("ec2", region=record.spec.region)
    deadline = time.monotonic() + timeout
    while True:
        with aws_errors("ec2:DescribeInstances", record.spec.region):
            reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        tags = {tag["Key"]: tag["Value"] for reservation in reservations for instance in reservation["Instances"]
                for tag in instance.get("Tags", [])}
        state = tags.get(BOOTSTRAP_TAG, "starting")
        if state == "ready":
            return
        if state.startswith("failed:"):
            raise ClusterwizError(f"the head node of {name} failed to set up at step {state[7:]!r}; read "
                                  "/var/log/clusterwiz-bootstrap.log on it (`clusterwiz ssh "
                                  f"{name}`), fix the cause, then `clusterwiz destroy {name}` and try again")
        if time.monotonic() > deadline:
            raise ClusterwizError(f"the head node of {name} was not ready after {timeout / 60:.0f} minutes "
                                  f"(last step: {state}); check it with `clusterwiz status {name}`")
        if on_wait is not None:
            on_wait(state)
        sleep(poll)


def teardown_cluster(workspace: Workspace, name: str, on_event: EventCallback | None = None) -> list[str]:
    """Destroy everything the cluster created; returns what is still tagged with it (should be nothing).

    The cluster stays registered (status destroyed), so its pipelines and their outputs stay readable.
    """
    from clusterwiz.core.lifecycle import destroy_cluster

    return [leftover.arn for leftover in destroy_cluster(workspace, name, on_event, forget=False).leftovers]
