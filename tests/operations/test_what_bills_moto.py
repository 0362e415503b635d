"""`clusterwiz list` tells a cluster that stopped itself (idle stop, issue 17) as the home screen does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.status import cluster_status
from tests.support.cli import clusterwiz, clusterwiz_json
from tests.tui_run.conftest import DEMO_AMI
from tests.tui_run.record_streams import REGION, spec_text
from tests.tui_run.test_teardown_menu import stopped_by_its_agent


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


def test_list_tells_a_cluster_that_stopped_itself_with_what_it_still_costs(moto, registry, home, tmp_path):
    told = stopped_by_its_agent(registry)
    storage = live_per_hour(registry, "demo", tmp_path)
    assert 0 < storage < 0.01  # the head node's root and shared volumes, nothing else

    [row] = clusterwiz_json(home, "list")
    assert (row["status"], row["state"], row["per_hour"]) == ("applied", "stopped itself (idle)", storage)
    printed = clusterwiz(home, "list").stdout
    assert "stopped itself (idle)" in printed and f"{storage:.3f}" in printed
    assert told in " ".join(printed.split())
