"""What old configs name that no longer exists: operating systems and retired instance types."""

from __future__ import annotations

# Old OS name -> (clusterwiz OS, why it changed; None when it is the same OS).
OS_MAP: dict[str, tuple[str, str | None]] = {
    "alinux": ("rocky9", "Amazon Linux (1) reached end of life and Amazon Linux 2023 has no Slurm package; "
                         "Rocky Linux 9 is the nearest supported OS"),
    "alinux2": ("rocky9", "Amazon Linux 2 reaches end of life and Amazon Linux 2023 has no Slurm package; "
                          "Rocky Linux 9 is the nearest supported OS"),
    "alinux2023": ("rocky9", "Amazon Linux 2023 has no Slurm package; Rocky Linux 9 is the nearest supported OS"),
    "al2023": ("rocky9", "Amazon Linux 2023 has no Slurm package; Rocky Linux 9 is the nearest supported OS"),
    "centos6": ("rocky9", "CentOS 6 reached end of life; Rocky Linux 9 is the nearest supported OS"),
    "centos7": ("rocky9", "CentOS 7 reached end of life; Rocky Linux 9 is the nearest supported OS"),
    "centos8": ("rocky9", "CentOS 8 reached end of life; Rocky Linux 9 is the nearest supported OS"),
    "rhel8": ("rocky9", "clusterwiz supports Rocky Linux 9, binary compatible with RHEL"),
    "rhel9": ("rocky9", "clusterwiz supports Rocky Linux 9, binary compatible with RHEL 9"),
    "rocky8": ("rocky9", "Rocky Linux 8 is not supported; Rocky Linux 9 is the nearest"),
    "rocky9": ("rocky9", None),
    "ubuntu1404": ("ubuntu2404", "Ubuntu 14.04 reached end of life; Ubuntu 24.04 is the nearest supported LTS"),
    "ubuntu1604": ("ubuntu2404", "Ubuntu 16.04 reached end of life; Ubuntu 24.04 is the nearest supported LTS"),
    "ubuntu1804": ("ubuntu2404", "Ubuntu 18.04 reached end of life; Ubuntu 24.04 is the nearest supported LTS"),
    "ubuntu2004": ("ubuntu2404", "Ubuntu 20.04 reached end of life; Ubuntu 24.04 is the nearest supported LTS"),
    "ubuntu2204": ("ubuntu2404", "Ubuntu 22.04's Slurm (21.08) lacks dynamic nodes; Ubuntu 24.04 is the nearest "
                                 "supported LTS"),
    "ubuntu2404": ("ubuntu2404", None),
}

# Instance types EC2 no longer offers -> the current type of about the same size.
RETIRED_TYPES = {
    "t1.micro": "t3.micro",
    "m1.small": "t3.small", "m1.medium": "t3.medium", "m1.large": "m5.large", "m1.xlarge": "m5.xlarge",
    "m2.xlarge": "r5.large", "m2.2xlarge": "r5.xlarge", "m2.4xlarge": "r5.2xlarge",
    "c1.medium": "c5.large", "c1.xlarge": "c5.2xlarge",
    "cc1.4xlarge": "c5.4xlarge", "cc2.8xlarge": "c5.9xlarge", "cg1.4xlarge": "g4dn.4xlarge",
    "cr1.8xlarge": "r5.8xlarge", "hi1.4xlarge": "i3.4xlarge", "hs1.8xlarge": "d3.8xlarge",
}
RETIRED_FAMILIES = frozenset(t.split(".")[0] for t in RETIRED_TYPES)


def replacement_for_retired(instance_type: str) -> str | None:
    """The current type to use instead of a retired one; None when the type is not retired."""
    return RETIRED_TYPES.get(instance_type.lower())


def is_retired(instance_type: str) -> bool:
    return instance_type.lower().split(".")[0] in RETIRED_FAMILIES
