"""A cluster's budget through the CLI, applied for real by Terraform against moto's server: refused when 0 or
negative, set from the spec onto the head node's tag with the prices its agent counts with, changed in place by
`clusterwiz budget`, and the head node's spend shown by status."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import boto3
import pytest
import yaml

from clusterwiz.core.registry import Registry
from clusterwiz.node.budget import BUDGET_TAG, SPEND_TAG
from tests.operations.test_expiry_moto import head_tags
from tests.operations.test_operations_moto import REGION, prepare_account, write_spec
from tests.support.cli import clusterwiz, clusterwiz_json


def with_budget(spec_file: Path, budget: object) -> Path:
    data = yaml.safe_load(spec_file.read_text())
    data["budget_usd"] = budget
    spec_file.write_text(yaml.safe_dump(data))
    return spec_file


@pytest.mark.parametrize("budget", [0, -5])
def test_a_budget_of_zero_or_less_is_refused_with_what_to_give(moto, tmp_path: Path, budget: int) -> None:
    ami_id, _ = prepare_account()
    spec_file = write_spec(tmp_path / "cluster.yaml", "lab", ami_id)
    given = clusterwiz(tmp_path / "home", "render", "--config", str(spec_file), "--budget", str(budget), check=False)
    with_budget(spec_file, budget)
    written = clusterwiz(tmp_path / "home", "render", "--config", str(spec_file), check=False)
    for refused in (given, written):
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert "budget_usd" in refused.stderr
        assert f"is {budget}, but a budget is the most the cluster may cost: give a positive amount of US " \
            "dollars" in refused.stderr
    assert Registry(tmp_path / "home", area="aws").names() == []  # nothing registered


def test_render_budget_sets_the_specs_budget(moto, tmp_path: Path) -> None:
    ami_id, _ = prepare_account()
    spec_file = write_spec(tmp_path / "cluster.yaml", "lab", ami_id)
    clusterwiz(tmp_path / "home", "render", "--config", str(spec_file), "--budget", "$49.50")
    assert Registry(tmp_path / "home", area="aws").get("lab").spec.budget_usd == 49.5
    unreadable = clusterwiz(tmp_path / "home", "render", "--config", str(spec_file), "--budget", "50 USD",
                            check=False)
    assert unreadable.returncode == 2 and "'50 USD' is not an amount" in unreadable.stderr


def head_params(cluster: str) -> dict:
    """params.json as the head node's user data carries it."""
    ec2 = boto3.client("ec2", region_name=REGION)
    reservations = ec2.describe_instances(Filters=[{"Name": "tag:clusterwiz:cluster", "Values": [cluster]},
                                                   {"Name": "tag:clusterwiz:role", "Values": ["head"]}])
    (head,) = [i["InstanceId"] for r in reservations["Reservations"] for i in r["Instances"]]
    user_data = ec2.describe_instance_attribute(InstanceId=head, Attribute="userData")["UserData"]["Value"]
    document = yaml.safe_load(gzip.decompress(base64.b64decode(user_data)))
    (params,) = [entry["content"] for entry in document["write_files"] if entry["path"].endswith("params.json")]
    return json.loads(params)


def test_budget_from_the_spec_to_the_head_node_then_changed_in_place(moto, terraform_cli_config,
                                                                     tmp_path: Path) -> None:
    ami_id, _ = prepare_account()
    home = tmp_path / "home"
    spec_file = with_budget(write_spec(tmp_path / "cluster.yaml", "lab", ami_id), 50)
    clusterwiz(home, "render", "--config", str(spec_file))
    clusterwiz(home, "--json", "apply", "lab", "--yes")
    assert head_tags("lab")[BUDGET_TAG] == "50"
    prices = head_params("lab")["prices"]
    assert set(prices["instance"]) == set(Registry(home, area="aws").get("lab").spec.instance_types)
    assert all(price > 0.005 for price in prices["instance"].values())  # each with its public IPv4 address
    assert prices["volume"]["gp3"] > 0

    status = clusterwiz(home, "status", "lab").stdout
    assert "once its $50 budget is spent" in status
    assert "Spent since creation: not counted yet, of its $50 budget" in status

    # Spent: a stopped cluster is not started again (its head node would stop it at once) until it is raised.
    ec2 = boto3.client("ec2", region_name=REGION)
    heads = ec2.describe_instances(Filters=[{"Name": "tag:clusterwiz:role", "Values": ["head"]}])
    head = heads["Reservations"][0]["Instances"][0]["InstanceId"]
    ec2.create_tags(Resources=[head], Tags=[{"Key": SPEND_TAG, "Value": "50.00"}])
    clusterwiz(home, "stop", "lab", "--all")
    start = clusterwiz(home, "start", "lab", check=False)
    assert start.returncode == 2 and "Traceback" not in start.stderr
    assert ("cluster lab spent $50.00 of its $50 budget (100%), so it cannot be started: it would stop again at "
            "once; raise its budget first: clusterwiz budget lab 100 (or none)") in " ".join(start.stderr.split())
    ec2.create_tags(Resources=[head], Tags=[{"Key": SPEND_TAG, "Value": "0.00"}])  # as if it was not spent yet
    clusterwiz(home, "start", "lab")

    refused = clusterwiz(home, "budget", "lab", "0", check=False)
    assert refused.returncode == 2 and "a budget is the most the cluster may cost" in refused.stderr
    unreadable = clusterwiz(home, "budget", "lab", "lots", check=False)
    assert unreadable.returncode == 2 and "'lots' is not an amount" in unreadable.stderr
    assert head_tags("lab")[BUDGET_TAG] == "50"

    raised = clusterwiz_json(home, "budget", "lab", "80")
    assert raised["budget_usd"] == 80 and raised["head_instances_tagged"]
    assert head_tags("lab")[BUDGET_TAG] == "80"  # at once, no apply
    clusterwiz(home, "--json", "apply", "lab", "--yes")  # the spec and its Terraform say what the tag says
    assert head_tags("lab")[BUDGET_TAG] == "80"

    # The head node's agent counted what the cluster spent: status shows that one figure.
    ec2.create_tags(Resources=[head], Tags=[{"Key": SPEND_TAG, "Value": "12.50"}])
    assert "Spent since creation: $12.50 of its $80 budget (16%)" in clusterwiz(home, "status", "lab").stdout
    shown = clusterwiz_json(home, "status", "lab")
    assert (shown["spend_usd"], shown["budget_usd"]) == (12.5, 80)
    assert clusterwiz_json(home, "list")[0]["state"] == "applied, spent $12.50 of its $80 budget (16%)"

    # From 80% on, what happens at 100% and how to raise it is a finding wherever the cluster is looked at.
    ec2.create_tags(Resources=[head], Tags=[{"Key": SPEND_TAG, "Value": "66.00"}])
    found = clusterwiz_json(home, "status", "lab")["notes"]
    assert "the cluster spent $66.00 of its $80 budget (82%): at 100% no new job starts and it stops once its " \
        "running jobs end (30 min at most); raise it with `clusterwiz budget lab 160`" in found

    assert "has no budget" in clusterwiz(home, "budget", "lab", "none").stdout
    assert BUDGET_TAG not in head_tags("lab")
    clusterwiz(home, "destroy", "lab", "--yes")
