"""A thread pool whose threads never hold up the exit.

concurrent.futures' pool joins its threads when the interpreter exits, so a user who quits (or presses Ctrl-C)
waits for every lookup under way, answers nobody reads any more. These threads are daemons: they end with the
process. What they write (the disk cache) is written atomically, so an ended lookup leaves nothing half-written.
DaemonExecutor is the same pool as an asyncio event loop's default executor, where Textual runs its thread workers.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
Job = tuple[Future[Any], Callable[[], Any]]


class DaemonPool:
    def __init__(self, workers: int, name: str):
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{number}", daemon=True)
                         for number in range(workers)]
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def submit(self, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new lookups after the pool was shut down")
            if not self._started:
                self._started = True
                for thread in self._threads:
                    thread.start()
        future: Future[T] = Future()
        self._jobs.put((future, functools.partial(call, *args, **kwargs)))
        return future

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, call = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as error:  # handed to whoever waits on the future
                future.set_exception(error)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = False, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            started = self._started
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in self._threads:
            self._jobs.put(None)
        if wait and started:
            for thread in self._threads:
                thread.join()


class DaemonExecutor(ThreadPoolExecutor):
    """A DaemonPool in the shape asyncio's loop.set_default_executor requires. asyncio.run's end shuts the default
    executor down with wait=True, which would wait for a thread blocked on an endpoint that never answers: this
    one never waits."""

    def __init__(self, workers: int, name: str):
        super().__init__(max_workers=workers, thread_name_prefix=name)  # starts no thread: submit never reaches it
        self._pool = DaemonPool(workers, name)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=False, cancel_futures=cancel_futures)
