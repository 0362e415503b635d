"""Offline Terraform for tests: find the preinstalled provider mirror, and have the product write its CLI config."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from clusterwiz.core.provider import find_provider_installation
from clusterwiz.core.settings import PLUGIN_MIRROR_ENV as MIRROR_ENV

# Where machines commonly keep a provider mirror; searched only when MIRROR_ENV is not set.
SEARCH_ROOTS = (
    "/opt",
    "/usr/local/share/terraform",
    "/usr/share/terraform",
    "~/.terraform.d",
    "~/.local/share/terraform",
)
PROVIDER_DIR = Path("registry.terraform.io/hashicorp/aws")


def find_provider_mirror() -> Path | None:
    """A directory holding registry.terraform.io/hashicorp/aws/<version>/<platform>/terraform-provider-aws_*."""
    explicit = os.environ.get(MIRROR_ENV)
    if explicit:
        return Path(explicit) if (Path(explicit) / PROVIDER_DIR).is_dir() else None
    for root in SEARCH_ROOTS:
        base = Path(root).expanduser()
        if not base.is_dir():
            continue
        for depth in range(0, 3):
            pattern = "/".join(["*"] * depth + [str(PROVIDER_DIR)]) if depth else str(PROVIDER_DIR)
            for hit in base.glob(pattern):
                if any(hit.glob("*/*/terraform-provider-aws_*")):
                    return hit.parents[2]
    return None


def write_cli_config(directory: Path, mirror: Path) -> Path:
    """The CLI config clusterwiz writes for the mirror (with its plugin cache under `directory`), for Terraform
    run by hand through TF_CLI_CONFIG_FILE."""
    installation = find_provider_installation(directory, mirror, os.environ)
    return Path(installation.terraform_environment({})["TF_CLI_CONFIG_FILE"])


def terraform_available() -> bool:
    return shutil.which("terraform") is not None and find_provider_mirror() is not None


def use_moto_offline(root: Path, endpoint: str, mirror: Path) -> None:
    """This process's environment for clusterwiz and Terraform against moto at `endpoint`, the provider from
    `mirror`: the machine's own AWS settings left out, as the tests' fixtures leave them out."""
    from tests.support.moto_server import UNSET_VARIABLES, aws_environment

    for key in UNSET_VARIABLES:
        os.environ.pop(key, None)
    os.environ.update(aws_environment(endpoint))
    os.environ["TF_CLI_CONFIG_FILE"] = str(write_cli_config(root, mirror))
