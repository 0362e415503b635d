"""Run the real terraform binary over a private copy of the bundled modules (never inside the source tree)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from clusterwiz.core.assets import terraform_modules_dir

# Terraform's own working files must not leak from one copy (or a developer's checkout) into another.
_IGNORED = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.backup")


def copy_modules(destination: Path) -> Path:
    """A copy of terraform_modules/ at destination/modules, so init and test write nothing into the checkout."""
    target = destination / "modules"
    shutil.copytree(terraform_modules_dir(), target, ignore=_IGNORED)
    return target


def bundled_module_names() -> list[str]:
    return sorted(path.parent.name for path in terraform_modules_dir().glob("*/versions.tf"))


def terraform(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run terraform; a failure raises with its full output so the test report says what Terraform said."""
    result = subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(f"terraform {' '.join(args)} failed in {cwd} (exit {result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result
