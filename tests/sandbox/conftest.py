"""Fixtures for the sandbox tests: clusterwiz homes whose emulator is stopped when the test ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterwiz.core.sandbox import Emulator, ensure_emulator, stop_emulator


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A clusterwiz home of its own; whatever emulator a test starts in it is stopped afterwards."""
    path = tmp_path / "home"
    yield path
    stop_emulator(path)


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home whose emulator runs for the whole module (tests that only read the seeded account)."""
    path = tmp_path_factory.mktemp("sandbox") / "home"
    ensure_emulator(path)
    yield path
    stop_emulator(path)


@pytest.fixture(scope="module")
def seeded(seeded_home: Path) -> Emulator:
    return ensure_emulator(seeded_home)
