"""Fixtures of the twin tests: the image, and a harness booting a twin of every instance moto's server runs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.moto_server import TEST_REGION
from tests.twins.harness import TwinHarness
from tests.twins.image import TwinImage, ensure_image

REQUIRED = ("systemd-nspawn", "debootstrap", "apt-ftparchive", "losetup", "nsenter", "ip")


@pytest.fixture(scope="session")
def twin_image() -> TwinImage:
    """Fails, never skips: CI installs what the twins need (.ci/run) and builds the image once per machine."""
    missing = [command for command in REQUIRED if shutil.which(command) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: install Debian's systemd-container debootstrap apt-utils "
                    "iproute2 util-linux (see .ci/run)")
    if os.geteuid() != 0:
        pytest.fail("twins boot as root (network namespaces, overlays, loop devices)")
    return ensure_image()


@pytest.fixture(scope="module")
def twins(twin_image: TwinImage, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwinHarness]:
    # Overlays need a file system that supports them: pytest's tmp dir is on this machine's disk, not a tmpfs.
    workdir: Path = tmp_path_factory.mktemp("twins")
    with TwinHarness(twin_image, moto_endpoint, workdir, TEST_REGION) as harness:
        yield harness
