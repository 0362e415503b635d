"""The hashicorp/aws provider release every cluster is pinned to, and the lock file that keeps a cluster on it.

A new cluster's working directory gets a dependency lock file at its first render, naming AWS_PROVIDER_VERSION: its
first `terraform init` installs that release, not the newest one the constraint allows, and every later init keeps
it, since clusterwiz never rewrites or deletes the lock file and never runs `init -upgrade`. So a cluster's plan
does not change under it when a provider release comes out.

The lock lists no hashes. Terraform then records the checksum of the package it installs (trust on first use);
a lock holding only this machine's `h1:` hash would make init refuse the same release on another platform (a
Mac), and the registry's `zh:` hashes of every platform cannot be fetched offline. Terraform 1.11 rejects an empty
`hashes = []`, so the argument is left out, as for a version-only entry, which it accepts.
"""

from __future__ import annotations

from pathlib import Path

from clusterwiz.core import hcl
from clusterwiz.core.files import atomic_write_text

AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"
# Every module's versions.tf states this constraint too (a test holds them to it); in the lock file it must be in
# Terraform's normalised form, which this is.
AWS_PROVIDER_CONSTRAINT = "~> 5.100"
LOCK_FILE = ".terraform.lock.hcl"


def lock_file_text() -> str:
    return ("# Written by clusterwiz: the cluster stays on this provider release; terraform init adds the checksum\n"
            "# of the package it installs. Keep this file with the working directory.\n\n"
            f"provider {hcl.quote(AWS_PROVIDER_SOURCE)} {{\n"
            f"  version     = {hcl.quote(AWS_PROVIDER_VERSION)}\n"
            f"  constraints = {hcl.quote(AWS_PROVIDER_CONSTRAINT)}\n"
            "}\n")


def lock_provider(workdir: Path) -> None:
    """Write the lock file of a working directory that has none; one that exists already names the release the
    cluster was created with (and the checksums init recorded), and is kept as it is."""
    path = workdir / LOCK_FILE
    if not path.exists():
        atomic_write_text(path, lock_file_text())
