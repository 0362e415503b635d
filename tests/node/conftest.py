"""Fixtures of the node agent tests: cluster parameters and a real local Slurm."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clusterwiz.node.params import ClusterParams, parse_params
from tests.support.slurm import LocalSlurm, SlurmUnavailable, local_slurm


def head_params_data(**overrides: Any) -> dict[str, Any]:
    """params.json of a two-queue cluster with two shared volumes, as the head node's Terraform writes it."""
    data: dict[str, Any] = {
        "cluster_name": "demo", "region": "eu-west-2", "os": "ubuntu2404", "role": "head",
        "nodes_cidr": "10.0.0.0/17", "scaledown_idle_minutes": 10,
        "queues": [
            {"name": "compute", "instance_types": ["c6i.xlarge"], "capacity": "ondemand", "min_nodes": 0,
             "max_nodes": 4, "group_name": "demo-compute"},
            {"name": "gpu-spot", "instance_types": ["g5.xlarge", "g4dn.xlarge"], "capacity": "spot",
             "min_nodes": 1, "max_nodes": 2, "group_name": "demo-gpu-spot"},
        ],
        "shared_storage": [
            {"mount_dir": "/shared", "volume_id": "vol-0123456789abcdef0", "device_name": "/dev/sdf"},
            {"mount_dir": "/data/my-project", "volume_id": "vol-0fedcba9876543210", "device_name": "/dev/sdg"},
        ],
    }
    data.update(overrides)
    return data


def compute_params_data(queue: str = "compute") -> dict[str, Any]:
    return {"cluster_name": "demo", "region": "eu-west-2", "os": "ubuntu2404", "role": "compute",
            "queue": queue, "head_private_ip": "10.0.1.10"}


@pytest.fixture
def head_params() -> ClusterParams:
    return parse_params(head_params_data())


@pytest.fixture
def compute_params() -> ClusterParams:
    return parse_params(compute_params_data())


@pytest.fixture
def slurm() -> Iterator[LocalSlurm]:
    """A local munged + Slurm (no daemon started yet); fails, never skips, without Slurm or root."""
    try:
        with local_slurm() as running:
            yield running
    except SlurmUnavailable as problem:
        pytest.fail(str(problem))
