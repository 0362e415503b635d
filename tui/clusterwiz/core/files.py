"""Private files and directories: written atomically (temp file + rename), readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def make_private_dirs(path: Path) -> None:
    """Create `path` and its missing parents, each owner-only (mkdir(parents=True) makes the parents 0755)."""
    if path.is_dir():
        return
    make_private_dirs(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=PRIVATE_DIR_MODE)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents, owner-only) and make the directory itself owner-only, also when an older
    clusterwiz made it readable by others."""
    make_private_dirs(path)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def make_tree_private(root: Path) -> None:
    """Make a tree that was copied in (with the modes of its source) owner-only: directories 0700, files 0600."""
    for directory, _, names in os.walk(root):
        os.chmod(directory, PRIVATE_DIR_MODE)
        for name in names:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                os.chmod(path, PRIVATE_FILE_MODE)


def atomic_write_bytes(path: Path, data: bytes, mode: int = PRIVATE_FILE_MODE) -> None:
    """Replace `path` with `data` so readers see the old content or the new, never a torn file."""
    make_private_dirs(path.parent)
    # mkstemp creates the file 0600, so a secret is never readable by others, not even briefly.
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str, mode: int = PRIVATE_FILE_MODE) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable across a crash; some filesystems refuse, which is harmless.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
