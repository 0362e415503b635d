"""Single bootstrap steps run in the twin image, where the whole boot is not needed to see them work.

The image is Debian 13 without the slurm packages, so it has no `slurm` user: the state an EL9 node is in after
EPEL's slurm packages, which create none (their spec file has no useradd), while SlurmUser=slurm needs one.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.twins.image import BOOTSTRAP, TwinImage

pytestmark = pytest.mark.usefixtures("twin_image")


def bootstrap_function(name: str) -> str:
    """One shell function of bootstrap.sh, as written there."""
    match = re.search(rf"^{name}\(\) {{\n.*?^}}\n", BOOTSTRAP.read_text(), re.MULTILINE | re.DOTALL)
    assert match, f"bootstrap.sh has no function {name}"
    return match.group(0)


@pytest.fixture
def image_copy(twin_image: TwinImage, tmp_path: Path) -> Iterator[Path]:
    """The image's root under an overlay of the test's own: what a step writes is dropped afterwards."""
    for name in ("upper", "work", "merged"):
        (tmp_path / name).mkdir()
    options = f"lowerdir={twin_image.root},upperdir={tmp_path / 'upper'},workdir={tmp_path / 'work'}"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(tmp_path / "merged")], check=True)
    try:
        yield tmp_path / "merged"
    finally:
        subprocess.run(["umount", str(tmp_path / "merged")], check=True)


def run_in(root: Path, script: str) -> str:
    result = subprocess.run(["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "-D", str(root),
                             "bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_slurm_user_is_created_once_with_debian_s_uid_where_no_package_made_it(image_copy: Path) -> None:
    slurm_uid = re.search(r"^SLURM_UID=(\d+)$", BOOTSTRAP.read_text(), re.MULTILINE).group(1)
    output = run_in(image_copy, f"""
        log() {{ echo "log: $*"; }}
        SLURM_UID={slurm_uid}
        {bootstrap_function("ensure_slurm_user")}
        getent passwd slurm || echo "no slurm user before"
        ensure_slurm_user
        ensure_slurm_user
        getent passwd slurm
        getent group slurm
    """)
    assert output.splitlines() == [
        "no slurm user before",
        f"log: creating the slurm user (uid {slurm_uid})",
        f"slurm:x:{slurm_uid}:{slurm_uid}::/var/lib/slurm:/usr/sbin/nologin",
        f"slurm:x:{slurm_uid}:",
    ]
    assert slurm_uid == "64030"  # Debian's and Ubuntu's packages' uid: files on shared volumes keep one owner
