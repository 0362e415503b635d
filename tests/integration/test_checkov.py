"""checkov over terraform_modules/ (from its own venv, see scripts/checkov.sh): no failed check remains."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "checkov.sh"


def test_checkov_finds_no_failed_check() -> None:
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=900, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    passed = re.search(r"Passed checks: (\d+), Failed checks: (\d+)", report)
    assert passed is not None, report
    assert int(passed.group(1)) > 0 and passed.group(2) == "0", report
