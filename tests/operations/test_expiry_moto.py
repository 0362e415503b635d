"""A cluster's expiry through the CLI, applied for real by Terraform against moto's server: set at render,
moved by extend straight onto the running head node (and the next apply keeps it: the spec says the same), refused
when past, and an expired cluster refused a start until it is extended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import yaml

from clusterwiz.core.expiry import ExpiryError, describe_expiry, parse_expires
from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from tests.operations.test_operations_moto import REGION, prepare_account, write_spec
from tests.support.cli import clusterwiz, clusterwiz_json

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("8h", NOW + timedelta(hours=8)),
    ("90m", NOW + timedelta(minutes=90)),
    ("1d12h", NOW + timedelta(days=1, hours=12)),
    ("never", None),
    ("2026-12-04T18:00Z", datetime(2026, 12, 4, 18, 0, tzinfo=UTC)),
    ("2026-12-04T19:00:00+01:00", datetime(2026, 12, 4, 18, 0, tzinfo=UTC)),
])
def test_an_expiry_is_read_as_people_write_it(text: str, expected: datetime | None) -> None:
    assert parse_expires(text, NOW) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("0h", "is now"),
    ("2026-12-04T09:00Z", "is in the past"),
    ("2026-12-04T18:00", "has no time zone"),
    ("8", "not an expiry clusterwiz can read"),
    ("soon", "not an expiry clusterwiz can read"),
])
def test_an_unusable_expiry_is_refused_with_what_to_write(text: str, says: str) -> None:
    with pytest.raises(ExpiryError, match=says):
        parse_expires(text, NOW)


def test_an_expiry_reads_as_time_left() -> None:
    assert describe_expiry(NOW + timedelta(hours=3, minutes=20), NOW) == "in 3 h 20 min (2026-12-04 13:20 UTC)"
    assert describe_expiry(NOW - timedelta(minutes=5), NOW) == "expired 5 min ago (2026-12-04 09:55 UTC)"


def head_tags(cluster: str) -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    reservations = ec2.describe_instances(Filters=[{"Name": "tag:clusterwiz:cluster", "Values": [cluster]},
                                                   {"Name": "tag:clusterwiz:role", "Values": ["head"]}])
    (instance,) = [i for r in reservations["Reservations"] for i in r["Instances"]
                   if i["State"]["Name"] != "terminated"]
    return {tag["Key"]: tag["Value"] for tag in instance["Tags"]}


def test_expiry_from_render_to_extend_to_a_refused_start(moto, terraform_cli_config, tmp_path: Path) -> None:
    ami_id, _ = prepare_account()
    home = tmp_path / "home"
    spec_file = write_spec(tmp_path / "cluster.yaml", "lab", ami_id)

    refused = clusterwiz(home, "render", "--config", str(spec_file), "--expires", "2020-01-01T00:00Z", check=False)
    assert refused.returncode == 2 and "is in the past" in refused.stderr and "Traceback" not in refused.stderr
    assert Registry(home, area="aws").names() == []  # nothing registered

    before = datetime.now(UTC)
    clusterwiz(home, "render", "--config", str(spec_file), "--expires", "8h")
    expires = Registry(home, area="aws").get("lab").spec.expires_at
    assert timedelta(hours=8) - timedelta(minutes=1) <= expires - before <= timedelta(hours=8, minutes=1)
    clusterwiz(home, "--json", "apply", "lab", "--yes")
    assert head_tags("lab")["clusterwiz:expires-at"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    status = clusterwiz(home, "status", "lab").stdout
    assert "Stops: after 60 min with no job and nobody logged in; at its expiry, in 7 h 59 min (" in status \
        or "at its expiry, in 8 h 0 min (" in status, status
    assert clusterwiz_json(home, "status", "lab")["expires_at"] == expires.isoformat()

    # The time passes (written into the registered spec as if it had): start is refused until it is extended.
    registered = Registry(home, area="aws").get("lab").spec_path
    data = yaml.safe_load(registered.read_text())
    data["expires_at"] = "2026-01-01T00:00:00Z"
    registered.write_text(ClusterSpec.model_validate(data).to_yaml())
    clusterwiz(home, "stop", "lab", "--all")
    start = clusterwiz(home, "start", "lab", check=False)
    assert start.returncode == 2 and "Traceback" not in start.stderr
    assert "cluster lab expired" in start.stderr and "clusterwiz extend lab --by 8h" in start.stderr
    clusterwiz(home, "extend", "lab", "--by", "2h")
    clusterwiz(home, "start", "lab")

    extended = clusterwiz_json(home, "extend", "lab", "--until", "2030-01-01T12:00Z")
    assert extended["expires_at"] == "2030-01-01T12:00:00+00:00" and extended["head_instances_tagged"]
    assert head_tags("lab")["clusterwiz:expires-at"] == "2030-01-01T12:00:00Z"  # at once, no apply
    clusterwiz(home, "--json", "apply", "lab", "--yes")  # the spec and its Terraform say what the tag says
    assert head_tags("lab")["clusterwiz:expires-at"] == "2030-01-01T12:00:00Z"

    shown = clusterwiz(home, "extend", "lab", "--never").stdout
    assert "has no expiry" in shown
    assert "clusterwiz:expires-at" not in head_tags("lab")
    clusterwiz(home, "--json", "apply", "lab", "--yes")
    assert "clusterwiz:expires-at" not in head_tags("lab")

    clusterwiz(home, "destroy", "lab", "--yes")
