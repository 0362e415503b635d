"""Fixtures of the node agent tests: cluster parameters, a real local Slurm, and the scaler with both and moto."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from clusterwiz.node.autoscaling import Fleet
from clusterwiz.node.generate import head_files
from clusterwiz.node.params import ClusterParams, parse_params
from clusterwiz.node.scaler import ScalerConfig, load_scaler_config, scale_once
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


IDLE_SECONDS = 2.0


def make_groups(params: ClusterParams) -> None:
    """The fleet the compute_fleet module would create: one group per queue, empty at first."""
    ec2 = boto3.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    template = ec2.create_launch_template(LaunchTemplateName="demo-nodes",
                                          LaunchTemplateData={"ImageId": image, "InstanceType": "c6i.xlarge"})
    autoscaling = boto3.client("autoscaling")
    for queue in params.queues:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=queue.group_name, MinSize=queue.min_nodes, MaxSize=queue.max_nodes,
            DesiredCapacity=queue.min_nodes, AvailabilityZones=[f"{os.environ['AWS_REGION']}a"],
            LaunchTemplate={"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"]})


def group(name: str) -> dict:
    return boto3.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[name])["AutoScalingGroups"][0]


def members(name: str) -> list[str]:
    return sorted(i["InstanceId"] for i in group(name)["Instances"] if not i["LifecycleState"].startswith("Termin"))


@pytest.fixture
def cluster(moto: str, slurm: LocalSlurm, tmp_path: Path) -> tuple[LocalSlurm, ScalerConfig, Callable[[], list]]:
    """Slurm with the generated config, the fleet's groups in moto, and one scaler pass as a function."""
    params = parse_params(head_params_data(queues=[
        {"name": "compute", "instance_types": ["c6i.xlarge"], "capacity": "ondemand", "min_nodes": 0,
         "max_nodes": 2, "group_name": "demo-compute", "node_cpus": 4, "node_memory_mib": 8192},
        {"name": "gpu", "instance_types": ["g5.xlarge"], "capacity": "spot", "min_nodes": 0, "max_nodes": 1,
         "group_name": "demo-gpu", "node_cpus": 4, "node_memory_mib": 16384},
    ]))
    tree = head_files(params, slurm.layout, "localhost", "127.0.0.1")
    slurm.start_controller(tree[slurm.layout.slurm_conf].content)
    config_path = tmp_path / "scaler.json"
    config_path.write_text(next(file.content for path, file in tree.items() if path.endswith("scaler.json")))
    config = load_scaler_config(str(config_path))
    config = replace(config, idle_limit_seconds=IDLE_SECONDS)
    make_groups(params)
    os.environ["SLURM_CONF"] = str(slurm.conf_path)
    fleet = Fleet(config.region)
    try:
        yield slurm, config, lambda: scale_once(config, fleet, log=lambda line: None)
    finally:
        os.environ.pop("SLURM_CONF", None)
