"""One AWS session from the standard credential chain, with timeouts, retries and cached clients.

Every boto3 client clusterwiz makes comes from AwsSession.client, so the rules of waiting live here: a call AWS
answers with throttling or one of its own 5xx errors is retried with backoff (MAX_ATTEMPTS in all); a call that
gets no answer at all (a dead endpoint, a VPN that drops traffic) is tried UNANSWERED_ATTEMPTS times, so it fails
within about UNANSWERED_ATTEMPTS * READ_TIMEOUT_S seconds instead of minutes. Given `on_wait`, a call still
unanswered after SLOW_CALL_S says what it waits for, once.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Callable
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
READ_TIMEOUT_S = 10
MAX_ATTEMPTS = 5  # every try of a call, the first included
UNANSWERED_ATTEMPTS = 2
SLOW_CALL_S = 4.0
# What a call gets when the endpoint cannot be reached or sends nothing back in time.
UNANSWERED = (boto_errors.ConnectionError, boto_errors.ReadTimeoutError)
_WAIT_TIMER = "clusterwiz_wait_timer"  # the key of a call's timer in botocore's per-call context


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
                 max_attempts: int = MAX_ATTEMPTS, on_wait: Callable[[str], None] | None = None):
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
                             retries={"mode": "standard", "total_max_attempts": max_attempts})
        self.unanswered_attempts = min(UNANSWERED_ATTEMPTS, max_attempts)
        self._wait_notices = WaitNotices(on_wait, self.unanswered_attempts * read_timeout) if on_wait else None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> AwsSession:
        """From clusterwiz.core.settings.Settings (or anything with profile, region, endpoint_url, on_aws_wait)."""
        return cls(profile=settings.profile, region=settings.region, endpoint_url=settings.endpoint_url,
                   on_wait=settings.on_aws_wait)

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
                self._give_up_on_silence(client)
                if self._wait_notices is not None:
                    self._wait_notices.watch(client)
                self._clients[key] = client
            return client

    def _give_up_on_silence(self, client: Any) -> None:
        """Retry an unanswered call only up to unanswered_attempts. botocore asks every needs-retry handler and
        takes the first answer that is not None; this one, asked before its own, answers False (no retry) for a
        call that got no answer too often, and None (botocore decides) otherwise."""
        def needs_retry(attempts: int, caught_exception: BaseException | None = None, **_: Any) -> bool | None:
            if isinstance(caught_exception, UNANSWERED) and attempts >= self.unanswered_attempts:
                return False
            return None

        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"needs-retry.{service}", needs_retry)


class WaitNotices:
    """Says what an AWS call waits for once it has gone SLOW_CALL_S without an answer: a command on an endpoint
    that does not answer must not look hung while the timeouts run out."""

    def __init__(self, notice: Callable[[str], None], gives_up_after_s: float, after_s: float = SLOW_CALL_S):
        self._notice = notice
        self._gives_up_after_s = gives_up_after_s
        self._after_s = after_s

    def watch(self, client: Any) -> None:
        service = client.meta.service_model.service_id
        where = f"{service} in {client.meta.region_name} at {client.meta.endpoint_url}"

        def started(model: Any, context: dict[str, Any], **_: Any) -> None:
            timer = threading.Timer(self._after_s, self._notice, args=(
                f"waiting for AWS: {model.name} ({where}) has taken {self._after_s:.0f} s so far; clusterwiz gives "
                f"up after about {self._gives_up_after_s:.0f} s without an answer",))
            timer.daemon = True
            context[_WAIT_TIMER] = timer
            timer.start()

        def ended(context: dict[str, Any], **_: Any) -> None:
            timer = context.pop(_WAIT_TIMER, None)
            if timer is not None:
                timer.cancel()

        event = service.hyphenize()
        client.meta.events.register(f"before-call.{event}", started)
        client.meta.events.register(f"after-call.{event}", ended)
        client.meta.events.register(f"after-call-error.{event}", ended)

