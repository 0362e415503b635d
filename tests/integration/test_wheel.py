"""The built wheel carries the Terraform modules and templates: render a cluster from a fresh install."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_installs_and_renders_with_its_own_assets(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(dist), str(ROOT)], check=True, capture_output=True, text=True)
    [wheel] = dist.glob("clusterwiz-*.whl")
    venv = tmp_path / "venv"
    # System site-packages provide the dependencies; the wheel itself must bring everything else.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, capture_output=True, text=True)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        import clusterwiz
        from clusterwiz.core.assets import terraform_modules_dir
        from clusterwiz.core.render import render_workdir
        from clusterwiz.core.resolve import ResolvedInputs
        from clusterwiz.core.spec import ClusterSpec
        assert "site-packages" in clusterwiz.__file__, clusterwiz.__file__
        assert "_assets" in str(terraform_modules_dir()), terraform_modules_dir()
        spec = ClusterSpec.from_yaml(
            "name: w\\nregion: eu-west-2\\nqueues: [{{name: q, instance_types: [c5.large]}}]\\n")
        resolved = ResolvedInputs("ami-0123456789abcdef0", "x86_64", "eu-west-2a", "203.0.113.7/32")
        render_workdir(spec, resolved, Path({str(tmp_path / "workdir")!r}))
    """)
    # Run from an empty directory so the checkout's tui/ cannot be imported by accident.
    subprocess.run([str(python), "-c", script], check=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                   capture_output=True, text=True)
    workdir = tmp_path / "workdir"
    assert (workdir / "modules" / "compute_fleet" / "templates").is_dir()
    assert (workdir / "main.tf").is_file() and (workdir / "node-agent.lzma").stat().st_size > 1000
    help_text = subprocess.run([str(venv / "bin" / "clusterwiz"), "--help"], check=True, capture_output=True,
                               text=True, cwd=tmp_path).stdout
    assert "render" in help_text
