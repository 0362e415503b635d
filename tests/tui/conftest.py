"""Fixtures for the wizard tests: a realistic moto account, a catalog on it and an empty registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings
from clusterwiz.core.steps import Context, WizardState
from tests.catalog.account import REGION, Account, build_account


@pytest.fixture
def account(moto: str) -> Account:
    return build_account()


@pytest.fixture
def settings(moto: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", region=REGION, endpoint_url=moto)


@pytest.fixture(scope="session")
def catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Instance types and offerings are the same in every test's moto account: look them up once."""
    return tmp_path_factory.mktemp("catalog-cache")


@pytest.fixture
def catalog(settings: Settings, catalog_cache: Path) -> Iterator[Catalog]:
    catalog = Catalog(AwsSession.from_settings(settings), cache_dir=catalog_cache)
    yield catalog
    # Lookups still under way would call moto while the next test resets and seeds it.
    catalog.close(wait=True)


@pytest.fixture
def registry(settings: Settings) -> Registry:
    return Registry(settings.home, "aws")


@pytest.fixture
def state(catalog: Catalog, registry: Registry, account: Account) -> WizardState:
    return WizardState(Context(catalog=catalog, registry_names=frozenset(registry.names()), default_region=REGION))
