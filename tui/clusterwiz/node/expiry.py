"""Expiry of the whole cluster, checked by the head node's scaler after each pass.

The expiry is the head node's own `clusterwiz:expires-at` tag (RFC 3339, UTC), which Terraform sets from the spec's
expires_at and `clusterwiz extend` changes in place: a head node learns a new time without new user data (it reads
its user data once). At that time the cluster stops as idle stop stops it, whatever runs: the fleet to 0 nodes,
then the head node itself, so only storage bills. Logged-in users are warned an hour and again minutes before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Literal

from .idle import STATE_DIR, read_state, warn_users, write_state

EXPIRES_TAG = "clusterwiz:expires-at"
EXPIRY_STATE_FILE = f"{STATE_DIR}/expiry.json"
WARN_BEFORE_SECONDS = (3600.0, 300.0)

ExpiryStep = Literal["warn", "stop"]


@dataclass(frozen=True)
class ExpiryState:
    expires_at: float | None = None  # the expiry the warnings were given for: a new time warns afresh
    warned: tuple[float, ...] = ()  # which of WARN_BEFORE_SECONDS were given


def parse_expiry(text: str) -> float:
    """The tag's time as seconds since the epoch; a time without a zone is refused (ValueError)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.timestamp()


def next_expiry_state(expires_at: float | None, state: ExpiryState,
                      now: float) -> tuple[ExpiryState, ExpiryStep | None]:
    """The pure rule: stop at the expiry; before it, one warning per threshold crossed (the latest one only)."""
    if expires_at is None:
        return ExpiryState(), None
    warned = state.warned if state.expires_at == expires_at else ()
    left = expires_at - now
    if left <= 0:
        return ExpiryState(expires_at, warned), "stop"
    crossed = tuple(before for before in WARN_BEFORE_SECONDS if left <= before)
    if crossed and not set(crossed) <= set(warned):
        return ExpiryState(expires_at, tuple(sorted(set(warned) | set(crossed), reverse=True))), "warn"
    return ExpiryState(expires_at, warned), None


def load_expiry_state(path: str = EXPIRY_STATE_FILE) -> ExpiryState:
    data = read_state(path)
    try:
        return ExpiryState(expires_at=data["expires_at"], warned=tuple(data["warned"]))
    except (KeyError, TypeError):
        return ExpiryState()


def save_expiry_state(state: ExpiryState, path: str = EXPIRY_STATE_FILE) -> None:
    write_state(path, {"expires_at": state.expires_at, "warned": list(state.warned)})


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def check_expiry(expiry_tag: str | None, stop_cluster: Callable[[str], None], log: Callable[[str], None],
                 now: float | None = None, state_file: str = EXPIRY_STATE_FILE) -> ExpiryStep | None:
    """One look at the head node's expiry tag; warns, or stops the cluster through stop_cluster(reason)."""
    current = time.time() if now is None else now
    try:
        expires_at = None if not expiry_tag else parse_expiry(expiry_tag)
    except ValueError:
        # Never stop a cluster on a time nobody can read; say so where the scaler logs.
        log(f"ignoring the {EXPIRES_TAG} tag {expiry_tag!r}: not a time such as 2026-12-04T18:00Z")
        expires_at = None
    state, step = next_expiry_state(expires_at, load_expiry_state(state_file), current)
    save_expiry_state(state, state_file)
    if step == "warn" and expires_at is not None:
        message = (f"clusterwiz: this cluster expires at {_utc(expires_at)} and then stops, running jobs included "
                   f"(in {max(expires_at - current, 0) / 60:.0f} min); its owner can extend it with "
                   "`clusterwiz extend`")
        warn_users(message)
        log(message)
    elif step == "stop" and expires_at is not None:
        reason = f"expired: its expiry time {_utc(expires_at)} was reached"
        log(f"stopping the cluster: {reason}")
        stop_cluster(reason)
    return step
