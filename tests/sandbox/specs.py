"""Cluster specs for the sandbox's seeded account: key pair and region as the sandbox seeds them."""

from __future__ import annotations

from clusterwiz.core.sandbox_seed import KEY_PAIR_NAME, SANDBOX_REGION


def sandbox_cluster_yaml(name: str, compute_type: str = "c5.large", shared_storage: str = "[]") -> str:
    """A head node and one queue; `shared_storage` is a YAML flow list ([] skips the volume waits)."""
    return (f"name: {name}\n"
            f"region: {SANDBOX_REGION}\n"
            "os: ubuntu2404\n"
            f"key_pair: {KEY_PAIR_NAME}\n"
            "head_node: {instance_type: t3.medium}\n"
            f"queues: [{{name: compute, instance_types: [{compute_type}], max_nodes: 4}}]\n"
            f"shared_storage: {shared_storage}\n")
