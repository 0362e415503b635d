"""Fixtures for the plan/run/dashboard screens: an app on moto's server with cluster `demo` registered
(the spec the recorded streams were made from), and Terraform replayed from tests/tui_run/streams."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from clusterwiz.app import ClusterwizApp, make_app
from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from tests.tui_run.record_streams import REGION, spec_text

DEMO_AMI = "ami-0123456789abcdef0"


@pytest.fixture(scope="session")
def run_catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("run-catalog-cache")


@pytest.fixture
def settings(moto: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", region=REGION, endpoint_url=moto)


@pytest.fixture
def catalog(settings: Settings, run_catalog_cache: Path) -> Iterator[Catalog]:
    catalog = Catalog(AwsSession.from_settings(settings), cache_dir=run_catalog_cache)
    yield catalog
    # Lookups still under way would call moto while the next test resets and seeds it.
    catalog.close(wait=True)


@pytest.fixture
def registry(settings: Settings) -> Registry:
    registry = Registry(settings.home, "aws")
    registry.create(ClusterSpec.model_validate(yaml.safe_load(spec_text("demo", DEMO_AMI))))
    return registry


@pytest.fixture
def app(settings: Settings, catalog: Catalog, registry: Registry) -> ClusterwizApp:
    return make_app(settings, catalog_factory=lambda _: catalog, registry=registry)
