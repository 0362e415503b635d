"""Where each supported OS publishes its current AMI, and how to tell an AMI's OS family by its name."""

from __future__ import annotations

import re
from dataclasses import dataclass

ARCHITECTURES = ("x86_64", "arm64")
DEB_ARCHITECTURES = {"x86_64": "amd64", "arm64": "arm64"}  # as Debian and Ubuntu name them
DEBIAN_OWNER = "136693071363"
CANONICAL_OWNER = "099720109477"
AMAZON_OWNER = "137112412989"
ROCKY_OWNER = "792107900819"


@dataclass(frozen=True)
class ImageSource:
    """An OS's current AMI for one architecture: an SSM public parameter and/or an owner + name search."""

    os: str
    architecture: str
    ssm_parameter: str | None
    owner: str
    name_pattern: str  # describe-images name filter (wildcards)


def _ubuntu(os_name: str, version: str, codename: str, volume: str, image_dir: str) -> list[ImageSource]:
    sources = []
    for architecture, deb_arch in DEB_ARCHITECTURES.items():
        sources.append(ImageSource(
            os=os_name, architecture=architecture,
            ssm_parameter=f"/aws/service/canonical/ubuntu/server/{version}/stable/current/{deb_arch}/hvm/"
                          f"{volume}/ami-id",
            owner=CANONICAL_OWNER,
            name_pattern=f"ubuntu/images/{image_dir}/ubuntu-{codename}-{version}-{deb_arch}-server-*",
        ))
    return sources


IMAGE_SOURCES: tuple[ImageSource, ...] = (
    *(ImageSource(os="debian13", architecture=architecture,
                  ssm_parameter=f"/aws/service/debian/release/13/latest/{deb_arch}", owner=DEBIAN_OWNER,
                  name_pattern=f"debian-13-{deb_arch}-*")
      for architecture, deb_arch in DEB_ARCHITECTURES.items()),
    *_ubuntu("ubuntu2404", "24.04", "noble", "ebs-gp3", "hvm-ssd-gp3"),
    *_ubuntu("ubuntu2204", "22.04", "jammy", "ebs-gp2", "hvm-ssd"),
    *(ImageSource(os="al2023", architecture=architecture,
                  ssm_parameter=f"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{architecture}",
                  owner=AMAZON_OWNER, name_pattern=f"al2023-ami-2023.*-{architecture}")
      for architecture in ARCHITECTURES),
    # Rocky Linux publishes no SSM parameters: its AMIs are found by owner and name.
    *(ImageSource(os="rocky9", architecture=architecture, ssm_parameter=None, owner=ROCKY_OWNER,
                  name_pattern=f"Rocky-9-EC2-Base-9.*.{'aarch64' if architecture == 'arm64' else 'x86_64'}")
      for architecture in ARCHITECTURES),
)

_OS_FAMILY_PATTERNS = (
    ("debian13", re.compile(r"debian[- ]13\b|trixie", re.IGNORECASE)),
    ("ubuntu2404", re.compile(r"ubuntu.*(noble|24\.04)", re.IGNORECASE)),
    ("ubuntu2204", re.compile(r"ubuntu.*(jammy|22\.04)", re.IGNORECASE)),
    ("al2023", re.compile(r"^al2023-|amazon linux 2023", re.IGNORECASE)),
    ("rocky9", re.compile(r"rocky[- ]?(linux[- ]?)?9", re.IGNORECASE)),
)


def os_family_of(name: str, description: str = "") -> str | None:
    """The supported OS an AMI is built from, judged by its name (and description); None when unknown."""
    for text in (name, description):
        for os_name, pattern in _OS_FAMILY_PATTERNS:
            if text and pattern.search(text):
                return os_name
    return None


def newest(images: list[dict]) -> dict | None:
    """The most recent image; names break ties (they carry the build date or version)."""
    if not images:
        return None
    return max(images, key=lambda image: (image.get("CreationDate", ""), _natural_key(image.get("Name", ""))))


def _natural_key(name: str) -> tuple:
    # 9.10 sorts after 9.9: compare digit runs as numbers.
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))
