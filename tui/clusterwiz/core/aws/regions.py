"""Where each AWS region is, and which regions a normal account reaches.

DescribeRegions names a region by its code only; a newcomer looks for a city ("london"). The names are those in
brackets in AWS's published list (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html, e.g.
"Europe (London)"), short enough for a table at 80 columns; a region AWS adds later still shows, without a
location, until it is added here.
"""

from __future__ import annotations

REGION_LOCATIONS = {
    "af-south-1": "Cape Town",
    "ap-east-1": "Hong Kong",
    "ap-east-2": "Taipei",
    "ap-northeast-1": "Tokyo",
    "ap-northeast-2": "Seoul",
    "ap-northeast-3": "Osaka",
    "ap-south-1": "Mumbai",
    "ap-south-2": "Hyderabad",
    "ap-southeast-1": "Singapore",
    "ap-southeast-2": "Sydney",
    "ap-southeast-3": "Jakarta",
    "ap-southeast-4": "Melbourne",
    "ap-southeast-5": "Malaysia",
    "ap-southeast-6": "New Zealand",
    "ap-southeast-7": "Thailand",
    "ca-central-1": "Canada Central",
    "ca-west-1": "Calgary",
    "cn-north-1": "Beijing",
    "cn-northwest-1": "Ningxia",
    "eu-central-1": "Frankfurt",
    "eu-central-2": "Zurich",
    "eu-north-1": "Stockholm",
    "eu-south-1": "Milan",
    "eu-south-2": "Spain",
    "eu-west-1": "Ireland",
    "eu-west-2": "London",
    "eu-west-3": "Paris",
    "il-central-1": "Tel Aviv",
    "me-central-1": "UAE",
    "me-south-1": "Bahrain",
    "mx-central-1": "Mexico Central",
    "sa-east-1": "São Paulo",
    "us-east-1": "N. Virginia",
    "us-east-2": "Ohio",
    "us-gov-east-1": "GovCloud US-East",
    "us-gov-west-1": "GovCloud US-West",
    "us-west-1": "N. California",
    "us-west-2": "Oregon",
}

# Regions of AWS's other partitions: each needs an account of that partition, never reached with a normal one
# (the sandbox's emulator lists them all the same).
OTHER_PARTITIONS = (
    ("us-gov-", "AWS GovCloud (US), which needs a GovCloud account of its own"),
    ("us-iso", "AWS's isolated regions for US government agencies"),
    ("cn-", "AWS China, which needs an account with AWS China (run by Sinnet and NWCD)"),
)


def location(region: str) -> str:
    return REGION_LOCATIONS.get(region, "")


def other_partition(region: str) -> str | None:
    """Why a normal AWS account cannot use this region, or None when it can."""
    return next((why for prefix, why in OTHER_PARTITIONS if region.startswith(prefix)), None)
