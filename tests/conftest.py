"""Session fixtures: moto's server and offline Terraform, shared by every test that needs AWS."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterwiz.core.provider import find_provider_installation
from tests.support.moto_server import UNSET_VARIABLES, aws_environment, reset_moto, running_moto_server
from tests.support.terraform_env import MIRROR_ENV, find_provider_mirror


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server for the whole session; os.environ points boto3 and Terraform at it."""
    saved = {key: os.environ.get(key) for key in (*UNSET_VARIABLES, "AWS_ENDPOINT_URL", "AWS_REGION",
                                                   "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                                                   "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    with running_moto_server() as endpoint:
        for key in UNSET_VARIABLES:
            os.environ.pop(key, None)
        os.environ.update(aws_environment(endpoint))
        try:
            yield endpoint
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def moto(moto_endpoint: str) -> str:
    """An empty emulated account for one test."""
    reset_moto(moto_endpoint)
    return moto_endpoint


@pytest.fixture(scope="session")
def terraform_cli_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Offline Terraform the product's way: CLUSTERWIZ_TF_PLUGIN_MIRROR names the preinstalled mirror, so every
    clusterwiz command writes its own CLI config for it. Terraform run without clusterwiz's settings (runners built
    by hand, Settings made without from_options) gets the config clusterwiz writes for a session-wide home, through
    TF_CLI_CONFIG_FILE: the way a user's own CLI config reaches Terraform."""
    mirror = find_provider_mirror()
    if shutil.which("terraform") is None or mirror is None:
        pytest.fail("terraform and an AWS provider mirror are required (set CLUSTERWIZ_TF_PLUGIN_MIRROR); "
                    "see README.md, 'Running the tests'")
    installation = find_provider_installation(tmp_path_factory.mktemp("terraform"), mirror, os.environ)
    environment = {**installation.terraform_environment({}), MIRROR_ENV: str(mirror)}
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    try:
        yield Path(environment["TF_CLI_CONFIG_FILE"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
