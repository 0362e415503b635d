"""Atomic, private file writes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from clusterwiz.core.files import atomic_write_bytes, atomic_write_text, ensure_private_dir


def test_writes_are_private_and_replace_the_whole_file(tmp_path: Path):
    target = tmp_path / "deep" / "state.json"
    atomic_write_text(target, "a much longer first version\n")
    atomic_write_text(target, "short\n")

    assert target.read_text() == "short\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_a_chosen_mode_is_applied(tmp_path: Path):
    target = tmp_path / "script.sh"
    atomic_write_bytes(target, b"#!/bin/sh\n", mode=0o700)
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path: Path):
    target = tmp_path / "cluster.yaml"
    atomic_write_text(target, "old\n")

    with pytest.raises(TypeError):  # fails midway, after the temp file was created
        atomic_write_bytes(target, "text where bytes belong")  # type: ignore[arg-type]
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cluster.yaml"]


def test_private_dirs_are_owner_only_even_when_they_existed(tmp_path: Path):
    existing = tmp_path / "keys"
    existing.mkdir(mode=0o755)
    ensure_private_dir(existing)
    ensure_private_dir(tmp_path / "a" / "b")

    assert stat.S_IMODE(existing.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700


def test_directories_made_for_a_file_are_owner_only_and_existing_ones_are_left_alone(tmp_path: Path):
    tmp_path.chmod(0o755)  # a parent clusterwiz did not make keeps its mode
    atomic_write_text(tmp_path / "home" / "cache" / "lookup.json", "{}")

    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "home" / "cache").stat().st_mode) == 0o700
