"""Fixtures for the catalog tests: a realistic moto account and a Catalog pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from tests.catalog.account import REGION, Account, build_account


@pytest.fixture
def account(moto: str) -> Account:
    return build_account()


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Instance types and offerings never change in moto: one disk cache saves each test parsing them."""
    return tmp_path_factory.mktemp("catalog-cache")


@pytest.fixture
def catalog(moto: str, shared_cache_dir: Path) -> Iterator[Catalog]:
    catalog = Catalog(AwsSession(region=REGION), cache_dir=shared_cache_dir)
    yield catalog
    catalog.close()
