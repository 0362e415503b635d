"""The node agent's own SigV4 signing (it tags before boto3 is installed), checked against botocore's."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from clusterwiz.node.ec2_api import signed_headers

CREDENTIALS = {"AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
               "Token": "session-token"}
MOMENT = datetime(2026, 12, 2, 17, 30, 5, tzinfo=UTC)


def test_signature_matches_botocore_for_the_same_request() -> None:
    """botocore is AWS's own signer; only its clock is fixed here, to the moment our signature was made."""
    body = "Action=CreateTags&ResourceId.1=i-0abc&Tag.1.Key=clusterwiz%3Abootstrap&Tag.1.Value=failed%3Apackages" \
           "&Version=2016-11-15"
    ours = signed_headers(CREDENTIALS, "eu-west-2", "ec2.eu-west-2.amazonaws.com", body, MOMENT)
    request = AWSRequest(method="POST", url="https://ec2.eu-west-2.amazonaws.com/", data=body,
                         headers={"content-type": ours["content-type"]})
    signer = SigV4Auth(Credentials(CREDENTIALS["AccessKeyId"], CREDENTIALS["SecretAccessKey"], CREDENTIALS["Token"]),
                       "ec2", "eu-west-2")
    with mock.patch("botocore.auth.get_current_datetime", return_value=MOMENT.replace(tzinfo=None)):
        signer.add_auth(request)
    assert request.headers["X-Amz-Date"] == ours["x-amz-date"]
    assert request.headers["Authorization"] == ours["authorization"]
