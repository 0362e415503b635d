"""Faults from AWS itself, met by the real commands (issue 21 item 11): an internal error (HTTP 500) is named as
AWS's and retried, with a hint that fits it; an endpoint that never answers fails in bounded time, names itself and
says what to do, and a line says what the command waits for meanwhile.

moto's server cannot inject a fault: the 500s come from a proxy on loopback in front of it that answers the chosen
operation with AWS's own error and passes everything else to moto (tests/support/faults.py). The dead endpoint is
a loopback socket that accepts connections and never sends a byte back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from clusterwiz.core.aws.session import MAX_ATTEMPTS
from clusterwiz.core.registry import Registry
from tests.operations.test_operations_moto import prepare_account, write_spec
from tests.support.cli import clusterwiz
from tests.support.faults import FaultyProxy, silent_endpoint

pytestmark = [pytest.mark.moto]

# A dead endpoint costs the first call two tries of READ_TIMEOUT_S (10 s) and one short backoff; the issue measured
# 101 s per command before.
DEAD_ENDPOINT_BOUND_S = 30


def spec_file(tmp_path: Path, name: str) -> Path:
    ami_id, _ = prepare_account()
    return write_spec(tmp_path / "cluster.yaml", name, ami_id)


def test_an_endpoint_that_never_answers_fails_in_bounded_time_and_says_what_it_waits_for(moto, tmp_path):
    config = spec_file(tmp_path, "deaf")
    home = tmp_path / "home"
    with silent_endpoint() as endpoint:
        started = time.monotonic()
        result = clusterwiz(home, "render", "--config", str(config), env={"AWS_ENDPOINT_URL": endpoint},
                            check=False, timeout=300)
        took = time.monotonic() - started

    said = " ".join(result.stderr.split())
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert took < DEAD_ENDPOINT_BOUND_S, f"{took:.0f} s"
    # While it waits: what, where, and how long at most.
    assert (f"waiting for AWS: DescribeInstanceTypeOfferings (EC2 in eu-west-2 at {endpoint}) has taken 4 s so far; "
            "clusterwiz gives up after about 20 s without an answer") in said
    assert (f"the AWS endpoint {endpoint}/ did not answer ec2:DescribeInstanceTypeOfferings in eu-west-2 in time (it "
            "took the connection but sent nothing back); check your network connection, VPN, proxy or "
            "--endpoint-url") in said
    assert Registry(home).names() == []


def test_an_aws_internal_error_is_retried_then_named_as_aws_own_with_a_fitting_hint(moto, tmp_path):
    config = spec_file(tmp_path, "hiccup")
    home = tmp_path / "home"
    with FaultyProxy(moto, lambda action: action == "DescribeInstanceTypeOfferings") as proxy:
        result = clusterwiz(home, "render", "--config", str(config), env={"AWS_ENDPOINT_URL": proxy.url},
                            check=False)

    said = " ".join(result.stderr.split())
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert proxy.failed == {"DescribeInstanceTypeOfferings": MAX_ATTEMPTS}  # retried, as a 500 should be
    assert ("AWS call ec2:DescribeInstanceTypeOfferings in eu-west-2 failed with InternalError (HTTP 500) even after "
            "retries. AWS had an internal error: the failure is on AWS's side, not in your cluster spec. Try again in "
            "a minute") in said
    assert "check the value in your cluster spec" not in said
