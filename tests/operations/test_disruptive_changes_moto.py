"""Changing a running cluster, applied for real by Terraform against moto's server through the CLI: a change of tags
touches no instance and no volume attachment; a change that stops or replaces the head node, or detaches a volume,
is refused by `apply --yes` with what it would do and how to go on, and applied with --allow-disruptive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.operations.test_operations_moto import REGION, prepare_account, write_spec
from tests.support.cli import clusterwiz

pytestmark = [pytest.mark.terraform, pytest.mark.moto]


def edit_spec(path: Path, change: dict[str, Any]) -> Path:
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data))
    return path


def head_node(cluster: str) -> dict[str, Any]:
    reservations = boto3.client("ec2", region_name=REGION).describe_instances(Filters=[
        {"Name": "tag:clusterwiz:cluster", "Values": [cluster]}, {"Name": "tag:clusterwiz:role", "Values": ["head"]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])["Reservations"]
    [instance] = [instance for reservation in reservations for instance in reservation["Instances"]]
    return instance


def attachment(volume_id: str) -> dict[str, Any]:
    [attached] = boto3.client("ec2", region_name=REGION).describe_volumes(VolumeIds=[volume_id])["Volumes"][0][
        "Attachments"]
    return attached


def apply_summary(stdout: str) -> tuple[int, int, int]:
    [summary] = [event for event in map(json.loads, stdout.splitlines())
                 if event["type"] == "ChangeSummary" and event["operation"] == "apply"]
    return summary["add"], summary["change"], summary["remove"]


def test_a_tag_change_on_a_running_cluster_updates_tags_and_touches_no_instance_or_attachment(
        moto, terraform_cli_config, tmp_path):
    ami_id, existing = prepare_account()
    home = tmp_path / "home"
    spec = edit_spec(write_spec(tmp_path / "cluster.yaml", "tagged", ami_id, existing), {"tags": {"owner": "x"}})
    clusterwiz(home, "render", "--config", str(spec))
    clusterwiz(home, "--json", "apply", "tagged")
    head, attached = head_node("tagged"), attachment(existing)

    clusterwiz(home, "render", "--config", str(edit_spec(spec, {"tags": {"owner": "y"}})))
    result = clusterwiz(home, "--json", "apply", "tagged", "--yes")

    added, changed, removed = apply_summary(result.stdout)
    assert (added, removed) == (0, 0) and changed > 0
    after = head_node("tagged")
    assert (after["InstanceId"], after["State"]["Name"]) == (head["InstanceId"], "running")
    assert {tag["Key"]: tag["Value"] for tag in after["Tags"]}["owner"] == "y"
    assert attachment(existing) == attached  # same instance, device and attach time: never detached


def test_a_change_that_stops_the_head_node_is_refused_unless_allowed_as_disruptive(moto, terraform_cli_config,
                                                                                      tmp_path):
    ami_id, existing = prepare_account()
    home = tmp_path / "home"
    spec = write_spec(tmp_path / "cluster.yaml", "busy", ami_id, existing)
    clusterwiz(home, "render", "--config", str(spec))
    clusterwiz(home, "--json", "apply", "busy")
    head = head_node("busy")
    data = yaml.safe_load(spec.read_text())
    edit_spec(spec, {"head_node": {**data["head_node"], "instance_type": "t3.large"}})
    clusterwiz(home, "render", "--config", str(spec))

    stopping = "the head node will be stopped and started again (instance_type t3.medium -> t3.large)"
    planned = clusterwiz(home, "plan", "busy")
    assert stopping in " ".join(planned.stdout.split())
    refused = clusterwiz(home, "apply", "busy", "--yes", check=False)
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert f"cluster 'busy' was not changed. This change disrupts the running cluster: - {stopping}: running jobs " \
           "are lost" in said
    assert "run `clusterwiz apply busy --allow-disruptive`" in said
    assert (head_node("busy")["InstanceType"], head_node("busy")["State"]["Name"]) == ("t3.medium", "running")

    allowed = clusterwiz(home, "--json", "apply", "busy", "--yes", "--allow-disruptive")
    assert stopping in " ".join(allowed.stderr.split())
    after = head_node("busy")
    assert (after["InstanceId"], after["InstanceType"], after["State"]["Name"]) == (head["InstanceId"], "t3.large",
                                                                                    "running")

    # Taking the existing volume out of the spec detaches it, which stops the head node and leaves it stopped.
    edit_spec(spec, {"shared_storage": [data["shared_storage"][0]]})
    clusterwiz(home, "render", "--config", str(spec))
    refused = clusterwiz(home, "--json", "apply", "busy", "--yes", check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert (f"the volume at /data ({existing}) will be detached: the head node is stopped first and left stopped"
            in " ".join(refused.stderr.split()))
    assert attachment(existing)["InstanceId"] == head["InstanceId"]
