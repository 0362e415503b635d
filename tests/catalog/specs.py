"""Cluster specs for the checks: one that passes against tests.catalog.account, and variations of it."""

from __future__ import annotations

from typing import Any

from clusterwiz.core.spec import ClusterSpec


def make_spec(**overrides: Any) -> ClusterSpec:
    data: dict[str, Any] = {
        "name": "demo",
        "region": "eu-west-2",
        "os": "ubuntu2404",
        "key_pair": "lab-ed25519",
        "network": {"ssh_cidr": "203.0.113.7/32"},
        "head_node": {"instance_type": "t3.medium"},
        "queues": [{"name": "compute", "instance_types": ["c6i.xlarge"], "max_nodes": 4}],
        "shared_storage": [{"mount_dir": "/shared", "size_gib": 100}],
    }
    data.update(overrides)
    return ClusterSpec.model_validate(data)
