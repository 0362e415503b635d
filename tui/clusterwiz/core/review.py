"""The review of a finished wizard: the spec in plain words, its cost, and every pre-flight finding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.steps import OS_TITLES, in_user_words

if TYPE_CHECKING:
    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.spec import ClusterSpec


@dataclass(frozen=True)
class Review:
    lines: list[str]
    cost: Any | None  # core.cost.CostEstimate
    cost_problem: str | None  # why there is no estimate
    findings: list[Any]  # core.validate.Finding

    @property
    def blocking(self) -> list[Any]:
        return [f for f in self.findings if f.level == "error"]


def describe_spec(spec: ClusterSpec, creates_key: bool = False) -> list[str]:
    """One sentence per part of the cluster, in words a newcomer reads."""
    network = spec.network
    lines = [f"Cluster {spec.name} in region {spec.region}."]
    if network.creates_vpc:
        zone = network.availability_zone or "the first zone that offers every chosen type"
        lines.append(f"Network: a new VPC ({network.vpc_cidr}) in {zone}, removed when you destroy the cluster.")
    else:
        lines.append(f"Network: your VPC {network.vpc_id}, subnet {network.subnet_id} (kept on destroy).")
    if network.ssh_cidr is None:
        lines.append("SSH: allowed only from your current public address.")
    elif network.ssh_open_to_world:
        lines.append(f"SSH: allowed from anywhere ({network.ssh_cidr}); anyone can try to log in.")
    else:
        lines.append(f"SSH: allowed from {network.ssh_cidr}.")
    system = OS_TITLES.get(spec.os, spec.os)
    lines.append(f"Operating system: {system}, " + (f"custom image {spec.ami_id}." if spec.ami_id
                                                     else "its current AMI, pinned when you plan."))
    lines.append(f"Head node: {spec.head_node.instance_type} with a {spec.head_node.root_volume_gib} GiB disk.")
    for queue in spec.queues:
        capacity = "spot" if queue.capacity == "spot" else "on-demand"
        lines.append(f"Queue {queue.name}: {queue.min_nodes} to {queue.max_nodes} {capacity} nodes of "
                     f"{', '.join(queue.instance_types)}; {queue.initial_nodes} started at create.")
    if not spec.shared_storage:
        lines.append("Shared storage: /home from the head node only.")
    for volume in spec.shared_storage:
        if volume.volume_id:
            lines.append(f"{volume.mount_dir}: your volume {volume.volume_id}, attached and kept on destroy.")
        else:
            encrypted = "encrypted" if volume.encrypted else "not encrypted"
            lines.append(f"{volume.mount_dir}: a new {volume.size_gib} GiB {volume.volume_type} volume, {encrypted}, "
                         "deleted on destroy.")
    if creates_key:
        lines.append(f"Key pair: {spec.key_pair}, created when you save; the private key is kept with the cluster.")
    else:
        lines.append(f"Key pair: {spec.key_pair}" + (f" (private key {spec.ssh_key_file})." if spec.ssh_key_file
                                                    else "."))
    if spec.idle_stop_minutes is not None:
        lines.append(f"Idle stop: after {spec.idle_stop_minutes} minutes with no job and nobody logged in, the whole "
                     "cluster stops itself and only its storage bills until you start it again.")
    elif spec.expires_at is None:
        lines.append("Idle stop: off; the cluster bills until you stop or destroy it.")
    else:
        lines.append("Idle stop: off.")
    if spec.expires_at is not None:
        from clusterwiz.core.expiry import describe_expiry, now_utc

        lines.append(f"Expires: the whole cluster stops {describe_expiry(spec.expires_at, now_utc())}, running jobs "
                     "included; only its storage bills after.")
    return lines


def describe_cost(cost: Any) -> str:
    estimate = "Estimated cost" if cost.is_estimate else "Cost"
    return (f"{estimate}: ${cost.per_hour_now:.2f}/h now, ${cost.per_hour_at_max:.2f}/h at maximum size, "
            f"${cost.per_hour_stopped:.2f}/h stopped, storage ${cost.storage_per_month:.2f}/month (public IPv4 and "
            f"volumes included; prices as of {cost.as_of}).")


def build_review(spec: ClusterSpec, catalog: Catalog, registry_names: Iterable[str] = (),
                 creates_key: bool = False, updating: bool = False) -> Review:
    from clusterwiz.core.cost import estimate
    from clusterwiz.core.validate import validate

    cost, cost_problem = None, None
    try:
        cost = estimate(spec, catalog)
    except ClusterwizError as error:
        cost_problem = str(error)
    findings = validate(spec, catalog, registry_names=tuple(registry_names), updating=updating)
    if creates_key:
        # The key pair does not exist yet: it is created on save, so its "missing" finding does not apply.
        findings = [f for f in findings if not (f.field == "key_pair" and f.level == "error")]
    # Pre-flight speaks cluster.yaml's language (ssh_cidr); the review is read by someone answering the wizard.
    findings = [replace(f, message=in_user_words(f.message), fix=in_user_words(f.fix)) for f in findings]
    return Review(describe_spec(spec, creates_key), cost, cost_problem, findings)
