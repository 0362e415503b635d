"""EC2's query API from the standard library alone: a node tags itself before any package (boto3 included) is
installed, so a bootstrap that fails at its packages step still says so.

Requests are signed with Signature Version 4 (AWS's "Signature Version 4 signing process") using the instance
profile's credentials from IMDSv2.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

API_VERSION = "2016-11-15"
SERVICE = "ec2"


class Ec2ApiError(RuntimeError):
    """EC2 refused the request or could not be reached."""


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_headers(credentials: dict, region: str, host: str, body: str, now: datetime) -> dict[str, str]:
    """The headers of a SigV4-signed form POST to / on host."""
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", "host": host,
               "x-amz-date": stamp}
    if credentials.get("Token"):
        headers["x-amz-security-token"] = credentials["Token"]
    names = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", "", *(f"{name}:{headers[name]}" for name in sorted(headers)), "", names,
                           hashlib.sha256(body.encode()).hexdigest()])
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + credentials["SecretAccessKey"]).encode(), day), region), SERVICE),
                "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={credentials['AccessKeyId']}/{scope}, "
                                f"SignedHeaders={names}, Signature={signature}")
    return headers


def create_tags(credentials: dict, region: str, resource: str, tags: dict[str, str]) -> None:
    parameters = {"Action": "CreateTags", "Version": API_VERSION, "ResourceId.1": resource}
    for index, (key, value) in enumerate(sorted(tags.items()), start=1):
        parameters[f"Tag.{index}.Key"] = key
        parameters[f"Tag.{index}.Value"] = value
    body = urllib.parse.urlencode(parameters, quote_via=urllib.parse.quote)
    host = f"{SERVICE}.{region}.amazonaws.com"
    headers = signed_headers(credentials, region, host, body, datetime.now(timezone.utc))
    request = urllib.request.Request(f"https://{host}/", data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise Ec2ApiError(f"CreateTags refused ({error.code}): {error.read().decode(errors='replace')[:300]}") \
            from error
    except OSError as error:
        raise Ec2ApiError(f"CreateTags: {host} not reachable: {error}") from error


def parse_credentials(text: str) -> dict:
    """IMDS's iam/security-credentials/<role> answer."""
    credentials = json.loads(text)
    if credentials.get("Code", "Success") != "Success":
        raise Ec2ApiError(f"the instance profile's credentials are not available: {credentials.get('Code')}")
    return credentials
