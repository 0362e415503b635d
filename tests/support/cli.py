"""Run the real clusterwiz command as a user would, in a subprocess with the test's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TUI_DIR = Path(__file__).resolve().parents[2] / "tui"


def clusterwiz_command(home: Path, *args: str, env: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of `clusterwiz ARGS` for the home, with the test's environment and `env`."""
    environment = {**os.environ, "COLUMNS": "200", **(env or {}), "CLUSTERWIZ_HOME": str(home)}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TUI_DIR), environment.get("PYTHONPATH")]))
    return [sys.executable, "-m", "clusterwiz", *args], environment


def clusterwiz(home: Path, *args: str, timeout: float = 600, check: bool = True,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    argv, environment = clusterwiz_command(home, *args, env=env)
    result = subprocess.run(argv, env=environment, capture_output=True, text=True, timeout=timeout, check=False,
                            stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"clusterwiz {' '.join(args)} exited {result.returncode}\nstdout:\n{result.stdout}\n"
                             f"stderr:\n{result.stderr}")
    return result


def clusterwiz_json(home: Path, *args: str, **kwargs: Any) -> Any:
    return json.loads(clusterwiz(home, "--json", *args, **kwargs).stdout)
