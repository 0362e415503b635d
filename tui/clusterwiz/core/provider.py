"""The hashicorp/aws provider release every cluster is pinned to, the lock file that keeps a cluster on it, and
where `terraform init` gets it from (a mirror, the user's own Terraform CLI config, the shared plugin cache).

A new cluster's working directory gets a dependency lock file at its first render, naming AWS_PROVIDER_VERSION: its
first `terraform init` installs that release, not the newest one the constraint allows, and every later init keeps
it, since clusterwiz never rewrites or deletes the lock file and never runs `init -upgrade`. So a cluster's plan
does not change under it when a provider release comes out.

The lock lists no hashes. Terraform then records the checksum of the package it installs (trust on first use);
a lock holding only this machine's `h1:` hash would make init refuse the same release on another platform (a
Mac), and the registry's `zh:` hashes of every platform cannot be fetched offline. Terraform 1.11 rejects an empty
`hashes = []`, so the argument is left out, as for a version-only entry, which it accepts.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from clusterwiz.core import hcl
from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.files import atomic_write_text, ensure_private_dir
from clusterwiz.core.settings import PLUGIN_MIRROR_ENV, Settings

AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"
# Every module's versions.tf states this constraint too (a test holds them to it); in the lock file it must be in
# Terraform's normalised form, which this is.
AWS_PROVIDER_CONSTRAINT = "~> 5.100"
LOCK_FILE = ".terraform.lock.hcl"


def lock_file_text() -> str:
    return ("# Written by clusterwiz: the cluster stays on this provider release; terraform init adds the checksum\n"
            "# of the package it installs. Keep this file with the working directory.\n\n"
            f"provider {hcl.quote(AWS_PROVIDER_SOURCE)} {{\n"
            f"  version     = {hcl.quote(AWS_PROVIDER_VERSION)}\n"
            f"  constraints = {hcl.quote(AWS_PROVIDER_CONSTRAINT)}\n"
            "}\n")


def lock_provider(workdir: Path) -> None:
    """Write the lock file of a working directory that has none; one that exists already names the release the
    cluster was created with (and the checksums init recorded), and is kept as it is."""
    path = workdir / LOCK_FILE
    if not path.exists():
        atomic_write_text(path, lock_file_text())


# -- where `terraform init` gets the provider from -------------------------------------------------------------------

TERRAFORM_DIR = "terraform"  # under the clusterwiz home: the plugin cache and the CLI config clusterwiz writes
PLUGIN_CACHE_DIR = "plugin-cache"
CLI_CONFIG_FILE = "terraformrc"
PROVIDER_PACKAGE = "terraform-provider-aws"
MIRROR_SETTING = f"{PLUGIN_MIRROR_ENV} (or --plugin-mirror)"
# Terraform's names for Python's machine names; the provider packages are published per GOOS_GOARCH.
_GO_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386",
                     "i686": "386", "armv7l": "arm"}


def terraform_platform() -> str:
    """This machine as Terraform names a provider package's platform, e.g. linux_amd64."""
    system = {"win32": "windows", "cygwin": "windows"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    machine = platform.machine().lower()
    return f"{system}_{_GO_ARCHITECTURES.get(machine, machine)}"


def holds_provider(directory: Path, version: str = AWS_PROVIDER_VERSION, target: str | None = None) -> bool:
    """Whether a filesystem mirror (or a plugin cache: the same layout) holds hashicorp/aws `version` for the
    platform, unpacked (<version>/<platform>/terraform-provider-aws_*) or packed (a .zip per platform)."""
    target = target or terraform_platform()
    base = directory / AWS_PROVIDER_SOURCE
    return (any((base / version / target).glob(f"{PROVIDER_PACKAGE}_*"))
            or (base / f"{PROVIDER_PACKAGE}_{version}_{target}.zip").is_file())


def mirror_layout(directory: Path, version: str = AWS_PROVIDER_VERSION) -> str:
    """Where Terraform looks for the provider in a mirror, for a message telling the user what to put there."""
    return f"{directory / AWS_PROVIDER_SOURCE / version / terraform_platform()}/{PROVIDER_PACKAGE}_v{version}_x5"


def implied_mirror_dirs(env: Mapping[str, str]) -> list[Path]:
    """Terraform's implied local mirror directories on this OS, in its order (its CLI configuration docs)."""
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":
        appdata = Path(env.get("APPDATA", home / "AppData" / "Roaming"))
        return [appdata / "terraform.d" / "plugins", appdata / "HashiCorp" / "Terraform" / "plugins"]
    dirs = [home / ".terraform.d" / "plugins"]
    if sys.platform == "darwin":
        return [*dirs, home / "Library/Application Support/io.terraform/plugins",
                Path("/Library/Application Support/io.terraform/plugins")]
    data_home = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    data_dirs = [Path(d) for d in (env.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":") if d]
    return [*dirs, *(base / "terraform" / "plugins" for base in (data_home, *data_dirs))]


@dataclass(frozen=True)
class CliConfig:
    """What a Terraform CLI config says about installing providers (see read_cli_config)."""

    sets_plugin_cache: bool = False
    has_installation_block: bool = False
    filesystem_mirrors: tuple[Path, ...] = ()
    network_mirrors: tuple[str, ...] = ()
    direct: bool = False


def read_cli_config(path: Path) -> CliConfig:
    """The parts of the user's CLI config that decide where a provider comes from; ClusterwizError when it cannot
    be read. Include and exclude patterns are not weighed: any mirror named may serve hashicorp/aws."""
    import hcl2

    try:
        body = hcl2.loads(path.read_text(encoding="utf-8"))
    except Exception as error:  # python-hcl2 raises lark's exceptions, of several classes
        raise ClusterwizError(f"the Terraform CLI config {path} cannot be read ({type(error).__name__}: "
                              f"{str(error).splitlines()[0] if str(error) else 'no detail'}); fix it, or point "
                              "TF_CLI_CONFIG_FILE at another file") from error
    blocks = body.get("provider_installation") or []
    methods = [method for block in blocks for method in block.items() if method[0] != "__is_block__"]
    values = [(kind, entry) for kind, entries in methods for entry in entries]
    return CliConfig(
        sets_plugin_cache="plugin_cache_dir" in body,
        has_installation_block=bool(blocks),
        filesystem_mirrors=tuple(Path(os.path.expandvars(_unquote(entry["path"]))).expanduser()
                                 for kind, entry in values if kind == "filesystem_mirror" and "path" in entry),
        network_mirrors=tuple(_unquote(entry["url"]) for kind, entry in values
                              if kind == "network_mirror" and "url" in entry),
        direct=any(kind == "direct" for kind, _ in values))


def _unquote(value: object) -> str:
    # python-hcl2 keeps a string's quotes and escapes; a JSON string reads the same.
    text = str(value)
    return json.loads(text) if text.startswith('"') else text


def user_cli_config(env: Mapping[str, str]) -> tuple[Path | None, str]:
    """The user's own Terraform CLI config, as Terraform finds it, and what is wrong with where it is named ("" when
    nothing is): TF_CLI_CONFIG_FILE when set, else ~/.terraformrc (terraform.rc in %APPDATA% on Windows)."""
    named = env.get("TF_CLI_CONFIG_FILE")
    if named:
        path = Path(named).expanduser()
        if path.is_file():
            return path, ""
        return None, (f"TF_CLI_CONFIG_FILE names {path}, which does not exist: Terraform ignores it (with a "
                      "warning on every run) and clusterwiz uses its own settings; create the file or unset "
                      "the variable")
    home = Path(env.get("HOME") or Path.home())
    default = (Path(env.get("APPDATA", home)) / "terraform.rc" if sys.platform == "win32" else home / ".terraformrc")
    return (default, "") if default.is_file() else (None, "")


@dataclass(frozen=True)
class ProviderInstallation:
    """Where clusterwiz's `terraform init` gets hashicorp/aws, and the one plugin cache every cluster shares.

    In order: the mirror the clusterwiz setting names (in a CLI config clusterwiz writes); else the user's own CLI
    config, used as it is; else, in a CLI config clusterwiz writes, the first of Terraform's implied local mirror
    directories that holds the pinned release, then the plugin cache once it holds it (so a machine that has
    downloaded the provider once can create clusters offline), then the registry. The lock files list no checksums
    (see above), and Terraform then ignores a cached package unless TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE
    is set: it is, so a second cluster links the cached provider instead of downloading it again, and its lock
    records the package's `h1:` checksum, as an install from a mirror does.
    """

    cache_dir: Path
    config_file: Path  # the CLI config Terraform is given: the user's own, or the one clusterwiz writes
    users_config: bool
    users_cache: bool = False  # the user's config names a plugin cache of its own, which is kept
    mirror: Path | None = None  # a directory holding the pinned release, when one is known
    origin: str = ""  # where `mirror` was named, in words
    network_mirrors: tuple[str, ...] = ()
    registry: bool = False  # Terraform may fetch the provider from registry.terraform.io
    problem: str = ""  # why init cannot install the provider, and what to do ("" when it may)
    notes: tuple[str, ...] = ()  # what is off in the user's setup without stopping a run

    def terraform_environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """`base` with Terraform pointed at this installation; writes clusterwiz's CLI config when it is used."""
        ensure_private_dir(self.cache_dir)
        env = dict(base)
        if not self.users_config:
            atomic_write_text(self.config_file, cli_config_text(self.cache_dir, self.mirror))
        elif not self.users_cache:
            env.setdefault("TF_PLUGIN_CACHE_DIR", str(self.cache_dir))
        env["TF_CLI_CONFIG_FILE"] = str(self.config_file)
        env.setdefault("TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", "true")
        return env


def cli_config_text(cache_dir: Path, mirror: Path | None) -> str:
    """The CLI config clusterwiz writes: the shared plugin cache, and hashicorp/aws from `mirror` alone when there
    is one (else from the registry). Its strings are JSON's: the CLI config is HCL 1, which reads `${` literally
    and has JSON's escapes, so core/hcl.py's HCL 2 quoting would change a path holding `${`."""
    provider = json.dumps(AWS_PROVIDER_SOURCE)
    methods = (f"  filesystem_mirror {{\n    path    = {json.dumps(str(mirror))}\n    include = [{provider}]\n  }}\n"
               f"  direct {{\n    exclude = [{provider}]\n  }}\n") if mirror else "  direct {}\n"
    return (f"# Written by clusterwiz for its own terraform runs; rewritten at every run.\n"
            f"plugin_cache_dir = {json.dumps(str(cache_dir))}\n"
            f"provider_installation {{\n{methods}}}\n")


def provider_installation(settings: Settings) -> ProviderInstallation:
    """The installation clusterwiz's runs use, from its settings and the caller's environment."""
    return find_provider_installation(settings.home, settings.plugin_mirror, os.environ)


def find_provider_installation(home: Path, mirror_setting: Path | None, env: Mapping[str, str]) -> ProviderInstallation:
    """How clusterwiz's runs get hashicorp/aws AWS_PROVIDER_VERSION; `env` is the caller's environment."""
    terraform_dir = home / TERRAFORM_DIR
    cache, written = terraform_dir / PLUGIN_CACHE_DIR, terraform_dir / CLI_CONFIG_FILE
    users, naming_problem = user_cli_config(env)
    notes = (naming_problem,) if naming_problem else ()
    if mirror_setting is not None:
        if users is not None:
            notes += (f"your Terraform CLI config {users} is not used by clusterwiz's runs: {MIRROR_SETTING} names "
                      "the provider mirror they use",)
        problem = "" if holds_provider(mirror_setting) else (
            f"{MIRROR_SETTING} names {mirror_setting}, which holds no hashicorp/aws {AWS_PROVIDER_VERSION} for "
            f"{terraform_platform()} (Terraform looks for {mirror_layout(mirror_setting)}); point it at a directory "
            f"that does (`terraform providers mirror -platform={terraform_platform()} DIR`, run in a cluster's "
            "working directory on a machine with internet access, writes one), or unset it")
        return ProviderInstallation(cache, written, users_config=False, mirror=mirror_setting,
                                    origin=MIRROR_SETTING, problem=problem, notes=notes)
    if users is not None:
        return _through_users_config(cache, users, env, notes)
    for directory in implied_mirror_dirs(env):
        if holds_provider(directory):
            return ProviderInstallation(cache, written, users_config=False, mirror=directory,
                                        origin="Terraform's implied local mirror directory", notes=notes)
    if holds_provider(cache):
        return ProviderInstallation(cache, written, users_config=False, mirror=cache,
                                    origin="clusterwiz's plugin cache (downloaded before)", notes=notes)
    return ProviderInstallation(cache, written, users_config=False, registry=True, notes=notes)


def _through_users_config(cache: Path, config: Path, env: Mapping[str, str],
                          notes: tuple[str, ...]) -> ProviderInstallation:
    """The user's CLI config as Terraform reads it: its provider_installation block, or without one Terraform's
    implied mirror directories and the registry."""
    try:
        read = read_cli_config(config)
    except ClusterwizError as error:
        return ProviderInstallation(cache, config, users_config=True, notes=(*notes, str(error)))
    mirrors = read.filesystem_mirrors if read.has_installation_block else tuple(implied_mirror_dirs(env))
    holding = next((mirror for mirror in mirrors if holds_provider(mirror)), None)
    return ProviderInstallation(cache, config, users_config=True, users_cache=read.sets_plugin_cache, mirror=holding,
                                origin=f"your Terraform CLI config {config}", network_mirrors=read.network_mirrors,
                                registry=read.direct or not read.has_installation_block, notes=notes)
