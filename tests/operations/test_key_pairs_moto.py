"""A key pair the wizard creates is tagged with its cluster, kept while the cluster is registered, seen by the
leftover check, and deleted with the cluster (whose private key goes with it), so no later wizard offers it."""

from __future__ import annotations

import boto3
import pytest
import yaml

from clusterwiz.core.lifecycle import Workspace, find_cluster_leftovers
from clusterwiz.core.settings import Settings
from tests.catalog.account import REGION, build_account
from tests.support.cli import clusterwiz, clusterwiz_json

pytestmark = pytest.mark.moto


def answers(name: str, vpc: str, subnet: str) -> dict:
    return {"account": "aws", "name": name, "region": REGION, "os": "ubuntu2404/x86_64", "head_node": "t3.medium",
            "network": {"vpc": vpc, "subnet": subnet, "ssh_cidr": "203.0.113.0/24"},
            "queues": [{"name": "cpu", "instance_types": ["c5.xlarge"], "min_nodes": 0, "max_nodes": 2}],
            "storage": [], "key_pair": {"key": "create"}}


def key_pairs() -> dict[str, dict[str, str]]:
    return {pair["KeyName"]: {tag["Key"]: tag["Value"] for tag in pair.get("Tags", [])}
            for pair in boto3.client("ec2", region_name=REGION).describe_key_pairs()["KeyPairs"]}


def test_a_created_key_pair_is_tagged_seen_as_a_leftover_and_deleted_with_the_cluster(moto, tmp_path):
    account = build_account()
    home = tmp_path / "home"
    answers_file = tmp_path / "answers.yaml"
    answers_file.write_text(yaml.safe_dump(answers("keyed", account.hpc_vpc, account.subnet_a)))
    clusterwiz(home, "--region", REGION, "new", "--answers", str(answers_file))
    workspace = Workspace.open(Settings(home=home, region=REGION, endpoint_url=moto))
    record = workspace.registry.get("keyed")
    assert key_pairs()[record.spec.key_pair] == {"clusterwiz:cluster": "keyed"}

    # The leftover check sees it, as it sees everything tagged with the cluster.
    listed = clusterwiz_json(home, "--region", REGION, "leftovers", "keyed")
    assert [(row["kind"], row["action"]) for row in listed] == [
        ("key-pair", "delete the key pair clusterwiz made for the cluster")]

    # A destroy that keeps the cluster registered keeps its key pair: applying it again needs it.
    assert find_cluster_leftovers(workspace, record.spec, forget=False) == []
    assert record.spec.key_pair in key_pairs() and workspace.registry.exists("keyed")

    # Forgetting the cluster deletes its private key, so its key pair goes too: no later wizard offers it.
    assert find_cluster_leftovers(workspace, record.spec, forget=True) == []
    assert not workspace.registry.exists("keyed")
    assert record.spec.key_pair not in key_pairs()
    assert clusterwiz_json(home, "--region", REGION, "list") == []
