"""Clusters applied for real by Terraform in one sandbox: one after the other, at the same time, and across a
restart of the sandbox."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.sandbox import ensure_emulator, running_emulator, sandbox_session
from clusterwiz.core.sandbox_seed import SANDBOX_REGION, current_image
from tests.sandbox.specs import sandbox_cluster_yaml
from tests.support.cli import clusterwiz, clusterwiz_json

pytestmark = [pytest.mark.terraform, pytest.mark.moto]



def render(home, tmp_path, name: str) -> None:
    config = tmp_path / f"{name}.yaml"
    config.write_text(sandbox_cluster_yaml(name))  # no volumes: no attachment waits
    clusterwiz(home, "--sandbox", "render", "--config", str(config))


def apply(home, name: str) -> dict:
    clusterwiz(home, "--sandbox", "--json", "apply", name)
    return clusterwiz_json(home, "--sandbox", "output", name)


def destroy(home, name: str) -> None:
    clusterwiz(home, "--sandbox", "destroy", name, "--yes")


def live(home, name: str) -> list:
    return tagged_resources(sandbox_session(ensure_emulator(home), None), SANDBOX_REGION, name)


def head_image(home, outputs: dict) -> str:
    ec2 = sandbox_session(ensure_emulator(home), None).client("ec2")
    reservation = ec2.describe_instances(InstanceIds=[outputs["head_node_instance_id"]])["Reservations"][0]
    return reservation["Instances"][0]["ImageId"]


def test_two_clusters_one_after_the_other(home, tmp_path, terraform_cli_config):
    render(home, tmp_path, "first")
    first = apply(home, "first")
    # The OS image came from the seeded account's SSM parameter, as it would from AWS.
    assert head_image(home, first) == current_image("ubuntu2404", "x86_64").ami_id

    render(home, tmp_path, "second")
    second = apply(home, "second")
    assert first["vpc_id"] != second["vpc_id"] and second["queue_groups"] == {"compute": "second-compute"}

    # SSH in the sandbox shows the command a real cluster would run, and runs nothing.
    shown = clusterwiz(home, "--sandbox", "ssh", "second", "--", "sinfo").stdout
    assert "Sandbox nodes are emulated" in shown and "ubuntu@" in shown and shown.rstrip().endswith("sinfo")

    destroy(home, "first")
    assert live(home, "first") == []
    assert live(home, "second")  # untouched by the other's destroy
    assert clusterwiz_json(home, "--sandbox", "output", "second") == second

    # A workshop creates `first` again: the emulator's memory of the old one does not block the name.
    render(home, tmp_path, "first")
    assert "Plan:" in clusterwiz(home, "--sandbox", "plan", "first").stdout
    clusterwiz(home, "--sandbox", "destroy", "first", "--yes")

    destroy(home, "second")
    assert live(home, "second") == []
    assert clusterwiz_json(home, "--sandbox", "list") == []


def test_two_clusters_at_the_same_time(home, tmp_path, terraform_cli_config):
    ensure_emulator(home)  # started once, then shared by both
    names = ("left", "right")
    for name in names:
        render(home, tmp_path, name)
    with ThreadPoolExecutor(2) as pool:
        outputs = dict(zip(names, pool.map(lambda name: apply(home, name), names), strict=True))
    assert outputs["left"]["vpc_id"] != outputs["right"]["vpc_id"]
    assert {name: outputs[name]["queue_groups"]["compute"] for name in names} == {
        "left": "left-compute", "right": "right-compute"}
    listing = clusterwiz_json(home, "--sandbox", "list")
    assert {(row["name"], row["status"]) for row in listing} == {("left", "applied"), ("right", "applied")}

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda name: destroy(home, name), names))
    assert live(home, "left") == [] and live(home, "right") == []
    assert clusterwiz_json(home, "--sandbox", "list") == []


def test_a_cluster_of_a_stopped_sandbox_shows_as_gone_and_is_forgotten(home, tmp_path, terraform_cli_config):
    render(home, tmp_path, "ephemeral")
    apply(home, "ephemeral")
    status = clusterwiz_json(home, "sandbox", "status")
    assert status["clusters"] == [{"name": "ephemeral", "status": "applied", "gone": False}]

    assert clusterwiz_json(home, "sandbox", "stop") == {"stopped": True, "gone": ["ephemeral"]}
    assert clusterwiz_json(home, "sandbox", "status")["clusters"][0]["gone"] is True

    # A later session starts a fresh sandbox: the cluster stays gone, and nothing crashes on the way.
    assert clusterwiz_json(home, "sandbox", "start")["running"] is True
    assert clusterwiz_json(home, "sandbox", "status")["clusters"][0]["gone"] is True
    assert live(home, "ephemeral") == []
    [listed] = clusterwiz_json(home, "--sandbox", "list")
    assert listed["status"] == "gone (sandbox stopped)"

    assert clusterwiz_json(home, "sandbox", "forget") == {"forgotten": ["ephemeral"]}
    assert clusterwiz_json(home, "--sandbox", "list") == []
    assert not (home / "sandbox" / "clusters" / "ephemeral").exists()
    assert running_emulator(home) is not None
