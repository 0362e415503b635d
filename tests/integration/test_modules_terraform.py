"""Every bundled module: `terraform fmt -check`, `terraform validate` and its own `terraform test` suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.module_workspace import bundled_module_names, copy_modules, terraform

pytestmark = pytest.mark.terraform

MODULES = bundled_module_names()
EXPECTED_MODULES = ["cluster", "compute_fleet", "head_node", "iam", "network", "security", "storage"]
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")


@pytest.fixture(scope="module")
def modules_copy(tmp_path_factory: pytest.TempPathFactory, terraform_cli_config: Path) -> Path:
    return copy_modules(tmp_path_factory.mktemp("modules"))


def test_every_module_is_bundled() -> None:
    assert MODULES == EXPECTED_MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_has_its_files_and_tests(module: str, modules_copy: Path) -> None:
    directory = modules_copy / module
    missing = [name for name in MODULE_FILES if not (directory / name).is_file()]
    assert missing == [], f"{module} lacks {missing}"
    assert list((directory / "tests").glob("*.tftest.hcl")), f"{module} has no terraform test"


def test_modules_are_fmt_clean(modules_copy: Path) -> None:
    result = terraform("fmt", "-check", "-recursive", "-list=true", cwd=modules_copy)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("module", MODULES)
def test_module_validates_and_passes_its_tests(module: str, modules_copy: Path) -> None:
    directory = modules_copy / module
    terraform("init", "-input=false", "-backend=false", cwd=directory)
    terraform("validate", cwd=directory)
    result = terraform("test", cwd=directory)
    assert "0 failed" in result.stdout and " passed" in result.stdout, result.stdout
