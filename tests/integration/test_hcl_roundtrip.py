"""Any value the encoder writes reaches real Terraform as the same value."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterwiz.core import hcl

ROUNDTRIP_CONFIG = """\
variable "v" {
  type = any
}

output "v" {
  value = var.v
}
"""

# Strings as users write them, plus the characters that break naive templating. In Unicode's composed form
# (NFC), as HCL reads every string literal: a value like U+F900 arrives in Terraform as its NFC, U+8C48.
tricky_text = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["$", "{", "}", "%", "\\", '"', "\n", "\t", "\r", "${", "%{", "$${", "~", "\x00", "\u2028"]),
    ),
    max_size=20,
).map("".join).map(lambda text: unicodedata.normalize("NFC", text))
values = st.fixed_dictionaries(
    {
        "names": st.lists(tricky_text, max_size=6),
        "tags": st.dictionaries(tricky_text.filter(bool), tricky_text, max_size=6),
        "paths": st.lists(tricky_text.map(lambda s: "/" + s), max_size=3),
        "numbers": st.lists(st.integers(min_value=-(2**53), max_value=2**53), max_size=3),
        "flags": st.lists(st.one_of(st.booleans(), st.none()), max_size=3),
    }
)


def terraform_roundtrip(directory: Path, value: object) -> object:
    (directory / "main.tf").write_text(ROUNDTRIP_CONFIG)
    (directory / "terraform.tfvars").write_text(hcl.attributes({"v": value}), encoding="utf-8")
    for state in directory.glob("terraform.tfstate*"):
        state.unlink()
    run = subprocess.run(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=directory, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    output = subprocess.run(
        ["terraform", "output", "-json", "v"], cwd=directory, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout)


@pytest.mark.terraform
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values)
def test_values_reach_terraform_unchanged(value, tmp_path_factory, terraform_cli_config):
    directory = tmp_path_factory.mktemp("roundtrip")
    assert terraform_roundtrip(directory, value) == value


@pytest.mark.terraform
def test_template_sequences_stay_literal(tmp_path, terraform_cli_config):
    value = {
        "interpolation": "${path.module}",
        "directive": "%{ if true }x%{ endif }",
        "escaped_already": "$${not}",
        "trailing": "ends with $",
        "control": "tab\there\nnew line \x01 \u2028",
        "unicode": "répertoire 共有 🚀",
    }
    assert terraform_roundtrip(tmp_path, value) == value
