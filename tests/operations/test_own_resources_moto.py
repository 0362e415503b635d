"""A cluster's own resources are its own: render, validate and leftovers, through the real CLI against moto, never
take them for another's or for leftovers, and never write under a cluster another clusterwiz is working on."""

from __future__ import annotations

import boto3
import pytest

from clusterwiz.core.registry import Registry
from tests.operations.test_operations_moto import REGION, ZONE, prepare_account, states, write_spec
from tests.support.cli import clusterwiz, clusterwiz_json

pytestmark = [pytest.mark.terraform, pytest.mark.moto]


def test_render_of_a_busy_cluster_writes_nothing(moto, terraform_cli_config, tmp_path):
    ami_id, _ = prepare_account()
    home = tmp_path / "home"
    config = write_spec(tmp_path / "cluster.yaml", "busy", ami_id)
    clusterwiz(home, "render", "--config", str(config))
    record = Registry(home).get("busy")
    registered = record.spec_path.read_text()
    tfvars = (record.workdir / "terraform.tfvars").read_text()
    config.write_text(config.read_text().replace("max_nodes: 4", "max_nodes: 7"))

    with Registry(home).lock("busy"):  # as an apply in another terminal holds it
        result = clusterwiz(home, "render", "--config", str(config), check=False)

    assert result.returncode == 2 and "is busy" in result.stderr and "Traceback" not in result.stderr
    assert record.spec_path.read_text() == registered
    assert (record.workdir / "terraform.tfvars").read_text() == tfvars


def test_a_render_whose_lookups_fail_registers_nothing(moto, terraform_cli_config, tmp_path):
    ami_id, _ = prepare_account()
    home = tmp_path / "home"
    config = write_spec(tmp_path / "cluster.yaml", "ghost", ami_id)
    config.write_text(config.read_text().replace("instance_type: t3.medium", "instance_type: zz9.huge"))

    result = clusterwiz(home, "render", "--config", str(config), check=False)

    assert result.returncode == 2 and "zz9.huge does not exist" in result.stderr
    assert clusterwiz_json(home, "list") == []
    assert not (home / "aws" / "clusters" / "ghost").exists()


def test_an_applied_cluster_is_neither_taken_nor_leftover(moto, terraform_cli_config, tmp_path):
    ami_id, existing = prepare_account()
    home = tmp_path / "home"
    clusterwiz(home, "render", "--config", str(write_spec(tmp_path / "cluster.yaml", "own", ami_id, existing)))
    clusterwiz(home, "--json", "apply", "own")

    checked = clusterwiz_json(home, "validate", "own")
    assert {f["code"] for f in checked["findings"]} & {"NAME_TAKEN_AWS", "VOLUME_NOT_AVAILABLE"} == set()
    assert not checked["blocking"]

    # Its VPC, roles, head node and its root volume, the group's running node and its volume: all its own.
    assert clusterwiz_json(home, "leftovers", "own") == []
    ec2 = boto3.client("ec2", region_name=REGION)
    stray = ec2.create_volume(AvailabilityZone=ZONE, Size=1, TagSpecifications=[
        {"ResourceType": "volume", "Tags": [{"Key": "clusterwiz:cluster", "Value": "own"}]}])["VolumeId"]
    assert [(row["kind"], row["id"]) for row in clusterwiz_json(home, "leftovers", "own")] == [("volume", stray)]

    with Registry(home).lock("own"):  # an apply under way
        busy = clusterwiz(home, "leftovers", "own", "--remove", "--yes", check=False)
    assert busy.returncode == 2 and "is busy" in busy.stderr
    assert ec2.describe_volumes(VolumeIds=[stray])["Volumes"]

    removed = clusterwiz(home, "leftovers", "own", "--remove", "--yes")
    assert f"removed  volume {stray}" in removed.stdout and removed.stdout.count("removed ") == 1
    assert ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [stray]}])["Volumes"] == []
    assert states(clusterwiz_json(home, "status", "own"), "head") == ["running"]
