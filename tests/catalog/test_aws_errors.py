"""AWS failures become messages a newcomer can act on."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from botocore.stub import Stubber

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.errors import AwsError, ClusterwizError

REGION = "eu-west-2"


@pytest.fixture
def no_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no credentials anywhere: empty config files, no env keys, no instance metadata."""
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    (tmp_path / "config").write_text("")
    (tmp_path / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_no_credentials_says_how_to_set_them(no_aws_environment: None) -> None:
    catalog = Catalog(AwsSession(region=REGION))
    with pytest.raises(AwsError, match="no AWS credentials were found; set credentials with `aws configure`"):
        catalog.caller_identity()
    catalog.close()


def test_unknown_profile_lists_how_to_find_profiles(no_aws_environment: None) -> None:
    with pytest.raises(AwsError, match="aws configure list-profiles"):
        AwsSession(profile="work", region=REGION)


def test_missing_region_says_how_to_set_one(no_aws_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(AwsError, match="--region"):
        _ = AwsSession().region


def test_aws_region_is_read_before_aws_default_region(no_aws_environment: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    assert AwsSession().region == "eu-west-3"
    assert AwsSession(region=REGION).region == REGION  # --region wins over both
    monkeypatch.delenv("AWS_REGION")
    assert AwsSession().region == "us-east-1"


def test_unreachable_endpoint(no_aws_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    catalog = Catalog(AwsSession(region=REGION, endpoint_url="http://127.0.0.1:9", max_attempts=1,
                                 connect_timeout=0.5))
    with pytest.raises(AwsError, match="cannot reach the AWS endpoint in eu-west-2.*--endpoint-url"):
        catalog.regions()
    catalog.close()


@pytest.mark.parametrize(("code", "expected"), [
    ("UnauthorizedOperation", "AWS refused ec2:DescribeKeyPairs in eu-west-2 .*allow ec2:DescribeKeyPairs"),
    ("AuthFailure", "did not accept your credentials"),
    ("OptInRequired", "region in eu-west-2 is not enabled for your account"),
    ("RequestLimitExceeded", "throttling requests .*wait a minute"),
    ("ExpiredToken", "credentials have expired"),
    ("InternalError", "ec2:DescribeKeyPairs in eu-west-2 failed with InternalError .*not in your cluster spec. "
                      "Try again in a minute"),
    ("InvalidParameterValue", "AWS call ec2:DescribeKeyPairs in eu-west-2 failed: InvalidParameterValue: recorded "
                              "message; check the value in your cluster spec"),
])
def test_client_errors_name_the_cause_and_the_fix(no_aws_environment: None, monkeypatch: pytest.MonkeyPatch,
                                                   code: str, expected: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    catalog = Catalog(AwsSession(region=REGION))
    with Stubber(catalog.session.client("ec2", REGION)) as stub:
        stub.add_client_error("describe_key_pairs", code, "recorded message", 400)
        with pytest.raises(AwsError, match=expected) as caught:
            catalog.key_pairs(REGION)
    assert isinstance(caught.value, ClusterwizError)
    catalog.close()


class UnreadableAnswers(BaseHTTPRequestHandler):
    """An endpoint whose errors are not AWS's XML, as a proxy's or a broken emulator's error page is."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"internal error, not XML")

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_answer_that_cannot_be_read_is_an_error_with_its_fix(no_aws_environment: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    server = ThreadingHTTPServer(("127.0.0.1", 0), UnreadableAnswers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    catalog = Catalog(AwsSession(region=REGION, endpoint_url=f"http://127.0.0.1:{server.server_port}",
                                 max_attempts=1))
    try:
        with pytest.raises(AwsError, match="answer to ec2:DescribeKeyPairs in eu-west-2 could not be read \\(it is "
                                           "not in AWS's format\\); .*--endpoint-url$"):
            catalog.key_pairs(REGION)
    finally:
        catalog.close()
        server.shutdown()
