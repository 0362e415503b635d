"""Which changes of a plan (`terraform show -json`'s resource_changes) disrupt a running cluster, in the words a
user reads, and when an apply of them must be confirmed or is refused. The moto tests in
tests/operations/test_disruptive_changes_moto.py see the same from plans Terraform really made."""

from __future__ import annotations

import pytest

from clusterwiz.core.disruption import DisruptivePlan, describe_disruptions, must_confirm, plan_disruptions

HEAD = "module.cluster.module.head_node"
STORAGE = "module.cluster.module.storage"


def change(module: str, kind: str, name: str, actions: list[str], before: dict | None = None,
           after: dict | None = None, index: str | None = None, mode: str = "managed") -> dict:
    key = f'["{index}"]' if index else ""
    return {"address": f"{module}.{kind}.{name}{key}", "module_address": module, "mode": mode, "type": kind,
            "name": name, **({"index": index} if index else {}),
            "change": {"actions": actions, "before": before, "after": after}}


HEAD_BEFORE = {"instance_type": "t3.medium", "tags": {"owner": "x"}}


@pytest.mark.parametrize(("resource_change", "consequence"), [
    (change(HEAD, "aws_instance", "head", ["delete", "create"], HEAD_BEFORE, HEAD_BEFORE),
     "the head node will be terminated and a new one started in its place: running jobs are lost"),
    (change(HEAD, "aws_instance", "head", ["create", "delete"], HEAD_BEFORE, HEAD_BEFORE),
     "the head node will be terminated and a new one started in its place"),
    (change(HEAD, "aws_instance", "head", ["delete"], HEAD_BEFORE),
     "the head node will be terminated: running jobs are lost, and its root volume is deleted"),
    (change(HEAD, "aws_instance", "head", ["update"], HEAD_BEFORE, {**HEAD_BEFORE, "instance_type": "t3.large"}),
     "the head node will be stopped and started again (instance_type t3.medium -> t3.large): running jobs are lost"),
    (change(STORAGE, "aws_volume_attachment", "head", ["delete", "create"], {"volume_id": "vol-1"}, {},
            index="/data"),
     "the volume at /data (vol-1) will be detached and attached again: the head node is stopped first and left "
     "stopped"),
    (change(STORAGE, "aws_volume_attachment", "head", ["delete"], {"volume_id": "vol-1"}, index="/data"),
     "the volume at /data (vol-1) will be detached: the head node is stopped first and left stopped"),
    (change(STORAGE, "aws_ebs_volume", "new", ["delete"], {"id": "vol-2"}, index="/shared"),
     "the shared volume at /shared (vol-2) will be deleted, with everything on it"),
    (change(STORAGE, "aws_ebs_volume", "new", ["delete", "create"], {"id": "vol-2"}, {}, index="/shared"),
     "the shared volume at /shared (vol-2) will be deleted, with everything on it, and a new empty one created"),
])
def test_a_change_that_stops_replaces_or_deletes_what_the_cluster_runs_on_is_disruptive(resource_change, consequence):
    [disruption] = plan_disruptions({"resource_changes": [resource_change]})
    assert disruption.address == resource_change["address"]
    assert disruption.consequence.startswith(consequence)
    assert disruption.leaves_head_stopped == (resource_change["type"] == "aws_volume_attachment")


@pytest.mark.parametrize("resource_change", [
    change(HEAD, "aws_instance", "head", ["update"], HEAD_BEFORE, {**HEAD_BEFORE, "tags": {"owner": "y"}}),
    change(HEAD, "aws_instance", "head", ["create"], None, HEAD_BEFORE),
    change(STORAGE, "aws_volume_attachment", "head", ["create"], None, {"volume_id": "vol-1"}, index="/data"),
    change(STORAGE, "aws_ebs_volume", "new", ["update"], {"id": "vol-2", "size": 20}, {"id": "vol-2", "size": 40},
           index="/shared"),
    change(STORAGE, "aws_ebs_volume", "existing", ["read"], None, {"id": "vol-1"}, index="/data", mode="data"),
    # A head node whose creation an interrupted apply left unfinished: replacing it finishes that apply.
    {**change(HEAD, "aws_instance", "head", ["delete", "create"], HEAD_BEFORE, HEAD_BEFORE),
     "action_reason": "replace_because_tainted"},
    # A queue's group replaced: the node agent starts the nodes a queue needs again; not the head node's work.
    change("module.cluster.module.compute_fleet", "aws_autoscaling_group", "queue", ["delete", "create"], {}, {},
           index="compute"),
])
def test_tags_new_resources_and_in_place_changes_disrupt_nothing(resource_change):
    assert plan_disruptions({"resource_changes": [resource_change]}) == []


def test_a_plan_that_cannot_be_read_counts_as_disruptive():
    [unreadable] = plan_disruptions(None)
    assert "could not read the saved plan" in unreadable.consequence


def test_a_disruptive_plan_is_confirmed_when_someone_can_be_asked_and_refused_in_a_script():
    disruptions = plan_disruptions({"resource_changes": [
        change(HEAD, "aws_instance", "head", ["delete"], HEAD_BEFORE)]})
    assert must_confirm("demo", disruptions, allowed=False, can_ask=True, sandbox=False)
    assert not must_confirm("demo", disruptions, allowed=True, can_ask=False, sandbox=False)
    assert not must_confirm("demo", [], allowed=False, can_ask=False, sandbox=False)
    with pytest.raises(DisruptivePlan) as refused:
        must_confirm("demo", disruptions, allowed=False, can_ask=False, sandbox=True)
    message = str(refused.value)
    assert message.startswith(f"cluster 'demo' was not changed. {describe_disruptions(disruptions)}\n")
    assert "`clusterwiz apply demo --allow-disruptive --sandbox`" in message
