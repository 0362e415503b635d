"""A cluster stays on the hashicorp/aws release it was created with: the modules pin one major version, and the
working directory holds a lock file naming the bundled release from its first render, which init keeps."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import hcl2
import pytest
from tests.support.specs import FULL_RESOLVED, full_spec
from tests.support.terraform_env import PROVIDER_DIR, find_provider_mirror, write_cli_config

from clusterwiz.core.assets import terraform_modules_dir
from clusterwiz.core.provider import (
    AWS_PROVIDER_CONSTRAINT,
    AWS_PROVIDER_SOURCE,
    AWS_PROVIDER_VERSION,
    LOCK_FILE,
)
from clusterwiz.core.render import render_files, render_workdir
from clusterwiz.core.terraform import TerraformRunner

# A release of the same major that the constraint allows and that is newer than the pinned one: what the registry
# offers a new cluster some day.
NEWER_RELEASE = "5.999.0"


def aws_constraint(versions_tf: str) -> str:
    """The `version` of the aws entry in a versions.tf's required_providers (python-hcl2 keeps the quotes)."""
    terraform = hcl2.loads(versions_tf)["terraform"][0]
    return terraform["required_providers"][0]["aws"]["version"].strip('"')


def locked(workdir: Path) -> dict[str, str]:
    """The aws entry of the working directory's lock file: version, constraints, hashes."""
    entries = hcl2.loads((workdir / LOCK_FILE).read_text())["provider"]
    return next(entry for block in entries for name, entry in block.items() if name.strip('"') == AWS_PROVIDER_SOURCE)


def test_every_module_and_the_root_pin_the_one_bundled_release() -> None:
    modules = sorted(terraform_modules_dir().glob("*/versions.tf"))
    assert len(modules) == 7
    for path in modules:
        assert aws_constraint(path.read_text()) == AWS_PROVIDER_CONSTRAINT, path
    assert aws_constraint(render_files(full_spec(), FULL_RESOLVED)["versions.tf"]) == AWS_PROVIDER_CONSTRAINT
    # "~> 5.100": 5.100 or newer, never 6; the release new clusters are locked to satisfies it.
    major, minor = AWS_PROVIDER_CONSTRAINT.removeprefix("~> ").split(".")
    assert AWS_PROVIDER_VERSION.split(".")[:2] == [major, minor]


def test_the_first_render_writes_the_lock_file_and_later_ones_keep_it(tmp_path: Path) -> None:
    workdir = tmp_path / "workdir"
    render_workdir(full_spec(), FULL_RESOLVED, workdir)
    entry = locked(workdir)
    assert (entry["version"], entry["constraints"]) == (f'"{AWS_PROVIDER_VERSION}"', f'"{AWS_PROVIDER_CONSTRAINT}"')
    assert "hashes" not in entry  # Terraform refuses `hashes = []`; init records the installed package's checksum
    # What init made of it, or the release an older cluster was created with: a later render keeps it as it is.
    chosen = (workdir / LOCK_FILE).read_text().replace(AWS_PROVIDER_VERSION, "5.100.1")
    (workdir / LOCK_FILE).write_text(chosen)
    render_workdir(full_spec(), FULL_RESOLVED, workdir)
    assert (workdir / LOCK_FILE).read_text() == chosen


@pytest.mark.terraform
def test_init_installs_the_locked_release_though_a_newer_one_is_offered_and_keeps_it(tmp_path: Path) -> None:
    """A mirror holding the pinned release and a newer one of the same major: without the lock file init takes
    the newest; with it, the pinned one, again at every later init (when .terraform is gone, as on a new machine)."""
    mirror = find_provider_mirror()
    if shutil.which("terraform") is None or mirror is None:
        pytest.fail("terraform and an AWS provider mirror are required (set CLUSTERWIZ_TF_PLUGIN_MIRROR)")
    packages = sorted((mirror / PROVIDER_DIR / AWS_PROVIDER_VERSION).glob("*/terraform-provider-aws_*"))
    assert packages, f"the provider mirror {mirror} does not hold hashicorp/aws {AWS_PROVIDER_VERSION}"
    offered = tmp_path / "mirror"
    for release in (AWS_PROVIDER_VERSION, NEWER_RELEASE):
        for package in packages:
            platform = offered / PROVIDER_DIR / release / package.parent.name
            platform.mkdir(parents=True)
            (platform / f"terraform-provider-aws_v{release}_x5").symlink_to(package)
    config = write_cli_config(tmp_path / "cli", offered)
    workdir = tmp_path / "workdir"
    render_workdir(full_spec(), FULL_RESOLVED, workdir)
    runner = TerraformRunner(workdir, tmp_path / "terraform.log", env={**os.environ, "TF_CLI_CONFIG_FILE": str(config)})
    installed = workdir / ".terraform" / "providers" / PROVIDER_DIR

    runner.init()
    assert [path.name for path in installed.iterdir()] == [AWS_PROVIDER_VERSION]
    entry = locked(workdir)
    assert entry["version"] == f'"{AWS_PROVIDER_VERSION}"' and entry["hashes"]  # init recorded its checksum
    after_first_init = (workdir / LOCK_FILE).read_text()

    shutil.rmtree(workdir / ".terraform")
    runner.init()
    assert [path.name for path in installed.iterdir()] == [AWS_PROVIDER_VERSION]
    assert (workdir / LOCK_FILE).read_text() == after_first_init
