"""Render a cluster's self-contained Terraform working directory from its spec.

The directory holds the root module (from wizard_templates/), the spec's values as terraform.tfvars
(through core.hcl, the one encoder), the node agent archive, a private copy of the bundled modules,
and the provider lock file (core.provider), so an upgrade of clusterwiz never changes a running cluster.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clusterwiz import __version__
from clusterwiz.core import hcl
from clusterwiz.core.assets import terraform_modules_dir, wizard_templates_dir
from clusterwiz.core.expiry import tag_value
from clusterwiz.core.files import atomic_write_bytes, atomic_write_text, ensure_private_dir, make_tree_private
from clusterwiz.core.provider import AWS_PROVIDER_CONSTRAINT, lock_provider

if TYPE_CHECKING:
    from jinja2 import Environment

    from clusterwiz.core.resolve import ResolvedInputs
    from clusterwiz.core.spec import ClusterSpec

MODULES_DIR = "modules"
NODE_AGENT_FILE = "node-agent.lzma"
# Terraform reads *.auto.tfvars by itself: while this file exists, an apply keeps the stopped fleet stopped.
FLEET_STOPPED_FILE = "fleet-stopped.auto.tfvars"
TEMPLATES = ("versions.tf", "backend.tf", "providers.tf", "main.tf", "variables.tf", "outputs.tf", "terraform.tfvars")
OUTPUTS = (
    "head_node_instance_id", "head_node_public_ip", "head_node_public_dns", "head_node_private_ip", "ssh_user",
    "vpc_id", "subnet_id", "availability_zone", "security_group_ids", "queue_groups", "shared_volume_ids",
    "created_volume_ids",
)
# Test files are for the modules' own `terraform test`, not for a cluster's working directory.
_NOT_COPIED = shutil.ignore_patterns("tests", "*.tftest.hcl", ".terraform", ".terraform.lock.hcl", "README.md")


@dataclass(frozen=True)
class RenderedCluster:
    workdir: Path
    files: dict[str, str]


def queue_node_size(instance_types: list[str]) -> dict[str, int | None]:
    """The smallest of a queue's instance types, in vCPUs and MiB (from the bundled specs; None if unknown).

    While a queue has no node, Slurm judges a job against the queue's stand-in nodes, which are this size.
    """
    from clusterwiz.core.aws.instance_specs import bundled_instance_specs

    rows = [bundled_instance_specs().row(name) for name in instance_types]
    if not rows or None in rows:
        return {"node_cpus": None, "node_memory_mib": None}
    return {"node_cpus": min(row["vcpus"] for row in rows), "node_memory_mib": min(row["memory_mib"] for row in rows)}


def module_values(spec: ClusterSpec, resolved: ResolvedInputs) -> dict[str, Any]:
    """The inputs of modules/cluster (its variables.tf is the contract), from the spec and what was resolved."""
    network = spec.network
    return {
        "cluster_name": spec.name,
        "os": spec.os,
        "ami_id": resolved.ami_id,
        "key_pair": spec.key_pair,
        "network": {
            "vpc_id": network.vpc_id,
            "subnet_id": network.subnet_id,
            "vpc_cidr": network.vpc_cidr,
            "availability_zone": resolved.availability_zone if network.creates_vpc else None,
        },
        "ssh_cidr": resolved.ssh_cidr,
        "head_node": spec.head_node.model_dump(),
        "queues": [{**queue.model_dump(), **queue_node_size(queue.instance_types)} for queue in spec.queues],
        "scaledown_idle_minutes": spec.scaledown_idle_minutes,
        "idle_stop_minutes": spec.idle_stop_minutes,
        "expires_at": None if spec.expires_at is None else tag_value(spec.expires_at),
        "budget_usd": spec.budget_usd,
        "prices": resolved.prices,
        "shared_storage": [volume.model_dump() for volume in spec.shared_storage],
        "tags": dict(spec.tags),
    }


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(str(wizard_templates_dir())),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # HCL, not HTML: values are escaped by core.hcl before they reach a template
    )


def render_files(spec: ClusterSpec, resolved: ResolvedInputs) -> dict[str, str]:
    """The root module's files, by name, without touching the disk (the review screen shows these)."""
    values = module_values(spec, resolved)
    inputs = list(values)
    context = {
        "version": __version__,
        "cluster_name": spec.name,
        "module_inputs": inputs,
        "width": max(len(name) for name in [*inputs, "node_agent_archive"]),
        "node_agent_file": NODE_AGENT_FILE,
        "fleet_stopped_file": FLEET_STOPPED_FILE,
        "outputs": OUTPUTS,
        "values": hcl.attributes({"region": spec.region, **values}).rstrip("\n"),
        "aws_provider_constraint": hcl.quote(AWS_PROVIDER_CONSTRAINT),
    }
    environment = _environment()
    return {name: environment.get_template(f"{name}.j2").render(context) for name in TEMPLATES}


def render_workdir(spec: ClusterSpec, resolved: ResolvedInputs, workdir: Path) -> RenderedCluster:
    """Write the working directory; Terraform's own files there (.terraform, state, the lock file once written)
    are left alone."""
    from clusterwiz.core.node_agent import build_node_agent_archive

    files = render_files(spec, resolved)
    ensure_private_dir(workdir)
    _replace_modules(workdir / MODULES_DIR)
    atomic_write_bytes(workdir / NODE_AGENT_FILE, build_node_agent_archive())
    for name, text in files.items():
        atomic_write_text(workdir / name, text)
    lock_provider(workdir)
    return RenderedCluster(workdir=workdir, files=files)


def keep_fleet_stopped(workdir: Path, stopped: bool) -> None:
    """Whether an apply of this working directory keeps every queue's group at size 0 (the fleet is stopped)."""
    path = workdir / FLEET_STOPPED_FILE
    if stopped:
        atomic_write_text(path, "fleet_stopped = true\n")
    else:
        path.unlink(missing_ok=True)


def _replace_modules(target: Path) -> None:
    """Swap in a fresh copy of the bundled modules in one rename, so a failure leaves the old copy whole."""
    staging = Path(tempfile.mkdtemp(prefix=".modules-", dir=target.parent))
    try:
        shutil.copytree(terraform_modules_dir(), staging / MODULES_DIR, ignore=_NOT_COPIED)
        make_tree_private(staging / MODULES_DIR)
        if target.exists():
            retired = staging / "retired"
            os.replace(target, retired)
        os.replace(staging / MODULES_DIR, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
