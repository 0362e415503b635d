"""Where clusterwiz keeps its files and how it reaches AWS, from options, environment and defaults."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HOME_ENV = "CLUSTERWIZ_HOME"
ENDPOINT_ENV = "AWS_ENDPOINT_URL"
PLUGIN_MIRROR_ENV = "CLUSTERWIZ_TF_PLUGIN_MIRROR"


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("clusterwiz", appauthor=False))


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False
    json: bool = False
    plugin_mirror: Path | None = None  # a Terraform filesystem mirror holding the AWS provider (core/provider.py)
    # Told what an AWS call waits for when it goes long unanswered (core/aws/session.py); headless commands print it.
    on_aws_wait: Callable[[str], None] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_options(
        cls,
        home: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        sandbox: bool = False,
        json: bool = False,
        plugin_mirror: str | None = None,
    ) -> Settings:
        """Options win over the environment (CLUSTERWIZ_HOME, AWS_ENDPOINT_URL, CLUSTERWIZ_TF_PLUGIN_MIRROR), as in
        the AWS CLI."""
        resolved_home = home or os.environ.get(HOME_ENV)
        resolved_mirror = plugin_mirror or os.environ.get(PLUGIN_MIRROR_ENV)
        return cls(
            home=Path(resolved_home).expanduser() if resolved_home else default_home(),
            profile=profile,
            region=region,
            endpoint_url=endpoint_url or os.environ.get(ENDPOINT_ENV) or None,
            sandbox=sandbox,
            json=json,
            plugin_mirror=Path(resolved_mirror).expanduser() if resolved_mirror else None,
        )
