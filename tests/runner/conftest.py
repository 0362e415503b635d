"""Terraform working directories for the runner tests; configs use only built-in resources unless noted."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from clusterwiz.core.terraform import TerraformRunner

# Three quick resources, then two whose creation takes 30 s (long enough to be interrupted), then one more.
SLOW_CONFIG = """
resource "terraform_data" "fast" {
  count = 3
  input = "fast-${count.index}"
}
resource "terraform_data" "slow" {
  count      = 2
  depends_on = [terraform_data.fast]
  provisioner "local-exec" {
    command = "sleep 30"
  }
}
resource "terraform_data" "after" {
  depends_on = [terraform_data.slow]
}
"""

QUICK_CONFIG = """
resource "terraform_data" "item" {
  count = 2
  input = "item-${count.index}"
}
output "inputs" {
  value = terraform_data.item[*].input
}
output "secret" {
  value     = "s3cr3t"
  sensitive = true
}
"""


@pytest.fixture
def workdir(tmp_path: Path, terraform_cli_config: Path) -> Path:
    directory = tmp_path / "workdir"
    directory.mkdir()
    return directory


@pytest.fixture
def make_runner(workdir: Path) -> Callable[..., TerraformRunner]:
    """A runner for `workdir` whose log is <tmp>/logs/terraform.log, with the config text written first."""

    def make(config: str | None = None, **options: object) -> TerraformRunner:
        if config is not None:
            (workdir / "main.tf").write_text(textwrap.dedent(config))
        return TerraformRunner(workdir, workdir.parent / "logs" / "terraform.log", **options)

    return make

# A small AWS configuration: the endpoint, region and credentials come from the environment.
NETWORK_CONFIG = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  default_tags {
    tags = { "clusterwiz:cluster" = "runner-test" }
  }
}
resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}
resource "aws_subnet" "part" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
}
output "vpc_id" {
  value = aws_vpc.main.id
}
output "subnet_ids" {
  value = aws_subnet.part[*].id
}
"""
