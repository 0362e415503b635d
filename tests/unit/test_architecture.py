"""core/ never imports a front-end (textual, questionary, the app): checked by import-linter's contract."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_is_independent_of_the_front_ends():
    lint_imports = shutil.which("lint-imports")
    assert lint_imports, "import-linter is part of the test extras: pip install -e '.[test]'"
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, check=False,
                            env={"PYTHONPATH": str(ROOT / "tui"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr
