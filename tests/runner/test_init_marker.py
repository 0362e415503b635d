"""A working directory counts as initialised only after an init that exited 0, for the files it read then: a
.terraform folder proves nothing, since a failed or interrupted init leaves one behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from clusterwiz.core.errors import TerraformError
from clusterwiz.core.provider import AWS_PROVIDER_CONSTRAINT, lock_provider
from tests.runner.conftest import QUICK_CONFIG

NEEDS_AWS = f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "{AWS_PROVIDER_CONSTRAINT}" }}
  }}
}}
"""


def test_a_completed_init_counts_until_a_file_it_reads_changes(make_runner, workdir: Path):
    runner = make_runner(QUICK_CONFIG)
    assert not runner.initialised()
    runner.init()
    assert runner.initialised()

    (workdir / "terraform.tfvars").write_text("# values: init does not read them\n")
    assert runner.initialised()
    (workdir / "more.tf").write_text('module "part" {\n  source = "./part"\n}\n')
    (workdir / "part").mkdir()
    (workdir / "part" / "main.tf").write_text('output "x" {\n  value = 1\n}\n')
    assert not runner.initialised()  # a new module source: init must install it
    runner.init()
    assert runner.initialised()
    (workdir / "part" / "main.tf").write_text('output "x" {\n  value = 2\n}\n')
    assert not runner.initialised()  # a module's own files count too


def test_a_failed_init_leaves_the_folder_and_does_not_count(make_runner, workdir: Path):
    runner = make_runner(QUICK_CONFIG)
    runner.init()
    # A provider no mirror holds: the init fails after it has begun (.terraform stays).
    (workdir / "versions.tf").write_text('terraform {\n  required_providers {\n'
                                         '    aws = { source = "hashicorp/aws", version = "= 4.0.0" }\n  }\n}\n')

    with pytest.raises(TerraformError, match=r"terraform init failed(.|\n)*runs init again"):
        runner.init()
    assert (workdir / ".terraform").is_dir() and not runner.initialised()


def test_a_provider_gone_from_the_plugin_cache_means_init_again(make_runner, workdir: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    cache.mkdir()
    runner = make_runner(NEEDS_AWS, env={**os.environ, "TF_PLUGIN_CACHE_DIR": str(cache)})
    lock_provider(workdir)
    runner.init()
    assert runner.initialised()

    shutil.rmtree(cache)  # someone cleaned up disk space: .terraform's links to the cache now lead nowhere
    cache.mkdir()
    assert not runner.initialised()
    runner.init()
    assert runner.initialised()
