"""The runner with the AWS provider against moto: init from the offline mirror, apply, outputs, destroy."""

from __future__ import annotations

from pathlib import Path

import boto3

from clusterwiz.core.events import Event, ResourceDone
from tests.runner.conftest import NETWORK_CONFIG


def test_a_vpc_with_subnets_is_applied_and_destroyed_against_moto(moto: str, make_runner, workdir: Path):
    runner = make_runner(NETWORK_CONFIG)
    runner.init()
    events: list[Event] = []
    result = runner.apply(runner.plan(), events.append)

    ec2 = boto3.client("ec2")
    vpc_id = result.outputs["vpc_id"]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.42.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sorted(s["SubnetId"] for s in subnets) == sorted(result.outputs["subnet_ids"])
    done = {e.address: e.id for e in events if isinstance(e, ResourceDone)}
    assert done["aws_vpc.main"] == vpc_id
    # The endpoint reached Terraform through the environment only, never through the configuration.
    assert moto not in (workdir / "main.tf").read_text()

    runner.destroy()
    tagged = ec2.describe_vpcs(Filters=[{"Name": "tag:clusterwiz:cluster", "Values": ["runner-test"]}])["Vpcs"]
    assert tagged == []
