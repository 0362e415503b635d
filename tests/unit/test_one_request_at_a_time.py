"""The sandbox emulator lets moto answer one request at a time: moto's backends are not thread-safe."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from clusterwiz.core.sandbox_server import OneRequestAtATime


def test_side_by_side_requests_are_answered_one_after_the_other() -> None:
    inside = 0
    most_inside = 0
    counting = threading.Lock()

    def slow_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        nonlocal inside, most_inside
        with counting:
            inside += 1
            most_inside = max(most_inside, inside)
        start_response("200 OK", [])
        time.sleep(0.01)  # long enough for the other requests to arrive meanwhile
        with counting:
            inside -= 1
        return [environ["PATH_INFO"].encode()]

    app = OneRequestAtATime(slow_app)
    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda n: app({"PATH_INFO": f"/{n}"}, lambda *args: None), range(16)))
    assert bodies == [[f"/{n}".encode()] for n in range(16)]
    assert most_inside == 1


def test_a_body_made_lazily_is_made_while_the_request_holds_its_turn() -> None:
    app_lock_held: list[bool] = []
    app = OneRequestAtATime(lambda environ, start_response: (app_lock_held.append(app.lock.locked()) or b"x"
                                                             for _ in range(2)))
    assert app({}, lambda *args: None) == [b"x", b"x"]
    assert app_lock_held == [True, True]
