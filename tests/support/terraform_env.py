"""Offline Terraform for tests: find the preinstalled provider mirror and write a CLI config for it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MIRROR_ENV = "CLUSTERWIZ_TF_PLUGIN_MIRROR"
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
    """A CLI config that installs providers only from the mirror, linked through a shared plugin cache."""
    cache = directory / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    config = directory / "terraform.tfrc"
    config.write_text(
        f'plugin_cache_dir = "{cache}"\n'
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["registry.terraform.io/*/*"]\n  }}\n'
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n'
        "}\n"
    )
    return config


def terraform_available() -> bool:
    return shutil.which("terraform") is not None and find_provider_mirror() is not None
