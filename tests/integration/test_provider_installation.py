"""Where clusterwiz's `terraform init` gets the AWS provider, the way Terraform users expect: the mirror clusterwiz's
setting names, the user's own CLI config, Terraform's implied mirror directories, the plugin cache every cluster
shares; each init here is real and offline (no source names the registry, so nothing leaves the machine)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.support.terraform_env import MIRROR_ENV, PROVIDER_DIR, find_provider_mirror

from clusterwiz.core.provider import (
    AWS_PROVIDER_CONSTRAINT,
    AWS_PROVIDER_VERSION,
    LOCK_FILE,
    find_provider_installation,
    lock_provider,
    terraform_platform,
)
from clusterwiz.core.terraform import TerraformRunner

pytestmark = pytest.mark.terraform

# Variables of this machine's (or an earlier fixture's) Terraform setup that would leak into a test's "user".
USER_TERRAFORM_VARIABLES = ("TF_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR",
                            "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", MIRROR_ENV)


@pytest.fixture(scope="module")
def packages() -> list[Path]:
    mirror = find_provider_mirror()
    if shutil.which("terraform") is None or mirror is None:
        pytest.fail("terraform and an AWS provider mirror are required (set CLUSTERWIZ_TF_PLUGIN_MIRROR)")
    found = sorted((mirror / PROVIDER_DIR / AWS_PROVIDER_VERSION / terraform_platform()).glob("*"))
    assert found, f"the provider mirror {mirror} does not hold hashicorp/aws {AWS_PROVIDER_VERSION}"
    return found


def offer(directory: Path, packages: list[Path]) -> Path:
    """A filesystem mirror at `directory` holding the pinned release (links to the machine's mirror's files)."""
    platform = directory / PROVIDER_DIR / AWS_PROVIDER_VERSION / terraform_platform()
    platform.mkdir(parents=True)
    for package in packages:
        (platform / package.name).symlink_to(package)
    return directory


def user_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The environment of a user whose home is <tmp>/user, with no Terraform setup unless `variables` add one."""
    env = {key: value for key, value in os.environ.items() if key not in USER_TERRAFORM_VARIABLES}
    user = tmp_path / "user"
    user.mkdir(exist_ok=True)
    env.update(HOME=str(user), XDG_DATA_HOME=str(user / ".local" / "share"), XDG_DATA_DIRS=str(tmp_path / "system"),
               CHECKPOINT_DISABLE="1", **variables)
    return env


def cluster_workdir(path: Path) -> Path:
    """A working directory needing hashicorp/aws at the pin, with the lock file render writes."""
    path.mkdir(parents=True)
    (path / "versions.tf").write_text('terraform {\n  required_providers {\n    aws = {\n'
                                      f'      source  = "hashicorp/aws"\n      version = "{AWS_PROVIDER_CONSTRAINT}"\n'
                                      "    }\n  }\n}\n")
    lock_provider(path)
    return path


def init(workdir: Path, env: dict[str, str]) -> str:
    """A real `terraform init` of `workdir`; returns what it printed."""
    runner = TerraformRunner(workdir, workdir.parent / f"{workdir.name}.log", env=env)
    runner.init()
    return runner.log_file.read_text()


def installed_package(workdir: Path) -> Path:
    platform = workdir / ".terraform" / "providers" / PROVIDER_DIR / AWS_PROVIDER_VERSION / terraform_platform()
    (package,) = platform.glob("terraform-provider-aws_*")
    return package.resolve()


def test_the_mirror_setting_is_used_through_a_config_clusterwiz_writes(tmp_path: Path, packages: list[Path]):
    # An odd directory name: the config's strings must reach Terraform unchanged.
    mirror = offer(tmp_path / 'my "mirror" ${x}', packages)
    users_own = tmp_path / "user" / ".terraformrc"
    users_own.parent.mkdir()
    users_own.write_text('plugin_cache_dir = "/nowhere"\n')
    env = user_environment(tmp_path)
    home = tmp_path / "home"

    installation = find_provider_installation(home, mirror, env)
    assert (installation.mirror, installation.problem, installation.users_config) == (mirror, "", False)
    assert any(f"your Terraform CLI config {users_own} is not used" in note for note in installation.notes)
    output = init(cluster_workdir(tmp_path / "one"), installation.terraform_environment(env))

    assert f"Installed hashicorp/aws v{AWS_PROVIDER_VERSION}" in output
    assert installed_package(tmp_path / "one") == packages[-1].resolve()
    cached = installation.cache_dir / PROVIDER_DIR / AWS_PROVIDER_VERSION / terraform_platform()
    assert installation.cache_dir == home / "terraform" / "plugin-cache" and cached.exists()
    assert "h1:" in (tmp_path / "one" / LOCK_FILE).read_text()


def test_a_mirror_setting_without_the_pinned_release_says_what_to_put_there(tmp_path: Path):
    empty = tmp_path / "mirror"
    empty.mkdir()
    problem = find_provider_installation(tmp_path / "home", empty, user_environment(tmp_path)).problem
    assert problem.startswith(f"CLUSTERWIZ_TF_PLUGIN_MIRROR (or --plugin-mirror) names {empty}, which holds no "
                              f"hashicorp/aws {AWS_PROVIDER_VERSION}")
    assert str(empty / PROVIDER_DIR / AWS_PROVIDER_VERSION / terraform_platform()) in problem
    assert "terraform providers mirror" in problem


def test_the_users_own_cli_config_is_used_as_it_is_with_the_shared_cache(tmp_path: Path, packages: list[Path]):
    mirror = offer(tmp_path / "their-mirror", packages)
    users_own = tmp_path / "user" / ".terraformrc"
    users_own.parent.mkdir()
    users_own.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    env = user_environment(tmp_path)  # no TF_CLI_CONFIG_FILE: Terraform reads ~/.terraformrc

    installation = find_provider_installation(tmp_path / "home", None, env)
    assert (installation.users_config, installation.config_file, installation.mirror) == (True, users_own, mirror)
    run_env = installation.terraform_environment(env)
    assert run_env["TF_CLI_CONFIG_FILE"] == str(users_own)
    assert users_own.read_text().startswith("provider_installation")  # theirs, untouched
    init(cluster_workdir(tmp_path / "one"), run_env)
    assert (installation.cache_dir / PROVIDER_DIR / AWS_PROVIDER_VERSION / terraform_platform()).exists()

    # A plugin cache of their own is kept: clusterwiz does not put its own in its place.
    users_own.write_text(users_own.read_text() + f'plugin_cache_dir = "{tmp_path / "their-cache"}"\n')
    own_cache = find_provider_installation(tmp_path / "home", None, env)
    assert own_cache.users_cache and "TF_PLUGIN_CACHE_DIR" not in own_cache.terraform_environment(env)


def test_terraforms_implied_mirror_directory_is_found_and_a_missing_TF_CLI_CONFIG_FILE_is_named(
        tmp_path: Path, packages: list[Path]):
    implied = offer(tmp_path / "user" / ".local" / "share" / "terraform" / "plugins", packages)
    missing = tmp_path / "user" / ".terraformrc"  # as this machine's TF_CLI_CONFIG_FILE: set, but no such file
    env = user_environment(tmp_path, TF_CLI_CONFIG_FILE=str(missing))

    installation = find_provider_installation(tmp_path / "home", None, env)
    assert (installation.mirror, installation.users_config) == (implied, False)
    assert installation.notes == (f"TF_CLI_CONFIG_FILE names {missing}, which does not exist: Terraform ignores it "
                                  "(with a warning on every run) and clusterwiz uses its own settings; create the "
                                  "file or unset the variable",)
    output = init(cluster_workdir(tmp_path / "one"), installation.terraform_environment(env))
    assert f"Installed hashicorp/aws v{AWS_PROVIDER_VERSION}" in output
    assert "Unable to open CLI configuration file" not in output


def test_a_second_cluster_links_the_cached_provider_even_with_no_mirror_left(tmp_path: Path, packages: list[Path]):
    home = tmp_path / "home"
    env = user_environment(tmp_path)
    first = find_provider_installation(home, offer(tmp_path / "mirror", packages), env)
    init(cluster_workdir(tmp_path / "one"), first.terraform_environment(env))

    # No mirror named any more, none implied, no config of the user's, no network: the cache alone serves it.
    second = find_provider_installation(home, None, env)
    assert (second.mirror, second.registry) == (first.cache_dir, False)
    output = init(cluster_workdir(tmp_path / "two"), second.terraform_environment(env))
    assert f"Using hashicorp/aws v{AWS_PROVIDER_VERSION} from the shared cache directory" in output
    assert installed_package(tmp_path / "two") == installed_package(tmp_path / "one")


def test_with_no_mirror_and_an_empty_cache_terraform_goes_to_the_registry(tmp_path: Path):
    installation = find_provider_installation(tmp_path / "home", None, user_environment(tmp_path))
    assert (installation.mirror, installation.registry, installation.problem) == (None, True, "")
    installation.terraform_environment({})
    assert "provider_installation {\n  direct {}\n}" in installation.config_file.read_text()
