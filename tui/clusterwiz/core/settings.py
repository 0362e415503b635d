"""Where clusterwiz keeps its files and how it reaches AWS, from options, environment and defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

HOME_ENV = "CLUSTERWIZ_HOME"
ENDPOINT_ENV = "AWS_ENDPOINT_URL"


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

    @classmethod
    def from_options(
        cls,
        home: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        sandbox: bool = False,
        json: bool = False,
    ) -> Settings:
        """Options win over the environment (CLUSTERWIZ_HOME, AWS_ENDPOINT_URL), as in the AWS CLI."""
        resolved_home = home or os.environ.get(HOME_ENV)
        return cls(
            home=Path(resolved_home).expanduser() if resolved_home else default_home(),
            profile=profile,
            region=region,
            endpoint_url=endpoint_url or os.environ.get(ENDPOINT_ENV) or None,
            sandbox=sandbox,
            json=json,
        )
