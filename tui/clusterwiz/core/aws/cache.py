"""Caches of lookups: one in memory per session (shared by threads) and one on disk with a TTL."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from clusterwiz.core.files import atomic_write_text, ensure_private_dir

DAY_S = 24 * 3600


class Memo:
    """Each key is computed once; concurrent callers of the same key wait for the first one.

    A failed lookup is forgotten, so the next call tries AWS again instead of repeating the old error.
    """

    def __init__(self) -> None:
        self._futures: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if owner:
                future = self._futures[key] = Future()
        assert future is not None
        if owner:
            try:
                future.set_result(compute())
            except BaseException as error:
                with self._lock:
                    self._futures.pop(key, None)
                future.set_exception(error)
        return future.result()


class DiskCache:
    """JSON documents under `directory`, each valid for its TTL; a corrupt or stale file is a miss."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self._private = False  # the directory made owner-only (an older clusterwiz made it 0755)

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        return self.directory / f"{digest}.json"

    def get(self, key: str, ttl_s: float) -> Any | None:
        if self.directory is None:
            return None
        path = self._path(key)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if document.get("key") != key or time.time() - float(document.get("stored_at", 0)) > ttl_s:
            return None
        return document.get("value")

    def put(self, key: str, value: Any) -> None:
        if self.directory is None:
            return
        # A cache that cannot be written (read-only home, full disk) only costs speed.
        with contextlib.suppress(OSError):
            if not self._private:
                ensure_private_dir(self.directory)
                self._private = True
            document = {"key": key, "stored_at": time.time(), "value": value}
            atomic_write_text(self._path(key), json.dumps(document, separators=(",", ":")))

    def cached(self, key: str, ttl_s: float, compute: Callable[[], Any]) -> Any:
        value = self.get(key, ttl_s)
        if value is None:
            value = compute()
            self.put(key, value)
        return value
