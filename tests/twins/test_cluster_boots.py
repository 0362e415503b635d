"""A cluster clusterwiz applies boots for real: every instance the emulator runs is a twin (tests/twins/README.md).

The tests share one cluster, applied once by `clusterwiz apply` against moto's server: its head node and its first
compute node boot from the user data Terraform sent, through cloud-init, the OS's own systemd units and the node
agent. What the twins cannot reproduce (EC2's own boot, the kernel's NFS transport) is named where it is stood in for.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import clusterwiz, clusterwiz_json
from tests.support.moto_server import reset_moto
from tests.twins.cluster import (
    READY_TIMEOUT_S,
    TwinCluster,
    apply_twin_cluster,
    bootstrap_tags,
    group_members,
    group_sizes,
    slurm_node_state,
)
from tests.twins.harness import TwinHarness, wait_until

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

NAME = "twin"
EXISTING_DATA = "results of an earlier run\n"
# Its nodes boot where no package mirror answers, as in a subnet with no route to the internet.
BROKEN_QUEUE = "offline"


@pytest.fixture(scope="module")
def cluster(twins: TwinHarness, moto_endpoint: str, terraform_cli_config: Path,
            tmp_path_factory: pytest.TempPathFactory) -> TwinCluster:
    """The cluster applied and both nodes' bootstraps finished."""
    reset_moto(moto_endpoint)
    twins.without_mirror.add(BROKEN_QUEUE)
    queues = [{"name": "compute", "instance_types": ["c5.large"], "min_nodes": 1, "initial_nodes": 1, "max_nodes": 2},
              {"name": "burst", "instance_types": ["c5.large"], "min_nodes": 0, "initial_nodes": 0, "max_nodes": 1},
              {"name": BROKEN_QUEUE, "instance_types": ["c5.large"], "min_nodes": 0, "initial_nodes": 0,
               "max_nodes": 1}]
    return apply_twin_cluster(twins, tmp_path_factory.mktemp("twin-cluster"), NAME, queues, EXISTING_DATA)


def head_twin(twins: TwinHarness):
    record = twins.head_of(NAME)
    assert record is not None, "no head node twin"
    return record.twin


def compute_twins(twins: TwinHarness, queue: str = "compute") -> list:
    return [record.twin for record in twins.twins.values() if record.cluster == NAME and record.queue == queue]


def test_head_and_compute_boot_ready_and_status_says_so(cluster: TwinCluster, twins: TwinHarness) -> None:
    status = clusterwiz_json(cluster.home, "status", NAME)
    assert {(i["role"], i["bootstrap"]) for i in status["instances"]} == {("head", "ready"), ("compute", "ready")}
    head = head_twin(twins)
    # The package's own units run the daemons: the notify-type units got their READY.
    for unit in ("munge", "slurmctld", "nfs-server", "clusterwiz-scaler.timer"):
        assert head.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active", unit
    (compute,) = compute_twins(twins)
    assert compute.run("systemctl", "is-active", "slurmd", check=False).stdout.strip() == "active"
    assert compute.run("systemctl", "show", "-p", "Type", "--value", "slurmd").stdout.strip() == "notify"
    # The user data and bootstrap.sh both send output to the log: each line is there once.
    compute_log = compute.path("/var/log/clusterwiz-bootstrap.log").read_text()
    assert compute_log.count("] step slurmd\n") == 1, compute_log


def test_only_root_gets_the_head_node_s_instance_role(cluster: TwinCluster, twins: TwinHarness) -> None:
    """The head node's role can resize and terminate the cluster's nodes: the user who logs in gets nothing from
    IMDS, while the agent (root) still reads it. The compute node's jobs keep theirs."""
    metadata = "PYTHONPATH=/opt/clusterwiz/agent python3 -m clusterwiz_node metadata instance-id"
    head = head_twin(twins)
    assert head.run("systemctl", "is-enabled", "clusterwiz-imds-guard").stdout.strip() == "enabled"
    assert head.run("sh", "-c", metadata).stdout.strip() == head.spec.instance_id
    as_user = head.run("su", "-", "admin", "-c", metadata, check=False)
    assert as_user.returncode != 0 and "Connection refused" in as_user.stderr, as_user
    (compute,) = compute_twins(twins)
    assert compute.run("su", "-", "admin", "-c", metadata).stdout.strip() == compute.spec.instance_id


def test_ssh_reaches_the_head_node_and_sinfo_lists_the_partition(cluster: TwinCluster) -> None:
    # ssh(1) joins a remote command's words with spaces; the format is quoted for the head node's shell.
    result = clusterwiz(cluster.home, "ssh", NAME, "--", "sinfo", "-h", "-p", "compute", "-o", "'%P %D %t'")
    assert result.stdout.split() == ["compute*", "1", "idle"], result.stdout


def test_a_pipeline_job_runs_on_the_compute_node_and_writes_to_home(cluster: TwinCluster, twins: TwinHarness,
                                                                   tmp_path: Path) -> None:
    script = tmp_path / "where.sh"
    script.write_text("#!/bin/bash\nhostname > \"$HOME/where-it-ran.txt\"\ncat /data/earlier.txt >> "
                      "\"$HOME/where-it-ran.txt\"\n")
    jobs = tmp_path / "pipeline.cfg"
    jobs.write_text(f"[order]\nsequential = where\n\n[job where]\nlocal_path = {script}\nhandler = where.sh\n")
    clusterwiz(cluster.home, "jobs", "run", str(jobs), "--cluster", NAME, timeout=300)
    (compute,) = compute_twins(twins)
    written = head_twin(twins).path("/home/admin/where-it-ran.txt")
    wait_until(written.exists, 60, "the job's output in the head node's /home", describe=twins.describe)
    lines = written.read_text().splitlines()
    assert lines[0] == compute.spec.hostname  # it ran on the compute node, and wrote through the shared /home
    assert lines[1:] == EXISTING_DATA.splitlines()


def test_volumes_are_formatted_once_and_an_existing_one_keeps_its_data(cluster: TwinCluster,
                                                                       twins: TwinHarness) -> None:
    head = head_twin(twins)
    mounts = head.run("findmnt", "-n", "-o", "TARGET,FSTYPE,LABEL", "-l").stdout
    assert any(line.split()[:2] == ["/shared", "ext4"] for line in mounts.splitlines()), mounts
    assert head.run("cat", "/data/earlier.txt").stdout == EXISTING_DATA
    log = head.path("/var/log/clusterwiz-bootstrap.log").read_text()
    assert log.count("formatting blank volume") == 1
    assert f"volume {cluster.existing_volume} already has a filesystem; keeping its data" in log
    (compute,) = compute_twins(twins)
    head.run("sh", "-c", "echo from-the-head > /shared/hello.txt")
    assert compute.run("cat", "/shared/hello.txt").stdout == "from-the-head\n"
    assert compute.run("cat", "/data/earlier.txt").stdout == EXISTING_DATA


def test_no_daemon_starts_before_it_is_configured(cluster: TwinCluster, twins: TwinHarness) -> None:
    """Debian's slurmd package starts slurmd on install; without its configuration (Type=notify on Debian 13) it
    looked for a controller by DNS and held the package install for its 90 s start timeout on every node."""
    for twin, daemon in ((head_twin(twins), "slurmctld"), (compute_twins(twins)[0], "slurmd")):
        journal = twin.run("journalctl", "-b", "-u", daemon, "--no-pager", "-o", "cat").stdout
        assert "failed to load configs" not in journal and "Could not establish a configuration" not in journal, \
            journal[-2000:]
        assert journal.count(f"Starting {daemon}.service") == 1, journal[-2000:]


def test_a_rebooted_compute_node_comes_back_and_a_second_bootstrap_changes_nothing(cluster: TwinCluster,
                                                                                  twins: TwinHarness) -> None:
    """The boot that follows mounts the shared directories in the boot's own transaction. It once hung there
    (remote-fs.target waiting on nothing): systemd orders a mount from the mount table, where the twin's stand-in
    NFS client shows a local file system, so the mounts lost their place before remote-fs.target mid-boot. The
    mount units now say Before=remote-fs.target themselves (node/nfs.py)."""
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


def test_scale_from_zero_runs_the_job_on_a_new_node_then_removes_it(cluster: TwinCluster, twins: TwinHarness) -> None:
    head = head_twin(twins)
    assert group_members(NAME, "burst") == []
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
    (instance,) = wait_until(lambda: group_members(NAME, "burst"), 120, "the scaler to raise the burst group",
                             describe=twins.describe)
    launched = time.monotonic()
    node = f"burst-{instance[2:]}"

    def job_state() -> str:
        words = head.run("scontrol", "-o", "show", "job", job).stdout.split()
        fields = dict(word.split("=", 1) for word in words if "=" in word)
        return fields["JobState"]

    wait_until(lambda: job_state() == "COMPLETED", READY_TIMEOUT_S, f"job {job} to complete on {node}",
               describe=twins.describe)
    finished = time.monotonic()
    output = head.path(f"/home/admin/slurm-{job}.out").read_text()
    assert output.splitlines()[0] == twins.twin(instance).spec.hostname
    wait_until(lambda: instance not in twins.twins, 180, f"{node} to idle out and its twin to halt",
               describe=twins.describe)
    removed = time.monotonic()
    assert group_members(NAME, "burst") == []
    assert slurm_node_state(head, node) == ""  # deleted from Slurm, not left DOWN
    scaler_log = head.run("journalctl", "-u", "clusterwiz-scaler", "--no-pager").stdout
    assert "set desired capacity of twin-burst to 1" in scaler_log
    assert f"terminated idle {node} ({instance}) through twin-burst" in scaler_log
    twins.timings.update(scaler_decision=launched - submitted, new_node_job_done=finished - launched,
                         idle_to_terminated=removed - finished)


def test_a_failed_bootstrap_is_shown_with_its_step_and_log_and_the_node_is_replaced(cluster: TwinCluster,
                                                                                    twins: TwinHarness) -> None:
    head = head_twin(twins)
    job = head.run("su", "-", "admin", "-c", f"sbatch --parsable -p {BROKEN_QUEUE} --wrap hostname").stdout.strip()
    (instance,) = wait_until(lambda: group_members(NAME, BROKEN_QUEUE), 120, "the scaler to raise the offline group",
                             describe=twins.describe)
    wait_until(lambda: bootstrap_tags(NAME).get(instance, "").startswith("failed:"), 180,
               f"{instance} to tag its failed bootstrap", describe=twins.describe)
    assert bootstrap_tags(NAME)[instance] == "failed:packages"
    shown = clusterwiz(cluster.home, "status", NAME).stdout
    flat = " ".join(shown.split())
    assert f"compute node {instance} (queue {BROKEN_QUEUE}) failed its bootstrap at step packages:" in flat, shown
    assert "deb.debian.org" in flat  # the log's own words: the mirror that could not be reached
    assert "needs a route to the internet" in flat and "The scaler on the head node replaces it" in flat
    status = clusterwiz_json(cluster.home, "status", NAME)
    (failed,) = [i for i in status["instances"] if i["instance_id"] == instance]
    assert "deb.debian.org" in failed["bootstrap_log"]
    # The scaler replaces it instead of billing for it; once the job is cancelled, nothing is launched again.
    wait_until(lambda: instance not in group_members(NAME, BROKEN_QUEUE), 120, f"the scaler to replace {instance}",
               describe=twins.describe)
    assert f"replaced {instance} of {NAME}-{BROKEN_QUEUE}: its bootstrap failed at step packages" in \
        head.run("journalctl", "-u", "clusterwiz-scaler", "--no-pager").stdout
    head.run("scancel", job)
    wait_until(lambda: group_members(NAME, BROKEN_QUEUE) == [], 240, "the offline group to empty",
               describe=twins.describe)


def test_an_unused_cluster_stops_itself_and_start_brings_it_back(cluster: TwinCluster, twins: TwinHarness) -> None:
    """Last: it stops the head node. The idle time is shortened on the head node (the spec's minimum is 5 min);
    the scaler is the product's own, run by its own timer, calling EC2 and auto scaling through the relay."""
    head = head_twin(twins)
    head_id = head.spec.instance_id
    assert head.run("who").stdout == "" and head.run("squeue", "-h").stdout == ""
    config = head.path("/etc/clusterwiz/scaler.json")
    original = config.read_text()
    config.write_text(json.dumps({**json.loads(original), "idle_stop_minutes": 1}))
    wait_until(lambda: head_id in twins.stopped, 240, "the unused head node to stop itself", describe=twins.describe)
    assert group_sizes(NAME) == {
        "compute": (0, 0, 0), "burst": (0, 0, 0), BROKEN_QUEUE: (0, 0, 0)}
    status = clusterwiz_json(cluster.home, "status", NAME)
    assert [i["state"] for i in status["instances"]] in (["stopping"], ["stopped"])
    assert any(note.startswith("the cluster stopped itself (idle: no job and nobody logged in for 1 min")
               for note in status["notes"]), status["notes"]

    clusterwiz(cluster.home, "start", NAME)
    head = wait_until(lambda: head_id in twins.twins and twins.twin(head_id).leader() and twins.twin(head_id), 60,
                      "the head node's twin to boot again")
    # Before the scaler's first pass (a minute after boot): the shortened idle time would stop it again.
    head.path("/etc/clusterwiz/scaler.json").write_text(original)
    job = head.run("su", "-", "admin", "-c", "sbatch --parsable -p compute --wrap hostname").stdout.strip()

    def job_done() -> bool:
        return "JobState=COMPLETED" in head.run("scontrol", "-o", "show", "job", job, check=False).stdout

    wait_until(job_done, READY_TIMEOUT_S, f"job {job} to run on the compute node started again",
               describe=twins.describe)
    (node,) = compute_twins(twins)
    assert head.path(f"/home/admin/slurm-{job}.out").read_text().splitlines()[0] == node.spec.hostname


def test_an_expired_cluster_stops_itself_and_is_started_only_once_extended(cluster: TwinCluster,
                                                                           twins: TwinHarness) -> None:
    """Last, after the idle stop: the expiry is moved onto the running head node by `clusterwiz extend` (its tag),
    which the head node's own agent reads with its own role, and stops the cluster at that time."""
    head_id = head_twin(twins).spec.instance_id
    soon = (datetime.now(UTC) + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    clusterwiz(cluster.home, "extend", NAME, "--until", soon)
    wait_until(lambda: head_id in twins.stopped, 240, "the expired head node to stop itself", describe=twins.describe)
    assert group_sizes(NAME) == {"compute": (0, 0, 0), "burst": (0, 0, 0), BROKEN_QUEUE: (0, 0, 0)}
    status = clusterwiz_json(cluster.home, "status", NAME)
    assert any(note.startswith(f"the cluster stopped itself (expired: its expiry time {soon[:16]}Z was reached")
               for note in status["notes"]), status["notes"]
    refused = clusterwiz(cluster.home, "start", NAME, check=False)
    assert refused.returncode == 2 and f"clusterwiz extend {NAME} --by 8h" in refused.stderr
    clusterwiz(cluster.home, "extend", NAME, "--never")
    clusterwiz(cluster.home, "start", NAME)
    wait_until(lambda: head_id in twins.twins and twins.twin(head_id).leader(), 60, "the head node to boot again")
