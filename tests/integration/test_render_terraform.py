"""The rendered working directory is plain, valid, fmt-clean Terraform, readable by python-hcl2 too."""

from __future__ import annotations

import subprocess

import hcl2
import pytest
from tests.support.specs import FULL_RESOLVED, full_spec

from clusterwiz.core.render import MODULES_DIR, render_files, render_workdir


def terraform(workdir, *args):
    return subprocess.run(["terraform", *args], cwd=workdir, capture_output=True, text=True, check=False)


def test_every_rendered_file_parses_as_hcl():
    for name, text in render_files(full_spec(), FULL_RESOLVED).items():
        assert isinstance(hcl2.loads(text), dict), name


def test_tfvars_carry_the_spec_and_what_was_resolved():
    tfvars = hcl2.loads(render_files(full_spec(), FULL_RESOLVED)["terraform.tfvars"])
    assert tfvars["ami_id"] == '"ami-0123456789abcdef0"'
    assert tfvars["ssh_cidr"] == '"203.0.113.7/32"'
    assert [q["name"] for q in tfvars["queues"]] == ['"compute"', '"spot"']


def test_rendering_twice_gives_the_same_files(tmp_path):
    first = render_workdir(full_spec(), FULL_RESOLVED, tmp_path / "workdir")
    archive = (tmp_path / "workdir" / "node-agent.lzma").read_bytes()
    second = render_workdir(full_spec(), FULL_RESOLVED, tmp_path / "workdir")
    assert first.files == second.files
    assert (tmp_path / "workdir" / "node-agent.lzma").read_bytes() == archive


def test_rerender_keeps_terraform_state_and_replaces_the_modules(tmp_path):
    workdir = tmp_path / "workdir"
    render_workdir(full_spec(), FULL_RESOLVED, workdir)
    (workdir / "terraform.tfstate").write_text("{}")
    stale = workdir / MODULES_DIR / "stale.tf"
    stale.write_text("# left from an older clusterwiz\n")
    render_workdir(full_spec(), FULL_RESOLVED, workdir)
    assert (workdir / "terraform.tfstate").read_text() == "{}"
    assert not stale.exists()
    assert not list(workdir.glob(".modules-*"))
    assert not list((workdir / MODULES_DIR).rglob("*.tftest.hcl"))


@pytest.mark.terraform
def test_rendered_root_validates_and_is_fmt_clean(tmp_path, terraform_cli_config):
    workdir = tmp_path / "workdir"
    render_workdir(full_spec(), FULL_RESOLVED, workdir)
    fmt = terraform(workdir, "fmt", "-check", "-recursive", "-diff")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    init = terraform(workdir, "init", "-input=false", "-backend=false")
    assert init.returncode == 0, init.stderr
    validate = terraform(workdir, "validate", "-no-color")
    assert validate.returncode == 0, validate.stdout + validate.stderr
