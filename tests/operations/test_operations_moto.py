"""A cluster's operations, applied for real by Terraform against moto's server: status, stop and start the
fleet and all of it, destroy with snapshots; and an apply interrupted midway, then destroyed to nothing."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import boto3
import pytest
import yaml

from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.cost import PUBLIC_IPV4_USD_PER_HOUR
from clusterwiz.core.events import Event, ResourceStarted
from clusterwiz.core.jobs.head import connect
from clusterwiz.core.lifecycle import Workspace, apply_plan, cluster_outputs, render_cluster, terraform_session
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.status import STOPPED_BY_TAG, cluster_status, state_label
from clusterwiz.core.teardown import (
    FLEET_SIZES_FILE,
    SNAPSHOT_OF_TAG,
    cluster_snapshots,
    find_leftovers,
)
from clusterwiz.core.terraform import TerraformInterrupted
from clusterwiz.node.autoscaling import Fleet
from clusterwiz.node.scaler import ScalerConfig, stop_cluster
from tests.support.cli import clusterwiz, clusterwiz_json
from tests.support.specs import FULL_CLUSTER_YAML

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

REGION = "eu-west-2"
ZONE = "eu-west-2a"


def prepare_account() -> tuple[str, str]:
    """A key pair, an AMI and an existing volume, as a user's account has them; returns (ami, volume)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.import_key_pair(KeyName="lab", PublicKeyMaterial=b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u"
                                                          b"+g9pTh+wyqDHpSQEQQ5ZTtzDtq lab")
    existing = ec2.create_volume(AvailabilityZone=ZONE, Size=2, VolumeType="gp3")["VolumeId"]
    return ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"], existing


def write_spec(path: Path, name: str, ami_id: str, existing_volume: str | None = None) -> Path:
    """The foundation issue's full cluster under another name, with this account's AMI and volume."""
    data = yaml.safe_load(FULL_CLUSTER_YAML)
    key_file = path.parent / "lab.pem"
    key_file.write_text("the private key of the key pair 'lab'\n")
    key_file.chmod(0o600)
    data.update(name=name, ami_id=ami_id, key_pair="lab", ssh_key_file=str(key_file))
    if existing_volume:
        data["shared_storage"][1]["volume_id"] = existing_volume
    else:
        del data["shared_storage"]
    path.write_text(ClusterSpec.model_validate(data).to_yaml())
    return path


def group_sizes(cluster: str) -> dict[str, tuple[int, int, int]]:
    autoscaling = boto3.client("autoscaling", region_name=REGION)
    groups = autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=[f"{cluster}-compute", f"{cluster}-spot"])["AutoScalingGroups"]
    return {g["AutoScalingGroupName"].rsplit("-", 1)[-1]: (g["MinSize"], g["DesiredCapacity"], g["MaxSize"])
            for g in groups}


def states(status: dict, role: str) -> list[str]:
    return [i["state"] for i in status["instances"] if i["role"] == role]


def test_status_stop_start_and_destroy_with_snapshots(moto, terraform_cli_config, tmp_path):
    ami_id, existing = prepare_account()
    home = tmp_path / "home"
    clusterwiz(home, "render", "--config", str(write_spec(tmp_path / "cluster.yaml", "ops", ami_id, existing)))
    clusterwiz(home, "--json", "apply", "ops")

    status = clusterwiz_json(home, "status", "ops")
    assert states(status, "head") == ["running"] and states(status, "compute") == ["running"]
    compute = next(i for i in status["instances"] if i["role"] == "compute")
    assert (compute["queue"], compute["instance_type"], compute["availability_zone"]) == ("compute", "c5.large", ZONE)
    assert {g["queue"]: (g["min_size"], g["desired"], g["max_size"], g["in_service"]) for g in status["groups"]} == {
        "compute": (0, 1, 4, 1), "spot": (0, 0, 3, 0)}
    volumes = {v["volume_id"]: v for v in status["volumes"]}
    assert volumes[existing]["existing"] and volumes[existing]["attached_to"]
    shared = next(v for v in status["volumes"] if v["name"] == "ops:/shared")
    assert (shared["size_gib"], shared["existing"], bool(shared["attached_to"])) == (20, False, True)
    # t3.medium + c5.large from the bundled price snapshot (moto has no Pricing API), each public IPv4 address, and
    # storage on top. moto gives the head node its address but not a group's instances the one their launch
    # template asks for (AWS does). The node's root volume goes with it when the fleet stops.
    cost = status["cost"]
    addresses = {i["role"]: PUBLIC_IPV4_USD_PER_HOUR if i["public_ip"] else 0.0 for i in status["instances"]}
    assert (cost["head_node_per_hour"], cost["compute_nodes_per_hour"]) == (pytest.approx(0.04942),
                                                                           pytest.approx(0.10098))
    assert addresses["head"] and cost["public_ipv4_per_hour"] == pytest.approx(sum(addresses.values()))
    assert cost["per_hour"] > 0.04942 + 0.10098 + cost["public_ipv4_per_hour"]
    node_root = sum(v["usd_per_month"] / 730 for v in status["volumes"] if v["attached_to"] == compute["instance_id"])
    fleet = 0.10098 + addresses["compute"] + node_root
    assert status["savings"]["stop_fleet"] == pytest.approx(fleet)
    assert status["savings"]["stop_all"] == pytest.approx(fleet + 0.04942 + PUBLIC_IPV4_USD_PER_HOUR)
    left_when_stopped = status["savings"]["left_when_stopped"]
    assert left_when_stopped == pytest.approx(cost["per_hour"] - status["savings"]["stop_all"])
    text = clusterwiz(home, "status", "ops").stdout
    assert f"public IPv4 ${cost['public_ipv4_per_hour']:.3f}" in text and "stop the fleet" in text.lower()
    assert "(head node $0.049, compute nodes $0.101," in text

    stopped = clusterwiz_json(home, "stop", "ops")
    assert stopped["saves_per_hour"] == pytest.approx(fleet)
    assert group_sizes("ops") == {"compute": (0, 0, 0), "spot": (0, 0, 0)}
    after_stop = clusterwiz_json(home, "status", "ops")
    assert states(after_stop, "head") == ["running"] and states(after_stop, "compute") == []
    assert after_stop["fleet_stopped"] and after_stop["savings"]["stop_fleet"] == 0
    # A second stop keeps the sizes of the first, not its zeros.
    clusterwiz(home, "stop", "ops")

    clusterwiz(home, "start", "ops")
    assert group_sizes("ops") == {"compute": (0, 1, 4), "spot": (0, 0, 3)}
    assert not (home / "aws" / "clusters" / "ops" / FLEET_SIZES_FILE).exists()

    clusterwiz(home, "stop", "--all", "--wait", "ops")
    after_stop_all = clusterwiz_json(home, "status", "ops")
    assert states(after_stop_all, "head") == ["stopped"] and states(after_stop_all, "compute") == []
    assert after_stop_all["cost"]["head_node_per_hour"] == after_stop_all["cost"]["compute_nodes_per_hour"] == 0
    assert after_stop_all["cost"]["storage_per_hour"] > 0
    # Stopped, the head node gave its address back: only the volumes bill, as status said before the stop.
    assert after_stop_all["cost"]["public_ipv4_per_hour"] == 0
    assert after_stop_all["cost"]["per_hour"] == pytest.approx(left_when_stopped)

    started = clusterwiz_json(home, "start", "ops")
    assert started["started_head_instances"] and started["restored_sizes"]["compute"]["desired"] == 1
    after_start = clusterwiz_json(home, "status", "ops")
    assert states(after_start, "head") == ["running"] and group_sizes("ops")["compute"] == (0, 1, 4)
    # Without an Elastic IP the head node came back at a new address; the outputs still hold the old one.
    live_address = next(i["public_ip"] for i in after_start["instances"] if i["role"] == "head")
    workspace = Workspace.open(Settings.from_options(home=str(home)))
    assert cluster_outputs(workspace, "ops")["head_node_public_ip"] != live_address
    assert connect(workspace, "ops").target.host == live_address

    # Unused, the head node stops the cluster itself (node/idle.py, as the scaler calls it): status says why, and
    # start brings back the head node and the spec's queue sizes, and drops the reason.
    head_id = next(i["instance_id"] for i in after_start["instances"] if i["role"] == "head")
    agent = ScalerConfig(cluster_name="ops", region=REGION, idle_limit_seconds=600.0, node_cpus={},
                         group_queues={"ops-compute": "compute", "ops-spot": "spot"})
    stop_cluster(agent, Fleet(REGION), head_id, "idle: no job and nobody logged in for 60 min", log=lambda _: None)
    assert group_sizes("ops") == {"compute": (0, 0, 0), "spot": (0, 0, 0)}
    idle = clusterwiz_json(home, "status", "ops")
    assert states(idle, "head") in (["stopping"], ["stopped"]) and states(idle, "compute") == []
    said = "the cluster stopped itself (idle: no job and nobody logged in for 60 min)"
    assert any(note.startswith(said) for note in idle["notes"]), idle["notes"]
    assert said in clusterwiz(home, "status", "ops").stdout
    clusterwiz(home, "start", "ops")
    # As it was: unused for longer than scaledown_idle_minutes (the spec makes sure), the scaler had taken every
    # queue down to min_nodes before the stop. Here no scaler runs, so the one node of initial_nodes was left.
    assert group_sizes("ops") == {"compute": (0, 0, 4), "spot": (0, 0, 3)}
    back = clusterwiz_json(home, "status", "ops")
    assert states(back, "head") == ["running"] and not any("stopped itself" in note for note in back["notes"])
    tags = boto3.client("ec2", region_name=REGION).describe_tags(
        Filters=[{"Name": "resource-id", "Values": [head_id]}])["Tags"]
    assert STOPPED_BY_TAG not in {tag["Key"] for tag in tags}

    # An apply while the fleet is stopped keeps it stopped, even of a spec rendered again: it must not restart the
    # billing. (Last: moto launches nothing from the launch template versions such an apply makes.)
    clusterwiz(home, "stop", "ops")
    clusterwiz(home, "render", "--config", str(tmp_path / "cluster.yaml"))
    applied = clusterwiz(home, "apply", "--yes", "ops").stdout
    assert group_sizes("ops") == {"compute": (0, 0, 0), "spot": (0, 0, 0)}
    assert "The compute fleet of ops stays stopped" in applied and "clusterwiz start ops" in applied

    destroy_lines = clusterwiz(home, "--json", "destroy", "ops", "--snapshot", "--yes").stdout.splitlines()
    destroyed = json.loads(destroy_lines[-1])
    assert find_leftovers(workspace.session, REGION, "ops") == []
    assert destroyed["leftovers"] == [] and clusterwiz_json(home, "list") == []
    kept = cluster_snapshots(workspace.session, REGION, "ops")
    assert [s["SnapshotId"] for s in kept] == destroyed["snapshots"]
    assert [s["VolumeId"] for s in kept] == [shared["volume_id"]]
    assert {t["Key"]: t["Value"] for t in kept[0]["Tags"]}[SNAPSHOT_OF_TAG] == "ops"
    ec2 = boto3.client("ec2", region_name=REGION)
    assert ec2.describe_volumes(VolumeIds=[existing])["Volumes"][0]["State"] == "available"


def test_an_apply_interrupted_midway_then_destroyed_leaves_nothing_behind(moto, terraform_cli_config, tmp_path):
    ami_id, _ = prepare_account()
    workspace = Workspace.open(Settings.from_options(home=str(tmp_path / "home")))
    spec = ClusterSpec.load(write_spec(tmp_path / "cluster.yaml", "halfway", ami_id))
    render_cluster(workspace, spec)

    with terraform_session(workspace, "halfway") as (record, runner):
        def cancel_when_the_head_node_starts(event: Event) -> None:
            if isinstance(event, ResourceStarted) and "aws_instance.head" in event.address:
                threading.Timer(0.5, runner.cancel).start()  # as the apply screen's Cancel does

        with pytest.raises(TerraformInterrupted):
            apply_plan(workspace, record, runner, runner.plan(), on_event=cancel_when_the_head_node_starts)
        assert record.managed_resources() > 0
        assert tagged_resources(workspace.session, REGION, "halfway")
        cancelled = workspace.registry.get("halfway")
        assert (cancelled.metadata.status, cancelled.metadata.error) == ("cancelled", "apply cancelled midway")
        assert state_label(cancelled) == "cancelled, partly created"
        # Whatever runs of it bills: `clusterwiz list` says so with the live figure, as status does.
        listed = clusterwiz_json(tmp_path / "home", "list")
        live = cluster_status(workspace.session, workspace.catalog, cancelled.spec)
        assert [(row["state"], row["per_hour"]) for row in listed] == [
            ("cancelled, partly created", live.cost.per_hour)]

    with terraform_session(workspace, "halfway") as (record, runner):
        apply_plan(workspace, record, runner, runner.plan(destroy=True))

    # Terraform's destroy alone finds everything: the interrupted apply lost track of nothing.
    assert [left.arn for left in find_leftovers(workspace.session, REGION, "halfway")] == []
    after = workspace.registry.get("halfway")
    assert (after.managed_resources(), after.metadata.status) == (0, "destroyed")
