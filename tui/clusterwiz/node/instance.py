"""This instance as EC2 sees it: its id and region from IMDSv2, and the readiness tag it carries."""

from __future__ import annotations

import sys
import urllib.request

IMDS = "http://169.254.169.254/latest"
READINESS_TAG = "clusterwiz:bootstrap"


def metadata(path: str) -> str:
    token_request = urllib.request.Request(f"{IMDS}/api/token", method="PUT",
                                           headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})
    with urllib.request.urlopen(token_request, timeout=5) as response:
        token = response.read().decode()
    request = urllib.request.Request(f"{IMDS}/meta-data/{path}", headers={"X-aws-ec2-metadata-token": token})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode().strip()


def set_readiness(instance_id: str, region: str, value: str) -> bool:
    """Tag the instance with its bootstrap state; False (and a note on stderr) when that cannot be done yet."""
    try:
        import boto3  # installed by the first bootstrap step; the steps before it are not tagged
    except ImportError:
        print(f"clusterwiz: boto3 not installed yet; readiness {value!r} not tagged", file=sys.stderr)
        return False
    client = boto3.client("ec2", region_name=region)
    client.create_tags(Resources=[instance_id], Tags=[{"Key": READINESS_TAG, "Value": value}])
    return True
