"""Which changes of a saved plan stop or replace what a running cluster works on (the head node, its volumes), in
plain words; an apply that would make them is refused unless the user confirms it as disruptive.

Read from `terraform show -json <planfile>` (core.lifecycle.read_plan): the plan that will be applied, not a guess
from cluster.yaml. Only the head node and the shared storage count: replacing a compute group's launch template
leaves running nodes be, and the node agent replaces nodes that go. Nor does the replacement of what Terraform
marked tainted: its creation never finished (an interrupted apply), so replacing it is that apply finishing, not a
change to a cluster that ran."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.suggest import cli

# An in-place change of these makes the AWS provider stop the instance, change it and start it again.
STOPPING_ATTRIBUTES = ("instance_type", "user_data", "user_data_base64", "cpu_options",
                       "capacity_reservation_specification")
ALLOW_FLAG = "--allow-disruptive"
REPLACE_ACTIONS = (["delete", "create"], ["create", "delete"])


@dataclass(frozen=True)
class Disruption:
    """One planned change that stops or replaces part of the running cluster; `consequence` says so to a user."""

    address: str
    consequence: str
    leaves_head_stopped: bool = False  # the AWS provider stops the head node to detach a volume, and starts it never


UNREADABLE_PLAN = Disruption(
    address="", consequence="clusterwiz could not read the saved plan (terraform show failed), so it cannot tell "
                            "whether applying it stops or replaces the head node or deletes a volume")


def plan_disruptions(show: Mapping[str, Any] | None) -> list[Disruption]:
    """What applying the plan (`terraform show -json` of it; None when it could not be read) disrupts, in plan
    order; empty when it disrupts nothing."""
    if show is None:
        return [UNREADABLE_PLAN]
    return [found for change in show.get("resource_changes", []) if (found := _disruption(change))]


def _disruption(change: Mapping[str, Any]) -> Disruption | None:
    if change.get("mode") != "managed" or change.get("action_reason") == "replace_because_tainted":
        return None
    module = str(change.get("module_address", "")).rsplit(".", 1)[-1]
    kind = change.get("type")
    body = change.get("change") or {}
    actions = body.get("actions", [])
    before, after = body.get("before") or {}, body.get("after") or {}
    if module == "head_node" and kind == "aws_instance":
        consequence = _head_node_consequence(actions, before, after)
    elif module == "storage" and kind in ("aws_volume_attachment", "aws_ebs_volume"):
        consequence = _storage_consequence(kind, actions, before, change.get("index"))
    else:
        return None
    if consequence is None:
        return None
    return Disruption(address=change["address"], consequence=consequence,
                      leaves_head_stopped=kind == "aws_volume_attachment")


def _head_node_consequence(actions: list[str], before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    if actions in REPLACE_ACTIONS:
        return ("the head node will be terminated and a new one started in its place: running jobs are lost, and so "
                "is everything on its root volume (Slurm's state, anything kept outside the shared volumes)")
    if actions == ["delete"]:
        return "the head node will be terminated: running jobs are lost, and its root volume is deleted"
    changed = [name for name in STOPPING_ATTRIBUTES if name in before and before.get(name) != after.get(name)]
    if actions == ["update"] and changed:
        what = ", ".join(_change_text(name, before.get(name), after.get(name)) for name in changed)
        return f"the head node will be stopped and started again ({what}): running jobs are lost"
    return None


def _storage_consequence(kind: str, actions: list[str], before: Mapping[str, Any], mount_dir: Any) -> str | None:
    replaced = actions in REPLACE_ACTIONS
    if not (replaced or actions == ["delete"]):
        return None
    if kind == "aws_volume_attachment":
        again = " and attached again" if replaced else ""
        return (f"the volume at {mount_dir} ({before.get('volume_id')}) will be detached{again}: the head node is "
                "stopped first and left stopped, so running jobs are lost and the cluster is down until it is "
                "started again")
    new_one = ", and a new empty one created" if replaced else ""
    return f"the shared volume at {mount_dir} ({before.get('id')}) will be deleted, with everything on it{new_one}"


def _change_text(name: str, before: Any, after: Any) -> str:
    if isinstance(before, str | int | float) and isinstance(after, str | int | float):
        return f"{name} {before} -> {after}"
    return f"{name} changes"


def describe_disruptions(disruptions: Sequence[Disruption]) -> str:
    """The warning both front-ends show before a disruptive apply: one line per consequence."""
    lines = "\n".join(f"  - {disruption.consequence}" for disruption in disruptions)
    return f"This change disrupts the running cluster:\n{lines}"


def start_again_hint(name: str, disruptions: Sequence[Disruption], *, sandbox: bool) -> str | None:
    """After a disruptive apply that leaves the head node stopped, how to start it again; None otherwise."""
    if any(disruption.leaves_head_stopped for disruption in disruptions):
        return f"The head node was left stopped; `{cli('start', name, sandbox=sandbox)}` starts the cluster again."
    return None


def must_confirm(name: str, disruptions: Sequence[Disruption], *, allowed: bool, can_ask: bool,
                 sandbox: bool) -> bool:
    """Whether the user must still confirm a disruptive plan, having read describe_disruptions(); `allowed` when
    they said beforehand that it may disrupt (--allow-disruptive), `can_ask` when there is someone to ask. Raises
    DisruptivePlan for a plan that may neither go ahead nor be asked about (a script)."""
    if not disruptions or allowed:
        return False
    if not can_ask:
        raise DisruptivePlan(name, disruptions, sandbox=sandbox)
    return True


class DisruptivePlan(ClusterwizError):
    """An apply that would stop or replace part of the running cluster, not confirmed as disruptive."""

    def __init__(self, name: str, disruptions: Sequence[Disruption], *, sandbox: bool):
        self.disruptions = list(disruptions)
        super().__init__(
            f"cluster {name!r} was not changed. {describe_disruptions(disruptions)}\n"
            f"If that is what you want, run `{cli('apply', name, ALLOW_FLAG, sandbox=sandbox)}` (best when no job "
            "runs); otherwise change cluster.yaml back and render it again.")
