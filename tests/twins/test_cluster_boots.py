"""A cluster clusterwiz applies boots for real: every instance the emulator runs is a twin (tests/twins/README.md).

The tests share one cluster, applied once by `clusterwiz apply` against moto's server: its head node and its first
compute node boot from the user data Terraform sent, through cloud-init, the OS's own systemd units and the node
agent. What the twins cannot reproduce (EC2's own boot, the kernel's NFS transport) is named where it is stood in for.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import boto3
import pytest
import yaml

from clusterwiz.core.spec import ClusterSpec
from tests.support.cli import clusterwiz, clusterwiz_json
from tests.support.moto_server import TEST_REGION
from tests.twins.harness import TwinHarness, wait_until

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

NAME = "twin"
ZONE = f"{TEST_REGION}a"
READY_TIMEOUT_S = 180
EXISTING_DATA = "results of an earlier run\n"


def bootstrap_tags(cluster: str) -> dict[str, str]:
    """instance id -> clusterwiz:bootstrap, for the cluster's running instances."""
    ec2 = boto3.client("ec2", region_name=TEST_REGION)
    reservations = ec2.describe_instances(Filters=[{"Name": "tag:clusterwiz:cluster", "Values": [cluster]},
                                                   {"Name": "instance-state-name", "Values": ["running"]}])
    tags = {}
    for reservation in reservations["Reservations"]:
        for instance in reservation["Instances"]:
            values = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}
            tags[instance["InstanceId"]] = values.get("clusterwiz:bootstrap", "")
    return tags


def existing_volume_with_data(twins: TwinHarness) -> str:
    """A volume the user made earlier, formatted, holding a file: clusterwiz must attach it and keep the file."""
    ec2 = boto3.client("ec2", region_name=TEST_REGION)
    volume_id = ec2.create_volume(AvailabilityZone=ZONE, Size=1, VolumeType="gp3")["VolumeId"]
    backing = twins.volume_file(volume_id, 1)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "results", str(backing)], check=True)
    source = backing.with_suffix(".txt")
    source.write_text(EXISTING_DATA)
    for request in (f"write {source} earlier.txt", "sif earlier.txt mode 0100644"):
        subprocess.run(["debugfs", "-w", "-R", request, str(backing)], check=True, capture_output=True)
    return volume_id


@pytest.fixture(scope="module")
def cluster(twins: TwinHarness, moto_endpoint: str, terraform_cli_config: Path,
            tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The cluster applied and both nodes' bootstraps finished; returns the paths and ids the tests use."""
    from tests.support.moto_server import reset_moto

    reset_moto(moto_endpoint)
    directory = tmp_path_factory.mktemp("twin-cluster")
    key = directory / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    ec2 = boto3.client("ec2", region_name=TEST_REGION)
    ec2.import_key_pair(KeyName="lab", PublicKeyMaterial=key.with_suffix(".pub").read_bytes())
    # moto's own image stands in for Debian's AMI: the twin boots the Debian 13 image whatever the AMI id says.
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    existing = existing_volume_with_data(twins)
    spec = ClusterSpec.model_validate({
        "name": NAME, "region": TEST_REGION, "os": "debian13", "ami_id": ami_id, "key_pair": "lab",
        "ssh_key_file": str(key),
        "network": {"availability_zone": ZONE, "ssh_cidr": "203.0.113.7/32"},
        "head_node": {"instance_type": "t3.medium"},
        "queues": [{"name": "compute", "instance_types": ["c5.large"], "min_nodes": 1, "initial_nodes": 1,
                    "max_nodes": 2},
                   {"name": "burst", "instance_types": ["c5.large"], "min_nodes": 0, "initial_nodes": 0,
                    "max_nodes": 1}],
        "scaledown_idle_minutes": 10,
        "shared_storage": [{"mount_dir": "/shared", "size_gib": 4}, {"mount_dir": "/data", "volume_id": existing}],
    })
    (directory / "cluster.yaml").write_text(spec.to_yaml())
    home = directory / "home"
    clusterwiz(home, "render", "--config", str(directory / "cluster.yaml"))
    started = time.monotonic()
    clusterwiz(home, "--json", "apply", NAME, "--yes")

    def both_ready() -> bool:
        twins.check()
        tags = bootstrap_tags(NAME)
        if any(value.startswith("failed:") for value in tags.values()):
            raise AssertionError(f"a bootstrap failed: {tags}\n{twins.describe()}")
        return len(tags) == 2 and all(value == "ready" for value in tags.values())

    wait_until(both_ready, READY_TIMEOUT_S, "the head and compute nodes to tag themselves ready",
               describe=twins.describe)
    return {"home": home, "key": key, "existing": existing, "ready_after": time.monotonic() - started}


def head_twin(twins: TwinHarness):
    record = twins.head_of(NAME)
    assert record is not None, "no head node twin"
    return record.twin


def compute_twins(twins: TwinHarness) -> list:
    return [record.twin for record in twins.twins.values() if record.cluster == NAME and record.role == "compute"]


def test_head_and_compute_boot_ready_and_status_says_so(cluster: dict, twins: TwinHarness) -> None:
    status = clusterwiz_json(cluster["home"], "status", NAME)
    assert {(i["role"], i["bootstrap"]) for i in status["instances"]} == {("head", "ready"), ("compute", "ready")}
    head = head_twin(twins)
    # The package's own units run the daemons: the notify-type units got their READY.
    for unit in ("munge", "slurmctld", "nfs-server", "clusterwiz-scaler.timer"):
        assert head.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active", unit
    (compute,) = compute_twins(twins)
    assert compute.run("systemctl", "is-active", "slurmd", check=False).stdout.strip() == "active"
    assert compute.run("systemctl", "show", "-p", "Type", "--value", "slurmd").stdout.strip() == "notify"


def test_ssh_reaches_the_head_node_and_sinfo_lists_the_partition(cluster: dict) -> None:
    # ssh(1) joins a remote command's words with spaces; the format is quoted for the head node's shell.
    result = clusterwiz(cluster["home"], "ssh", NAME, "--", "sinfo", "-h", "-p", "compute", "-o", "'%P %D %t'")
    assert result.stdout.split() == ["compute*", "1", "idle"], result.stdout


def test_a_pipeline_job_runs_on_the_compute_node_and_writes_to_home(cluster: dict, twins: TwinHarness,
                                                                   tmp_path: Path) -> None:
    script = tmp_path / "where.sh"
    script.write_text("#!/bin/bash\nhostname > \"$HOME/where-it-ran.txt\"\ncat /data/earlier.txt >> "
                      "\"$HOME/where-it-ran.txt\"\n")
    jobs = tmp_path / "pipeline.cfg"
    jobs.write_text(f"[order]\nsequential = where\n\n[job where]\nlocal_path = {script}\nhandler = where.sh\n")
    clusterwiz(cluster["home"], "jobs", "run", str(jobs), "--cluster", NAME, timeout=300)
    (compute,) = compute_twins(twins)
    written = head_twin(twins).path("/home/admin/where-it-ran.txt")
    wait_until(written.exists, 60, "the job's output in the head node's /home", describe=twins.describe)
    lines = written.read_text().splitlines()
    assert lines[0] == compute.spec.hostname  # it ran on the compute node, and wrote through the shared /home
    assert lines[1:] == EXISTING_DATA.splitlines()


def test_volumes_are_formatted_once_and_an_existing_one_keeps_its_data(cluster: dict, twins: TwinHarness) -> None:
    head = head_twin(twins)
    mounts = head.run("findmnt", "-n", "-o", "TARGET,FSTYPE,LABEL", "-l").stdout
    assert any(line.split()[:2] == ["/shared", "ext4"] for line in mounts.splitlines()), mounts
    assert head.run("cat", "/data/earlier.txt").stdout == EXISTING_DATA
    log = head.path("/var/log/clusterwiz-bootstrap.log").read_text()
    assert log.count("formatting blank volume") == 1
    assert f"volume {cluster['existing']} already has a filesystem; keeping its data" in log
    (compute,) = compute_twins(twins)
    head.run("sh", "-c", "echo from-the-head > /shared/hello.txt")
    assert compute.run("cat", "/shared/hello.txt").stdout == "from-the-head\n"
    assert compute.run("cat", "/data/earlier.txt").stdout == EXISTING_DATA


def slurm_node_state(head, node: str) -> str:
    result = head.run("scontrol", "-o", "show", "node", node, check=False)
    fields = dict(field.split("=", 1) for field in result.stdout.split() if "=" in field)
    return fields.get("State", "") if result.returncode == 0 else ""


def burst_members() -> list[str]:
    autoscaling = boto3.client("autoscaling", region_name=TEST_REGION)
    (group,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[f"{NAME}-burst"])["AutoScalingGroups"]
    return [i["InstanceId"] for i in group["Instances"] if not i["LifecycleState"].startswith("Termin")]


def test_scale_from_zero_runs_the_job_on_a_new_node_then_removes_it(cluster: dict, twins: TwinHarness) -> None:
    head = head_twin(twins)
    assert burst_members() == []
    # The scale-down time is shortened on the head node (the spec's minimum is a minute); the scaler is the
    # product's own, run by its own timer.
    config = head.path("/etc/clusterwiz/scaler.json")
    original = config.read_text()
    config.write_text(json.dumps({**json.loads(original), "scaledown_idle_minutes": 0.25}))
    try:
        scale_burst_from_zero(head, twins)
    finally:
        config.write_text(original)


def scale_burst_from_zero(head, twins: TwinHarness) -> None:
    submitted = time.monotonic()
    job = head.run("su", "-", "admin", "-c", "sbatch --parsable -p burst --wrap 'hostname; sleep 2'").stdout.strip()
    (instance,) = wait_until(burst_members, 120, "the scaler to raise the burst group", describe=twins.describe)
    launched = time.monotonic()
    node = f"burst-{instance[2:]}"

    def job_state() -> str:
        fields = dict(f.split("=", 1) for f in head.run("scontrol", "-o", "show", "job", job).stdout.split() if "=" in f)
        return fields["JobState"]

    wait_until(lambda: job_state() == "COMPLETED", READY_TIMEOUT_S, f"job {job} to complete on {node}",
               describe=twins.describe)
    finished = time.monotonic()
    output = head.path(f"/home/admin/slurm-{job}.out").read_text()
    assert output.splitlines()[0] == twins.twin(instance).spec.hostname
    wait_until(lambda: instance not in twins.twins, 180, f"{node} to idle out and its twin to halt",
               describe=twins.describe)
    removed = time.monotonic()
    assert burst_members() == []
    assert slurm_node_state(head, node) == ""  # deleted from Slurm, not left DOWN
    scaler_log = head.run("journalctl", "-u", "clusterwiz-scaler", "--no-pager").stdout
    assert "set desired capacity of twin-burst to 1" in scaler_log
    assert f"terminated idle {node} ({instance}) through twin-burst" in scaler_log
    twins.timings.update(scaler_decision=launched - submitted, new_node_job_done=finished - launched,
                         idle_to_terminated=removed - finished)


def test_a_rebooted_compute_node_comes_back_and_a_second_bootstrap_changes_nothing(cluster: dict,
                                                                                  twins: TwinHarness) -> None:
    (compute,) = compute_twins(twins)
    head = head_twin(twins)
    node = f"compute-{compute.spec.instance_id[2:]}"
    log = compute.path("/var/log/clusterwiz-bootstrap.log")
    before = log.read_text()
    boots = compute.boots
    compute.run("systemctl", "reboot", check=False)
    wait_until(lambda: compute.boots > boots and compute.leader(), 60, "the twin to boot again")

    def rejoined() -> bool:
        active = compute.run("systemctl", "is-active", "slurmd", check=False).stdout.strip() == "active"
        return active and slurm_node_state(head, node).startswith("IDLE")

    # The node's own units bring it back (cloud-init runs user data once per instance, as on EC2).
    wait_until(rejoined, READY_TIMEOUT_S, f"{node} to rejoin Slurm after the reboot", describe=twins.describe)
    assert log.read_text() == before
    assert compute.run("cat", "/data/earlier.txt").stdout == EXISTING_DATA
    # Run again by hand, the bootstrap rewrites nothing and restarts no daemon.
    slurmd = compute.run("systemctl", "show", "-p", "MainPID", "--value", "slurmd").stdout.strip()
    again = compute.run("/opt/clusterwiz/agent/bootstrap.sh", "compute", timeout=180)
    assert "configuration unchanged" in again.stdout and "wrote " not in again.stdout, again.stdout
    assert compute.run("systemctl", "show", "-p", "MainPID", "--value", "slurmd").stdout.strip() == slurmd
    assert bootstrap_tags(NAME)[compute.spec.instance_id] == "ready"
