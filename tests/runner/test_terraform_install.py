"""Terraform missing or too old gives a message saying what to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterwiz.core.errors import TerraformError
from clusterwiz.core.terraform import MINIMUM_VERSION, TerraformRunner


def fake_terraform(directory: Path, version_answer: str) -> Path:
    """An old Terraform cannot be installed offline; this plays one answering `terraform version`."""
    binary = directory / "terraform"
    binary.write_text(f"#!/bin/sh\ncat <<'EOF'\n{version_answer}\nEOF\n")
    binary.chmod(0o755)
    return binary


def test_the_installed_terraform_is_new_enough(make_runner):
    assert make_runner().version() >= MINIMUM_VERSION


def test_terraform_missing_from_path_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    runner = TerraformRunner(tmp_path, tmp_path / "run.log")

    with pytest.raises(TerraformError, match=r"Terraform is not installed .*install Terraform 1\.6 or newer"):
        runner.plan()


def test_an_explicit_binary_that_does_not_exist_is_reported(tmp_path: Path):
    runner = TerraformRunner(tmp_path, tmp_path / "run.log", binary=str(tmp_path / "nowhere" / "terraform"))

    with pytest.raises(TerraformError, match="nowhere/terraform"):
        runner.init()


@pytest.mark.parametrize("answer, shown", [
    ('{"terraform_version": "1.5.7", "platform": "linux_amd64"}', "1.5.7"),
    ("Terraform v0.12.31\n\nYour version of Terraform is out of date!", "0.12.31"),
])
def test_terraform_older_than_1_6_says_what_to_install(tmp_path: Path, answer: str, shown: str):
    runner = TerraformRunner(tmp_path, tmp_path / "run.log", binary=str(fake_terraform(tmp_path, answer)))

    with pytest.raises(TerraformError, match=rf"Terraform {shown} at .* is too old; .*1\.6 or newer"):
        runner.plan()


def test_a_missing_working_directory_says_to_render_first(tmp_path: Path):
    runner = TerraformRunner(tmp_path / "absent", tmp_path / "run.log")

    with pytest.raises(TerraformError, match="does not exist; render the cluster first"):
        runner.plan()
