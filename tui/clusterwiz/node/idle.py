"""Idle stop of the whole cluster, run by the head node's scaler after each pass.

When no job waits or runs and nobody is logged in for idle_stop_minutes, the head node stops every queue's group
(sizes 0/0/0, which `clusterwiz start` restores from the spec) and then its own instance, so only storage bills.
Logged-in users are warned first; the head node's `clusterwiz:stopped-by` tag says why it stopped.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Literal

from . import slurm_cli

# Under /run: cleared when the instance stops, so a started cluster counts its idle time afresh.
STATE_DIR = "/run/clusterwiz"
IDLE_STATE_FILE = f"{STATE_DIR}/idle.json"
WARNING_SECONDS = 300.0
STOPPED_BY_TAG = "clusterwiz:stopped-by"
STOP_FAILED = "could not stop itself: "  # the tag's value when the head node's stop was refused

IdleStep = Literal["warn", "stop"]


@dataclass(frozen=True)
class IdleState:
    since: float | None = None  # when the cluster was first seen unused, None while it is in use
    warned: bool = False


def next_idle_state(in_use: bool, state: IdleState, now: float, limit_seconds: float) -> tuple[IdleState,
                                                                                               IdleStep | None]:
    """The pure rule: in use resets the count; unused for the limit stops, a warning coming first."""
    if in_use:
        return IdleState(), None
    since = now if state.since is None else state.since
    unused_for = now - since
    if unused_for >= limit_seconds:
        return IdleState(since, state.warned), "stop"
    if not state.warned and unused_for >= limit_seconds - min(WARNING_SECONDS, limit_seconds / 2):
        return IdleState(since, True), "warn"
    return IdleState(since, state.warned), None


def read_state(path: str) -> dict:
    """A check's state between passes; an empty one when there is none yet or it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def write_state(path: str, data: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(f"{path}.new", "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(f"{path}.new", path)


def load_idle_state(path: str = IDLE_STATE_FILE) -> IdleState:
    data = read_state(path)
    try:
        return IdleState(since=data["since"], warned=data["warned"])
    except KeyError:
        return IdleState()


def save_idle_state(state: IdleState, path: str = IDLE_STATE_FILE) -> None:
    write_state(path, {"since": state.since, "warned": state.warned})


def logged_in_users(utmp: str | None = None) -> list[str]:
    """Who has a login session (utmp, as who(1) reads it; the system's own unless another file is named)."""
    result = subprocess.run(["who", *([utmp] if utmp else [])], capture_output=True, text=True, check=True)
    return sorted({line.split()[0] for line in result.stdout.splitlines() if line.strip()})


def in_use(utmp: str | None = None) -> tuple[bool, str]:
    """Whether the cluster is in use, and by what (for the scaler's log)."""
    jobs = slurm_cli.job_count()
    if jobs:
        return True, f"{jobs} job(s) waiting or running"
    users = logged_in_users(utmp)
    if users:
        return True, f"logged in: {', '.join(users)}"
    return False, "no job and nobody logged in"


def warn_users(message: str) -> None:
    subprocess.run(["wall", message], check=False, capture_output=True)


def stop_reason(limit_seconds: float, since: float) -> str:
    started = datetime.fromtimestamp(since, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    return f"idle: no job and nobody logged in for {limit_seconds / 60:g} min (since {started})"


def check_idle(limit_seconds: float, stop_cluster: Callable[[str], None], log: Callable[[str], None],
               now: float | None = None, state_file: str = IDLE_STATE_FILE,
               utmp: str | None = None) -> IdleStep | None:
    """One look at whether the cluster is in use; warns, or stops it through stop_cluster(reason)."""
    current = time.time() if now is None else now
    busy, what = in_use(utmp)
    state, step = next_idle_state(busy, load_idle_state(state_file), current, limit_seconds)
    save_idle_state(state, state_file)
    if step == "warn":
        left = limit_seconds - (current - (state.since or current))
        message = (f"clusterwiz: this cluster stops in {max(left, 0) / 60:.0f} min because it is unused ({what}); "
                   "submit a job or stay logged in to keep it running")
        warn_users(message)
        log(message)
    elif step == "stop":
        reason = stop_reason(limit_seconds, state.since or current)
        log(f"stopping the cluster: {reason}")
        stop_cluster(reason)
    return step
