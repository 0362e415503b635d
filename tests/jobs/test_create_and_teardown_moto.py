"""--create and --teardown-after: the cluster is applied by Terraform against moto, the jobs run on the local
Slurm (the cluster's SSH override points at the local sshd), and nothing tagged with the cluster is left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import boto3
import pytest

from clusterwiz.core.registry import Registry
from clusterwiz.core.ssh import SshOverride, save_ssh_override
from tests.jobs.conftest import LocalCluster
from tests.support.cli import TUI_DIR, clusterwiz, clusterwiz_json

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

REGION = "eu-west-2"
NAME = "pipe"


def cluster_yaml(ami_id: str, key_file: Path) -> str:
    return textwrap.dedent(f"""\
        name: {NAME}
        region: {REGION}
        os: ubuntu2404
        ami_id: {ami_id}
        key_pair: pipe-key
        ssh_key_file: {key_file}
        network:
          availability_zone: {REGION}a
          ssh_cidr: 127.0.0.1/32
        queues:
          - name: compute
            instance_types: [c5.large]
            max_nodes: 2
        shared_storage: []
        """)


def mark_head_ready(ec2, deadline: float) -> str:
    """Stand in for the node agent (which cannot boot inside moto): tag the head node ready once it exists."""
    while time.monotonic() < deadline:
        reservations = ec2.describe_instances(Filters=[
            {"Name": "tag:clusterwiz:cluster", "Values": [NAME]}, {"Name": "tag:clusterwiz:role", "Values": ["head"]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"]
        instances = [instance for reservation in reservations for instance in reservation["Instances"]]
        if instances:
            instance_id = instances[0]["InstanceId"]
            ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "clusterwiz:bootstrap", "Value": "ready"}])
            return instance_id
        time.sleep(1)
    raise AssertionError("the head node was never created")


def test_create_run_and_teardown(moto: str, terraform_cli_config: Path, local_cluster: LocalCluster,
                                 tmp_path: Path) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    public_key = local_cluster.sshd.key_file.with_suffix(".pub").read_text().strip()
    ec2.import_key_pair(KeyName="pipe-key", PublicKeyMaterial=public_key.encode())
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    home = tmp_path / "home"
    config = tmp_path / "cluster.yaml"
    config.write_text(cluster_yaml(ami_id, local_cluster.sshd.key_file))
    clusterwiz(home, "render", "--config", str(config))
    # What `clusterwiz ssh pipe --host 127.0.0.1 --port N --save` records for a head node behind a port forward.
    record = Registry(home).get(NAME)
    sshd = local_cluster.sshd
    save_ssh_override(record, SshOverride(host=sshd.host, port=sshd.port, user=sshd.user))
    job = tmp_path / "hello.sh"
    job.write_text("#!/bin/sh\necho hello from the pipeline\n")
    job_file = tmp_path / "jobs.cfg"
    job_file.write_text("[order]\nsequential = hello\n\n[job hello]\nlocal_path = hello.sh\nhandler = hello.sh\n"
                        "wait_time = 1\n")

    environment = {**os.environ, "CLUSTERWIZ_HOME": str(home), "PYTHONPATH": str(TUI_DIR)}
    process = subprocess.Popen(
        [sys.executable, "-m", "clusterwiz", "--json", "jobs", "run", str(job_file), "--cluster", NAME, "--create",
         "--teardown-after", "--remote-dir", str(local_cluster.shared_dir)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        mark_head_ready(ec2, time.monotonic() + 240)
        stdout, stderr = process.communicate(timeout=480)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    events = [json.loads(line) for line in stdout.splitlines()]
    summary = events[-1]
    assert summary["status"] == "succeeded"
    assert summary["jobs"][0]["output_tail"] == "hello from the pipeline"
    # Terraform's events of the create and of the teardown came before it.
    assert sum(1 for event in events if event.get("type") == "ResourceDone") > 10

    assert Registry(home).get(NAME).metadata.status == "destroyed"
    assert Registry(home).get(NAME).managed_resources() == 0
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    left = [item["ResourceARN"] for item in tagging.get_resources(
        TagFilters=[{"Key": "clusterwiz:cluster", "Values": [NAME]}])["ResourceTagMappingList"]
        if ":instance/" not in item["ResourceARN"]]
    assert left == []
    # The pipeline's record outlives the cluster, and reading it needs no head node.
    assert clusterwiz_json(home, "jobs", "status", "--cluster", NAME)["status"] == "succeeded"
