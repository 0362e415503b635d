"""One AWS session from the standard credential chain, with timeouts, retries and cached clients."""

from __future__ import annotations

import ipaddress
import os
import threading
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore import exceptions as boto_errors
from botocore.config import Config

from clusterwiz.core.aws.errors import translate
from clusterwiz.core.errors import AwsError

ENDPOINT_ENV = "AWS_ENDPOINT_URL"
REGION_ENV = "AWS_REGION"
# The Pricing API answers only in a few regions; us-east-1 serves prices of every region.
PRICING_REGION = "us-east-1"
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20
MAX_ATTEMPTS = 4


def is_loopback_url(url: str | None) -> bool:
    """True for an endpoint on this machine (moto, the sandbox): it has no Pricing or Quotas API."""
    if not url:
        return False
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AwsSession:
    """Credentials and region from env, profiles and SSO like the AWS CLI; options win over both."""

    def __init__(self, profile: str | None = None, region: str | None = None, endpoint_url: str | None = None,
                 *, connect_timeout: float = CONNECT_TIMEOUT_S, read_timeout: float = READ_TIMEOUT_S,
                 max_attempts: int = MAX_ATTEMPTS):
        self.profile = profile
        # botocore reads AWS_ENDPOINT_URL itself; we keep it too, to know when the endpoint is an emulator.
        self.endpoint_url = endpoint_url or os.environ.get(ENDPOINT_ENV) or None
        try:
            # The AWS CLI and the SDKs read AWS_REGION before AWS_DEFAULT_REGION; botocore reads only the latter.
            self.boto_session = boto3.Session(profile_name=profile,
                                              region_name=region or os.environ.get(REGION_ENV) or None)
        except boto_errors.ProfileNotFound as error:
            raise translate(error, "profile lookup") from error
        self._region = self.boto_session.region_name
        self.config = Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                             retries={"mode": "standard", "max_attempts": max_attempts})
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> AwsSession:
        """From clusterwiz.core.settings.Settings (or anything with profile, region, endpoint_url)."""
        return cls(profile=settings.profile, region=settings.region, endpoint_url=settings.endpoint_url)

    @property
    def region(self) -> str:
        if not self._region:
            raise AwsError("no AWS region is set; pass --region (e.g. --region eu-west-2), set AWS_REGION, "
                           "or set a region in your profile with `aws configure`")
        return self._region

    @property
    def is_emulated(self) -> bool:
        return is_loopback_url(self.endpoint_url)

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client, created once per (service, region) and shared by threads (clients are thread-safe)."""
        region_name = region or self.region
        key = (service, region_name)
        with self._lock:  # creating clients from one boto3 session is not thread-safe
            client = self._clients.get(key)
            if client is None:
                client = self.boto_session.client(service, region_name=region_name, endpoint_url=self.endpoint_url,
                                                  config=self.config)
                self._clients[key] = client
            return client
