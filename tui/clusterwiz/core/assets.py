"""Where the bundled Terraform modules and wizard templates live, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

from clusterwiz.core.errors import ClusterwizError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CANDIDATE_ROOTS = (
    _PACKAGE_DIR / "_assets",  # installed wheel: force-included by pyproject.toml
    _PACKAGE_DIR.parent.parent,  # source checkout: tui/clusterwiz -> repository root
)


def asset_dir(name: str) -> Path:
    """The directory of a bundled asset ('terraform_modules' or 'wizard_templates')."""
    for root in _CANDIDATE_ROOTS:
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise ClusterwizError(
        f"clusterwiz's bundled {name} are missing from {_PACKAGE_DIR}; reinstall clusterwiz "
        "(pip install --force-reinstall clusterwiz)"
    )


def terraform_modules_dir() -> Path:
    return asset_dir("terraform_modules")


def wizard_templates_dir() -> Path:
    return asset_dir("wizard_templates")
