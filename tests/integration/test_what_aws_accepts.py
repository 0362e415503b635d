"""What the modules send AWS, checked against AWS's documented rules the emulator does not enforce."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest

from clusterwiz.core.assets import terraform_modules_dir
from clusterwiz.core.spec import ClusterSpec


def module_main(module: str) -> dict:
    return hcl2.loads(Path(terraform_modules_dir(), module, "main.tf").read_text())


def metadata_options(module: str, resource_type: str) -> list[dict]:
    document = module_main(module)
    found = []
    for block in document["resource"]:
        for body in block.get(f'"{resource_type}"', {}).values():  # python-hcl2 keeps the quotes
            found += body["metadata_options"]
    assert found, f"no {resource_type} in {module}"
    return found


@pytest.mark.parametrize(("module", "resource_type"), [("head_node", "aws_instance"),
                                                       ("compute_fleet", "aws_launch_template")])
def test_tags_are_kept_out_of_instance_metadata(module: str, resource_type: str) -> None:
    """With instance_metadata_tags enabled, EC2 refuses to launch an instance whose tag keys hold a space or '/'
    (EC2 User Guide, "View tags for your EC2 instances from instance metadata": keys then allow only letters,
    digits and + - = . , _ : @). Nothing on a node reads its tags from IMDS, and the spec accepts every key AWS does."""
    for options in metadata_options(module, resource_type):
        assert options["instance_metadata_tags"].strip('"') == "disabled"
        assert options["http_tokens"].strip('"') == "required"


def test_the_spec_accepts_tag_keys_with_spaces_and_slashes() -> None:
    spec = ClusterSpec.model_validate({"name": "tags", "region": "eu-west-2", "tags": {"Cost Center": "42",
                                                                                      "team/x": "hpc"},
                                       "queues": [{"name": "compute", "instance_types": ["c5.large"],
                                                   "max_nodes": 1}]})
    assert spec.tags == {"Cost Center": "42", "team/x": "hpc"}


@pytest.mark.parametrize("module", ["cluster", "compute_fleet", "head_node", "iam", "network", "security", "storage"])
def test_image_lookups_find_deprecated_images(module: str) -> None:
    """DescribeImages leaves deprecated AMIs out of filtered results unless IncludeDeprecated is set (EC2 User
    Guide, "Deprecate an AMI": public AMIs deprecate two years after creation by default), and the AWS provider's
    aws_ami sends it only with include_deprecated. A lookup without it makes every plan of an older cluster fail,
    destroy included. moto does not deprecate images, so the rule is checked on what the modules send."""
    lookups = [body for block in module_main(module).get("data", []) for body in block.get('"aws_ami"', {}).values()]
    assert all(lookup.get("include_deprecated") is True for lookup in lookups)


def test_nodes_may_write_every_tag_their_bootstrap_sends() -> None:
    """A failed node sends its readiness and its log's tail in one CreateTags call. IAM evaluates
    `ForAllValues:StringEquals` on aws:TagKeys as "every key in the request is listed" (IAM User Guide, "Multivalued
    context keys"): a key missing from the list denies the whole call, and the node could not even say it failed.
    moto does not evaluate IAM conditions, so the policy is checked against what the agent sends."""
    from clusterwiz.node.instance import LOG_TAIL_TAG, READINESS_TAG

    condition = module_main("iam")["locals"][0]["bootstrap_tag_only"]
    allowed = {key.strip('"') for key in condition['"ForAllValues:StringEquals"']['"aws:TagKeys"']}
    assert {READINESS_TAG, LOG_TAIL_TAG} <= allowed
