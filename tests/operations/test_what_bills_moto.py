"""The start-up reminder of what bills (issue 17): a note on stderr of every headless command, from the last live
look and the registry alone, and `clusterwiz list` telling a cluster that stopped itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.billing import BillingCluster, BillingNow, billing_now, look_up
from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.status import cluster_status
from tests.support.cli import clusterwiz, clusterwiz_json
from tests.tui_run.conftest import DEMO_AMI
from tests.tui_run.record_streams import REGION, spec_text
from tests.tui_run.test_teardown_menu import fleet_of, head_of, stopped_by_its_agent

NOWHERE = "http://127.0.0.1:9"  # no AWS answers here: the note must not need one


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def registry(home: Path) -> Registry:
    """Cluster demo, registered as if applied, whose resources the test makes in moto."""
    registry = Registry(home, "aws")
    registry.create(ClusterSpec.model_validate(yaml.safe_load(spec_text("demo", DEMO_AMI))))
    return registry


def live_per_hour(registry: Registry, name: str, tmp_path: Path) -> float:
    session = AwsSession(region=REGION)
    catalog = Catalog(session, cache_dir=tmp_path / "cache")
    return cluster_status(session, catalog, registry.get(name).spec).cost.per_hour


def note(result) -> str:
    """The command's billing note: its stderr line that starts as the note does."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("clusterwiz: ")]
    assert len(lines) <= 1, result.stderr
    return lines[0] if lines else ""


def test_every_command_says_what_bills_from_the_last_look_without_asking_aws(moto, registry, home, tmp_path):
    registry.set_status("demo", "applied")
    head_of("demo")
    fleet_of("demo", {"compute": 2, "gpu": 0})
    # Never looked at since its apply: it may bill, by how much is not known yet.
    assert note(clusterwiz(home, "--endpoint-url", NOWHERE, "locate")) == (
        "clusterwiz: May bill now: demo ? (applied; not looked at since clusterwiz last changed it); `clusterwiz "
        "list` looks again.")

    clusterwiz(home, "status", "demo")  # a live look, kept
    per_hour = live_per_hour(registry, "demo", tmp_path)
    assert per_hour > 0.2  # the head node and two c5.large nodes
    assert note(clusterwiz(home, "--endpoint-url", NOWHERE, "locate")) == (
        f"clusterwiz: Billing now, ${per_hour:.3f}/h: demo ${per_hour:.3f}/h, as of the last look just now.")


def test_quiet_json_list_and_version_print_no_note(moto, registry, home):
    registry.set_status("demo", "applied")
    head_of("demo")
    assert note(clusterwiz(home, "locate")).startswith("clusterwiz: May bill now: demo")
    assert note(clusterwiz(home, "--quiet", "locate")) == ""
    assert note(clusterwiz(home, "locate", "--quiet")) == ""  # a global option, before or after the command
    assert note(clusterwiz(home, "--json", "locate")) == ""  # a program reads it: what bills is in list --json
    listed = clusterwiz(home, "list")
    assert note(listed) == "" and "demo" in listed.stdout  # it shows what bills, live
    version = clusterwiz(home, "--version")
    assert version.stdout.startswith("clusterwiz ") and version.stderr == ""


def test_nothing_is_said_when_nothing_bills(moto, registry, home):
    assert note(clusterwiz(home, "locate")) == ""  # registered, never applied
    registry.set_status("demo", "destroyed")
    assert note(clusterwiz(home, "locate")) == ""


def test_list_tells_a_cluster_that_stopped_itself_with_what_it_still_costs(moto, registry, home, tmp_path):
    told = stopped_by_its_agent(registry)
    storage = live_per_hour(registry, "demo", tmp_path)
    assert 0 < storage < 0.01  # the head node's root and shared volumes, nothing else

    [row] = clusterwiz_json(home, "list")
    assert (row["status"], row["state"], row["per_hour"]) == ("applied", "stopped itself (idle)", storage)
    printed = clusterwiz(home, "list").stdout
    assert "stopped itself (idle)" in printed and f"{storage:.3f}" in printed
    assert told in " ".join(printed.split())

    # The list's look is the next start-up's figure: storage only.
    assert note(clusterwiz(home, "--endpoint-url", NOWHERE, "locate")) == (
        f"clusterwiz: Billing now, ${storage:.3f}/h: demo ${storage:.3f}/h (stopped itself (idle): storage only), "
        "as of the last look just now.")


def test_a_stop_by_clusterwiz_makes_the_last_look_stale(moto, registry, home):
    registry.set_status("demo", "applied")
    head_of("demo")
    fleet_of("demo", {"compute": 1, "gpu": 0})
    clusterwiz(home, "list")
    assert "demo $" in note(clusterwiz(home, "locate"))
    clusterwiz(home, "stop", "demo")
    assert "demo ? (applied; not looked at since clusterwiz last changed it)" in note(clusterwiz(home, "locate"))


def test_the_sandbox_is_told_apart_and_never_in_the_real_total(moto, registry, home, tmp_path):
    """A sandbox cluster's $/h is what it would cost: said to be emulated, never added to what really bills. (moto
    is the sandbox's emulator; the note needs none running for a cluster with nothing in its Terraform state, which
    cannot be gone with an emulator.)"""
    registry.set_status("demo", "applied")
    head_of("demo")
    sandbox = Registry(home, "sandbox")
    sandbox.create(ClusterSpec.model_validate(yaml.safe_load(spec_text("workshop", DEMO_AMI))))
    sandbox.set_status("workshop", "applied")
    head_of("workshop")
    fleet_of("workshop", {"compute": 1, "gpu": 0})
    session = AwsSession(region=REGION)
    catalog = Catalog(session, cache_dir=tmp_path / "cache")
    real = look_up(session, catalog, registry.get("demo"), sandbox=False).cost.per_hour
    emulated = look_up(session, catalog, sandbox.get("workshop"), sandbox=True).cost.per_hour
    assert emulated > real > 0

    said = billing_now(home, sandbox=True)
    assert [(c.name, c.emulated) for c in said.clusters] == [("demo", False), ("workshop", True)]
    assert said.total_per_hour == real
    assert said.line() == (f"Billing now, ${real:.3f}/h: demo ${real:.3f}/h, as of the last look just now. "
                           f"Sandbox, emulated (nothing bills): workshop ${emulated:.3f}/h.")
    # A real run does not speak of the sandbox's clusters; a sandbox one always speaks of the real ones.
    assert [c.name for c in billing_now(home, sandbox=False).clusters] == ["demo"]
    registry.set_status("demo", "destroyed")
    assert billing_now(home, sandbox=True).line() == (
        f"None of your real clusters bills. Sandbox, emulated (nothing bills): workshop ${emulated:.3f}/h.")


def test_each_cluster_is_a_row_of_state_and_per_hour_for_what_comes_next():
    """The reminder is data (an expired cluster, later, is one more state), its line is built from it."""
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    billing = BillingNow(clusters=(
        BillingCluster("big", "applied", 1.25, now - timedelta(hours=3)),
        BillingCluster("idle", "stopped itself (idle)", 0.008, now - timedelta(minutes=5), storage_only=True),
        BillingCluster("broken", "its files cannot be read", None, None),
    ), now=now)
    assert billing.total_per_hour == 1.258
    assert billing.line() == (
        "Billing now, at least $1.258/h: big $1.250/h, idle $0.008/h (stopped itself (idle): storage only), "
        "broken ? (its files cannot be read), as of the last look 3 h ago; `clusterwiz list` looks again.")


def test_an_expired_cluster_is_named_with_the_command_that_ends_its_bill():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    billing = BillingNow(clusters=(
        BillingCluster("lab", "stopped itself (expired)", 0.008, now - timedelta(minutes=2), storage_only=True,
                       expires_at=now - timedelta(hours=2)),
        BillingCluster("course", "applied", 0.125, now - timedelta(minutes=2), expires_at=now + timedelta(hours=3)),
    ), now=now)
    assert billing.line() == (
        "Billing now, $0.133/h: lab $0.008/h (stopped itself (expired): storage only) [expired 2 h 0 min ago "
        "(2026-12-04 10:00 UTC): `clusterwiz destroy lab` ends its bill], course $0.125/h [stops by itself in 3 h "
        "0 min (2026-12-04 15:00 UTC)], as of the last look 2 min ago; `clusterwiz list` looks again.")


def test_the_registered_expiry_reaches_the_note(moto, registry, home):
    registry.set_status("demo", "applied")
    head_of("demo")
    spec = registry.get("demo").spec
    registry.save_spec(ClusterSpec.model_validate({**spec.model_dump(), "expires_at": "2020-01-01T00:00:00Z"}))
    assert "[expired " in note(clusterwiz(home, "locate")) and "`clusterwiz destroy demo` ends its bill" in note(
        clusterwiz(home, "locate"))
