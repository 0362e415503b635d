"""What to do about the failures a first cluster commonly meets, from the text of Terraform's diagnostic.

AWS's error codes travel inside the provider's message (e.g. "api error VcpuLimitExceeded: ..."),
so a hint is found by looking for the codes and phrases AWS uses for each kind of problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    problem: str  # what went wrong, in plain words
    fix: str  # what the user can do about it


# AWS's own failures, HTTP 5xx: nothing the user chose is wrong, and the same request usually works a minute later.
AWS_SERVER_ERROR_CODES = frozenset({"InternalError", "InternalFailure", "InternalServerError", "InternalServiceError",
                                    "InternalServerException", "ServiceFailure", "ServiceUnavailable",
                                    "ServiceUnavailableException", "ServiceUnavailableError", "Unavailable"})
AWS_SERVER_ERROR = Hint("AWS had an internal error: the failure is on AWS's side, not in your cluster spec.",
                        "Try again in a minute; if it keeps failing, look for the region's service in the AWS Health "
                        "Dashboard.")

_HINTS: tuple[tuple[re.Pattern[str], Hint], ...] = (
    (re.compile(r"VcpuLimitExceeded|MaxSpotInstanceCountExceeded|more vCPU capacity than your current vCPU limit",
                re.IGNORECASE),
     Hint("Your account's vCPU quota for this kind of instance is used up.",
          "Ask AWS for a higher quota (Service Quotas console, 'Running On-Demand ... instances' or the Spot "
          "equivalent), or choose fewer or smaller nodes in the wizard.")),
    (re.compile(r"InsufficientInstanceCapacity|InsufficientCapacity|insufficient capacity", re.IGNORECASE),
     Hint("AWS has no spare capacity of this instance type in this availability zone right now.",
          "Try again in a while, add another instance type to the queue, or pick another availability zone.")),
    (re.compile(r"Unsupported.*(?:Availability Zone|availability zone)|is not supported in your requested "
                r"Availability Zone|InvalidParameterValue.*instance type|instance type.*not (?:supported|offered)",
                re.IGNORECASE),
     Hint("This instance type is not offered in the cluster's availability zone.",
          "Edit the cluster: pick an availability zone that offers every chosen type (leave the zone empty to "
          "let clusterwiz choose), or pick another instance type.")),
    (re.compile(r"UnauthorizedOperation|AccessDenied|not authorized to perform|is not authorized",
                re.IGNORECASE),
     Hint("Your AWS identity is not allowed to do this.",
          "Ask your AWS administrator for the permissions named in the message (EC2, Auto Scaling, IAM), or "
          "use a profile that has them (clusterwiz --profile NAME).")),
    (re.compile(r"VolumeInUse|is already attached|already attached to an instance|attachment.*in use",
                re.IGNORECASE),
     Hint("The volume is in use: it is attached to another instance.",
          "Detach it from the other instance first (EC2 console, Volumes), or let the wizard create a new "
          "volume (or one from a snapshot of it).")),
    (re.compile(r"Invalid(?:Volume|SubnetID|VpcID|AMIID|Snapshot)\.NotFound|query returned no results",
                re.IGNORECASE),
     Hint("Something the cluster uses (a volume, subnet, VPC, image or snapshot) was not found: it was deleted, "
          "or it is in another region.",
          "Check it in the AWS console, or edit the cluster to choose another one (or let clusterwiz create "
          "it); then retry.")),
    (re.compile(r"InvalidKeyPair\.NotFound|key pair .* does not exist", re.IGNORECASE),
     Hint("The key pair named in the cluster does not exist in this region.",
          "Edit the cluster and choose an existing key pair, or let the wizard create one.")),
    (re.compile(r"ExpiredToken|RequestExpired|InvalidClientTokenId|security token included in the request is "
                r"(?:expired|invalid)", re.IGNORECASE),
     Hint("Your AWS credentials are expired or invalid.",
          "Sign in again (e.g. `aws sso login`) or refresh the profile's keys, then retry.")),
    # Last: a more telling code in the same text (a quota, say) wins.
    (re.compile(r"StatusCode: 5\d\d\b|api error (?:" + "|".join(sorted(AWS_SERVER_ERROR_CODES)) + r")\b"),
     AWS_SERVER_ERROR),
)


def hint_for(text: str) -> Hint | None:
    """The hint for a failure whose diagnostic (summary and detail) is `text`, if it is a common one."""
    for pattern, hint in _HINTS:
        if pattern.search(text):
            return hint
    return None
