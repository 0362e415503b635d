"""What the modules send AWS, checked against AWS's documented rules the emulator does not enforce."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest

from clusterwiz.core.assets import terraform_modules_dir
from clusterwiz.core.spec import ClusterSpec


def metadata_options(module: str, resource_type: str) -> list[dict]:
    document = hcl2.loads(Path(terraform_modules_dir(), module, "main.tf").read_text())
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
