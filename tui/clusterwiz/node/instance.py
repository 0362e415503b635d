"""This instance as EC2 sees it: its id, region and credentials from IMDSv2, and the readiness tag it carries."""

from __future__ import annotations

import sys
import urllib.request

from .ec2_api import Ec2ApiError, create_tags, parse_credentials

IMDS_ADDRESS = "169.254.169.254"
IMDS_IPV6_ADDRESS = "fd00:ec2::254"  # Nitro instances answer here too when the launch template enables it
IMDS = f"http://{IMDS_ADDRESS}/latest"
READINESS_TAG = "clusterwiz:bootstrap"
# Beside a failed:<step> readiness: the last lines the bootstrap logged, so `clusterwiz status` can say what broke
# on a node nobody can log in to (a compute node has no public SSH).
LOG_TAIL_TAG = "clusterwiz:bootstrap-log"
TAG_VALUE_LIMIT = 256  # EC2's limit on a tag value
LOG_TAIL_LINES = 3
OWN_LOG_MARK = "clusterwiz-bootstrap["  # the bootstrap's own step lines, which say no more than the tag


def metadata(path: str) -> str:
    token_request = urllib.request.Request(f"{IMDS}/api/token", method="PUT",
                                           headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})
    with urllib.request.urlopen(token_request, timeout=5) as response:
        token = response.read().decode()
    request = urllib.request.Request(f"{IMDS}/meta-data/{path}", headers={"X-aws-ec2-metadata-token": token})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode().strip()


def log_tail(path: str) -> str:
    """The log's last lines that are not the bootstrap's own, joined, cut to fit a tag (the end kept)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = [line.strip() for line in handle if line.strip() and OWN_LOG_MARK not in line]
    except OSError as error:
        return f"(log unreadable: {error.strerror})"
    return " | ".join(lines[-LOG_TAIL_LINES:])[-(TAG_VALUE_LIMIT - 1):]


def instance_credentials() -> dict:
    """The instance profile's credentials, as IMDSv2 hands them out."""
    role = metadata("iam/security-credentials/").splitlines()[0]
    return parse_credentials(metadata(f"iam/security-credentials/{role}"))


def set_readiness(instance_id: str, region: str, value: str, tail: str | None = None) -> bool:
    """Tag the instance with its bootstrap state (and the log's tail); False, with why on stderr, when EC2 cannot
    be told (no instance profile yet, no route to EC2's endpoint)."""
    tags = {READINESS_TAG: value}
    if tail is not None:
        tags[LOG_TAIL_TAG] = tail
    try:
        create_tags(instance_credentials(), region, instance_id, tags)
    except (Ec2ApiError, OSError, IndexError, ValueError) as error:
        print(f"clusterwiz: readiness {value!r} not tagged: {error}", file=sys.stderr)
        return False
    return True
