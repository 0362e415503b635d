"""A cluster's expiry: when its head node stops the whole cluster by itself (node/expiry.py does the stopping).

The spec's expires_at is an absolute UTC time; people give it as a duration from now (`--expires 8h`) or a time.
An expiry in the past is refused wherever one is set or a cluster is built or started with one: such a cluster
would stop again at its first scaler pass.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.suggest import cli
from clusterwiz.node.expiry import EXPIRES_TAG

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace

DURATION = re.compile(r"(?:(?P<days>\d+)d)?(?:(?P<hours>\d+)h)?(?:(?P<minutes>\d+)m)?")
NEVER = ("never", "none", "off")
EXAMPLES = "e.g. 8h, 90m, 2d, 1d12h, a time such as 2026-12-04T18:00Z, or never"


class ExpiryError(ClusterwizError):
    """An expiry that cannot be used (unreadable, or already past)."""


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def parse_expires(text: str, now: datetime) -> datetime | None:
    """`8h`, `90m`, `2d`, `1d12h` from now, a time with its zone, or never (None)."""
    value = text.strip().lower()
    if value in NEVER:
        return None
    duration = DURATION.fullmatch(value)
    if value and duration:
        parts = {unit: int(amount or 0) for unit, amount in duration.groupdict().items()}
        delta = timedelta(**parts)
        if not delta:
            raise ExpiryError(f"an expiry of {text!r} is now; give a time to come ({EXAMPLES})")
        return (now + delta).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ExpiryError(f"{text!r} is not an expiry clusterwiz can read; use {EXAMPLES}") from None
    if moment.tzinfo is None:
        raise ExpiryError(f"{text!r} has no time zone; add one, e.g. {text.strip()}Z for UTC")
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if moment <= now:
        raise ExpiryError(f"{tag_value(moment)} is in the past (it is {tag_value(now)} now); give a time to come "
                          f"({EXAMPLES})")
    return moment


def tag_value(moment: datetime) -> str:
    """RFC 3339 in UTC, as the head node's tag and Terraform's validation want it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def describe_expiry(expires_at: datetime | None, now: datetime) -> str:
    """How a person reads it: 'in 3 h 20 min (2026-12-04 18:00 UTC)', 'expired 2 h 5 min ago (...)' or 'never'."""
    if expires_at is None:
        return "never"
    when = expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    left = (expires_at - now).total_seconds()
    return f"in {_span(left)} ({when})" if left > 0 else f"expired {_span(left)} ago ({when})"


def self_stop_summary(spec: ClusterSpec, now: datetime) -> str:
    """When the cluster stops by itself, as status and the dashboard say it."""
    rules = []
    if spec.idle_stop_minutes is not None:
        rules.append(f"after {spec.idle_stop_minutes} min with no job and nobody logged in")
    if spec.expires_at is not None:
        rules.append(f"at its expiry, {describe_expiry(spec.expires_at, now)}")
    if spec.budget_usd is not None:
        rules.append(f"once its ${spec.budget_usd:g} budget is spent")
    if not rules:
        return "never by itself: stop or destroy it when you are done"
    return "; ".join(rules)


def refuse_if_expired(name: str, expires_at: datetime | None, now: datetime, doing: str, *, sandbox: bool) -> None:
    """Building or starting an expired cluster would stop it again at once: say how to extend it instead."""
    if expires_at is not None and expires_at <= now:
        raise ExpiryError(f"cluster {name} {describe_expiry(expires_at, now)}, so it cannot be {doing}; extend it "
                          f"first: {cli('extend', name, '--by', '8h', sandbox=sandbox)} (or --never)")


def spec_with_expiry(spec: ClusterSpec, expires_at: datetime | None) -> ClusterSpec:
    """The same spec with another expiry (checked as a spec is)."""
    return ClusterSpec.from_mapping({**spec.model_dump(), "expires_at": expires_at},
                                    f"cluster {spec.name} with this expiry")


def extend_cluster(workspace: Workspace, name: str, expires_at: datetime | None) -> list[str]:
    """A new expiry (None: never) in the spec and its Terraform, and at once on the head node's tag, which its
    agent reads each pass: no apply is needed, and the next plan finds nothing to change. Returns the head
    instances retagged (none for a cluster not applied yet)."""
    changed = spec_with_expiry(workspace.registry.get(name).spec, expires_at)
    return retag_head_nodes(workspace, changed, EXPIRES_TAG, None if expires_at is None else tag_value(expires_at))


def retag_head_nodes(workspace: Workspace, changed: ClusterSpec, key: str, value: str | None) -> list[str]:
    """Render the changed spec, then set (None: remove) one of the tags the head node's agent reads each pass on
    the running head node, as Terraform would on the next apply. Returns the head instances retagged."""
    from clusterwiz.core.aws.errors import aws_errors
    from clusterwiz.core.lifecycle import render_cluster
    from clusterwiz.core.teardown import head_instances

    render_cluster(workspace, changed)
    heads = [raw["InstanceId"] for raw in head_instances(workspace.session, changed)]
    if heads:
        client = workspace.session.client("ec2", changed.region)
        if value is None:
            with aws_errors("ec2:DeleteTags", changed.region):
                client.delete_tags(Resources=heads, Tags=[{"Key": key}])
        else:
            with aws_errors("ec2:CreateTags", changed.region):
                client.create_tags(Resources=heads, Tags=[{"Key": key, "Value": value}])
    return heads
