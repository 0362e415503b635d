"""Which clusters bill now, told at every start-up without asking AWS: from each cluster's last live look.

Every live look at a cluster (the lists, status, the dashboard) goes through look_up, which keeps what it found
beside the cluster's files. A change clusterwiz makes to the cluster after that look (an apply, a destroy, a stop or
a start) makes the look stale, and the cluster is told as billing an unknown amount until it is looked at again;
a change made without clusterwiz (the head node stopping itself) shows at the next look, which is why the reminder
says how old its looks are.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.expiry import describe_expiry
from clusterwiz.core.files import atomic_write_text
from clusterwiz.core.registry import ClusterRecord, Registry
from clusterwiz.core.status import PRICE_DIGITS, ClusterStatus, cluster_status, may_bill, state_label
from clusterwiz.core.suggest import cli

if TYPE_CHECKING:
    from pathlib import Path

LAST_LOOK_FILE = "last-look.json"
FRESH_S = 60  # a look this recent is what AWS says now: no need to look again
UNREADABLE = "its files cannot be read"


@dataclass(frozen=True)
class LastLook:
    checked_at: datetime
    per_hour: float  # status.py's cost figure, the one every list shows
    stopped_by: str | None  # why the head node had stopped itself, if it had


def look_up(session: Any, catalog: Any, record: ClusterRecord, *, sandbox: bool) -> ClusterStatus:
    """The cluster's live status (core.status), kept as its last look for the start-up reminder."""
    status = cluster_status(session, catalog, record.spec, sandbox=sandbox)
    look = {"checked_at": status.checked_at.isoformat(), "per_hour": status.cost.per_hour,
            "stopped_by": status.head.stopped_by if status.head else None}
    # A cluster forgotten while it was looked at has nothing left to remind of.
    with contextlib.suppress(FileNotFoundError):
        atomic_write_text(record.directory / LAST_LOOK_FILE, json.dumps(look) + "\n")
    return status


def forget_look(record: ClusterRecord) -> None:
    """clusterwiz changed what the cluster runs: its last look no longer says what it bills."""
    (record.directory / LAST_LOOK_FILE).unlink(missing_ok=True)


def last_look(record: ClusterRecord) -> LastLook | None:
    """The cluster's last look, unless clusterwiz applied, destroyed, stopped or started it since."""
    try:
        data = json.loads((record.directory / LAST_LOOK_FILE).read_text(encoding="utf-8"))
        look = LastLook(checked_at=datetime.fromisoformat(data["checked_at"]), per_hour=float(data["per_hour"]),
                        stopped_by=data.get("stopped_by"))
        changed = datetime.fromisoformat(record.metadata.updated)
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None  # never looked at, or a damaged file: as good as no look
    return look if look.checked_at >= changed else None


@dataclass(frozen=True)
class BillingCluster:
    """A cluster that bills now, as far as clusterwiz knows without asking AWS."""

    name: str
    state: str  # the lists' state label (core.status.state_label), from the registry and the last look
    per_hour: float | None  # None: not looked at since clusterwiz last changed it (or its files cannot be read)
    checked_at: datetime | None  # the look per_hour comes from
    emulated: bool = False  # a sandbox cluster: what it would cost in AWS; nothing bills
    storage_only: bool = False  # its head node had stopped itself: only its volumes bill
    expires_at: datetime | None = None  # when its head node stops it by itself (core.expiry)


@dataclass(frozen=True)
class BillingNow:
    clusters: tuple[BillingCluster, ...]
    now: datetime

    @property
    def real(self) -> list[BillingCluster]:
        return [cluster for cluster in self.clusters if not cluster.emulated]

    @property
    def emulated(self) -> list[BillingCluster]:
        return [cluster for cluster in self.clusters if cluster.emulated]

    @property
    def total_per_hour(self) -> float:
        """What the real clusters bill per hour, of those whose figure is known; the sandbox's bills nothing."""
        return round(sum(cluster.per_hour or 0.0 for cluster in self.real), PRICE_DIGITS)

    def line(self) -> str | None:
        """The reminder in one line; None when nothing bills (not even in the sandbox, emulated)."""
        if not self.clusters:
            return None
        parts = [self._real_part() if self.real else "None of your real clusters bills."]
        if self.emulated:
            parts.append("Sandbox, emulated (nothing bills): "
                         + ", ".join(_described(cluster, self.now) for cluster in self.emulated) + ".")
        return " ".join(parts)

    def _real_part(self) -> str:
        real = self.real
        unknown = any(cluster.per_hour is None for cluster in real)
        looks = [cluster.checked_at for cluster in real if cluster.checked_at is not None]
        if not looks:
            said = "May bill now"
        else:
            said = f"Billing now, {'at least ' if unknown else ''}${self.total_per_hour:.3f}/h"
        said += ": " + ", ".join(_described(cluster, self.now) for cluster in real)
        if looks:
            said += f", as of the last look {_age(self.now - min(looks))}"
        if unknown or not looks or (self.now - min(looks)).total_seconds() >= FRESH_S:
            said += f"; `{cli('list', sandbox=False)}` looks again"
        return said + "."


def _described(cluster: BillingCluster, now: datetime) -> str:
    price = "?" if cluster.per_hour is None else f"${cluster.per_hour:.3f}/h"
    if cluster.per_hour is None:
        why = "" if cluster.state == UNREADABLE else "; not looked at since clusterwiz last changed it"
        said = f"{cluster.name} {price} ({cluster.state}{why})"
    elif cluster.storage_only:
        said = f"{cluster.name} {price} ({cluster.state}: storage only)"
    else:
        said = f"{cluster.name} {price}" + ("" if cluster.state == "applied" else f" ({cluster.state})")
    return said + _expiry_note(cluster, now)


def _expiry_note(cluster: BillingCluster, now: datetime) -> str:
    """An expired cluster still bills its storage: say so with the command that ends it."""
    if cluster.expires_at is None:
        return ""
    if cluster.expires_at <= now:
        destroy = cli("destroy", cluster.name, sandbox=cluster.emulated)
        return f" [{describe_expiry(cluster.expires_at, now)}: `{destroy}` ends its bill]"
    return f" [stops by itself {describe_expiry(cluster.expires_at, now)}]"


def _age(elapsed: timedelta) -> str:
    seconds = max(0, int(elapsed.total_seconds()))
    if seconds < FRESH_S:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def billing_now(home: Path, *, sandbox: bool, now: datetime | None = None) -> BillingNow:
    """Every real cluster that may bill, and with `sandbox` every cluster of the running sandbox, from the registry
    and the last looks alone: quick enough for every start-up, with no AWS call."""
    clusters = _billing(Registry(home, area="aws"), emulated=False)
    if sandbox:
        clusters += _sandbox_billing(home)
    return BillingNow(clusters=tuple(clusters), now=now or datetime.now(UTC))


def _billing(registry: Registry, *, emulated: bool,
             gone: Callable[[ClusterRecord], bool] = lambda _record: False) -> list[BillingCluster]:
    found = []
    for name in registry.names():
        try:
            record = registry.get(name)
            if not may_bill(record) or gone(record):
                continue
            look = last_look(record)
            state = state_label(record, look.stopped_by if look else None)
        except ClusterwizError:  # a damaged spec or state: it may bill all the same
            found.append(BillingCluster(name, UNREADABLE, None, None, emulated))
            continue
        expires_at = record.spec.expires_at
        if look is None:
            found.append(BillingCluster(name, state, None, None, emulated, expires_at=expires_at))
        elif look.per_hour > 0:
            found.append(BillingCluster(name, state, look.per_hour, look.checked_at, emulated,
                                        storage_only=look.stopped_by is not None, expires_at=expires_at))
    return found


def _sandbox_billing(home: Path) -> list[BillingCluster]:
    """The running sandbox's clusters; those of a sandbox that has stopped are gone with it."""
    from clusterwiz.core.sandbox import is_gone, running_emulator

    registry = Registry(home, area="sandbox")
    if not registry.names():
        return []  # no emulator to ask after
    emulator = running_emulator(home)
    return _billing(registry, emulated=True, gone=lambda record: is_gone(record, emulator))
