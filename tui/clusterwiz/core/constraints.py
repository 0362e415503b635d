"""What a cluster spec may hold, as plain data: the spec's validation and the wizard's questions share it.

Kept apart from the spec's pydantic models so the wizard's first screen starts without importing pydantic.
"""

SUPPORTED_OS = ("debian13", "ubuntu2404", "ubuntu2204", "al2023", "rocky9")
DEFAULT_OS = "debian13"
DEFAULT_SCALEDOWN_IDLE_MINUTES = 10
DEFAULT_IDLE_STOP_MINUTES = 60  # a forgotten cluster bills its head node for an hour, then only storage
# The node bootstrap needs Slurm >= 22.05 (dynamic nodes) from the OS's own repositories.
UNSUPPORTED_OS = {
    "ubuntu2204": "its Slurm (21.08) lacks the dynamic nodes clusterwiz's elastic queues need",
    "al2023": "Amazon Linux 2023 has no Slurm package",
}
BOOTABLE_OS = tuple(name for name in SUPPORTED_OS if name not in UNSUPPORTED_OS)
IOPS_VOLUME_TYPES = ("gp3", "io1", "io2")
THROUGHPUT_VOLUME_TYPES = ("gp3",)
# Mounting over these would hide the operating system (or /home, which clusterwiz shares itself).
SYSTEM_DIRS = (
    "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt/slurm", "/proc",
    "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var",
)
RESERVED_DIRS = ("/", "/opt", "/mnt", "/media")
RESERVED_TAG_PREFIXES = ("aws:", "clusterwiz:")
# A spec's tags go on every resource, the nodes' IAM role too, so they keep the strictest rules of the services
# they reach: IAM's characters (its Tag pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]: Unicode letters, separators and
# numbers, and those symbols), its keys that differ only in case being one key on a role, EC2's 127-character keys
# (its Tag: "accept a maximum of 127 Unicode characters"), and 50 tags a resource, clusterwiz's own included.
TAG_KEY_MAX_CHARS = 127
TAG_VALUE_MAX_CHARS = 256
TAGS_PER_RESOURCE = 50
TAG_SYMBOLS = "_.:/=+-@"
TAG_CHARACTER_CATEGORIES = ("L", "Z", "N")
# The most tags clusterwiz puts on one resource itself: a compute node's, its bootstrap state and log included.
OWN_TAG_KEYS = ("clusterwiz:cluster", "clusterwiz:role", "clusterwiz:queue", "clusterwiz:bootstrap",
                "clusterwiz:bootstrap-log", "Name")

NAME_MAX_LENGTH = 31
QUEUE_NAME_MAX_LENGTH = 25
NAME_PATTERN = rf"^[a-z][a-z0-9-]{{0,{NAME_MAX_LENGTH - 1}}}$"
QUEUE_NAME_PATTERN = rf"^[a-z][a-z0-9-]{{0,{QUEUE_NAME_MAX_LENGTH - 1}}}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$"
AZ_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}[a-z]$"
INSTANCE_TYPE_PATTERN = r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$"

# Limits of one EBS volume per type: (min GiB, max GiB), (min, max) iops, (min, max) MiB/s.
EBS_SIZE_LIMITS = {
    "gp3": (1, 16384), "gp2": (1, 16384), "io1": (4, 16384), "io2": (4, 65536),
    "st1": (125, 16384), "sc1": (125, 16384), "standard": (1, 1024),
}
EBS_IOPS_LIMITS = {"gp3": (3000, 80000), "io1": (100, 64000), "io2": (100, 256000)}
EBS_THROUGHPUT_LIMITS = {"gp3": (125, 2000)}
