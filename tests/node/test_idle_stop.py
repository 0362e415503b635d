"""Idle stop of the whole cluster: the rule, then the real pieces (local Slurm, who(1) on a utmp file, moto)."""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path

import boto3
import pytest

from clusterwiz.node.autoscaling import Fleet
from clusterwiz.node.idle import STOPPED_BY_TAG, IdleState, check_idle, next_idle_state
from clusterwiz.node.scaler import stop_cluster
from tests.node.conftest import group

LIMIT = 3600.0
USER_PROCESS = 7  # utmp.h: a login session
UTMP_RECORD = "hi32s4s32s256shhiii4i20s"  # struct utmp on Linux x86_64 (384 bytes)


@pytest.mark.parametrize(("in_use", "state", "now", "expected"), [
    pytest.param(True, IdleState(100.0, True), 5000.0, (IdleState(), None), id="use resets the count"),
    pytest.param(False, IdleState(), 100.0, (IdleState(100.0), None), id="the count starts when first unused"),
    pytest.param(False, IdleState(100.0), 100.0 + LIMIT - 301, (IdleState(100.0), None), id="quiet till 5 min left"),
    pytest.param(False, IdleState(100.0), 100.0 + LIMIT - 300, (IdleState(100.0, True), "warn"), id="then warns"),
    pytest.param(False, IdleState(100.0, True), 100.0 + LIMIT - 10, (IdleState(100.0, True), None),
                 id="once"),
    pytest.param(False, IdleState(100.0, True), 100.0 + LIMIT, (IdleState(100.0, True), "stop"), id="then stops"),
    pytest.param(False, IdleState(100.0), 100.0 + LIMIT, (IdleState(100.0), "stop"), id="stops though not warned"),
])
def test_the_rule(in_use: bool, state: IdleState, now: float, expected: tuple) -> None:
    assert next_idle_state(in_use, state, now, LIMIT) == expected


def test_a_short_limit_warns_halfway() -> None:
    assert next_idle_state(False, IdleState(0.0), 30.0, 60.0) == (IdleState(0.0, True), "warn")


def utmp_with(path: Path, users: list[str]) -> str:
    """A utmp file holding a login session per user, as login(1) and sshd write them."""
    with open(path, "wb") as handle:
        for number, user in enumerate(users):
            handle.write(struct.pack(UTMP_RECORD, USER_PROCESS, os.getpid(), f"pts/{number}".encode(),
                                     str(number).encode(), user.encode(), b"192.0.2.1", 0, 0, 0,
                                     int(time.time()), 0, 0, 0, 0, 0, b""))
    return str(path)


def head_instance() -> str:
    ec2 = boto3.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    return ec2.run_instances(ImageId=image, InstanceType="t3.small", MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"]


def test_an_unused_cluster_stops_its_fleet_then_its_head_node_and_says_why(cluster, tmp_path: Path) -> None:
    slurm, config, _ = cluster
    head = head_instance()
    fleet = Fleet(config.region)
    boto3.client("autoscaling").set_desired_capacity(AutoScalingGroupName="demo-compute", DesiredCapacity=1)
    state_file = str(tmp_path / "idle.json")
    logged = []

    def look(now: float, users: list[str] = ()) -> str | None:
        return check_idle(LIMIT, lambda reason: stop_cluster(config, fleet, head, reason, logged.append),
                          logged.append, now=now, state_file=state_file,
                          utmp=utmp_with(tmp_path / "utmp", list(users)))

    job = slurm.submit("-p", "compute", "--wrap", "true")
    assert look(0.0) is None  # a job waits
    slurm.run("scancel", job)
    slurm.wait_until(lambda: not slurm.run("squeue", "-h", "-j", job).strip(), 10, "the job to leave the queue")
    assert look(10.0, ["alice"]) is None  # alice is logged in
    assert look(20.0) is None  # the count starts
    assert look(20.0 + LIMIT - 300) == "warn"
    assert "this cluster stops in 5 min" in logged[-1]
    assert look(20.0 + LIMIT) == "stop"
    for name in ("demo-compute", "demo-gpu"):
        sizes = group(name)
        assert (sizes["MinSize"], sizes["MaxSize"], sizes["DesiredCapacity"]) == (0, 0, 0)
    instance = boto3.client("ec2").describe_instances(InstanceIds=[head])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] in ("stopping", "stopped")
    reason = {tag["Key"]: tag["Value"] for tag in instance["Tags"]}[STOPPED_BY_TAG]
    assert reason == "idle: no job and nobody logged in for 60 min (since 1970-01-01T00:00Z)"


def test_a_head_node_whose_role_may_not_stop_it_says_so_where_status_looks(cluster, tmp_path: Path) -> None:
    """moto checks IAM for real here (enable_iam_authentication): the head node's credentials are a user whose
    policy allows all the agent does but ec2:StopInstances, as a role edited by hand would."""
    from moto.core import enable_iam_authentication

    from clusterwiz.core.status import _instance_status, stop_refused

    slurm, config, _ = cluster
    head = head_instance()
    iam = boto3.client("iam")
    iam.create_user(UserName="head-node")
    iam.put_user_policy(UserName="head-node", PolicyName="agent", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:*", "autoscaling:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:StopInstances", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="head-node")["AccessKey"]
    session = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                            region_name=config.region)
    logged: list[str] = []
    with enable_iam_authentication():
        fleet = Fleet(config.region, client=session.client("autoscaling"), ec2=session.client("ec2"))
        stop_cluster(config, fleet, head, "idle: no job and nobody logged in for 60 min", logged.append)
    assert any("could not stop this head node" in line and ("UnauthorizedOperation" in line or "AccessDenied" in line)
               for line in logged), logged
    raw = boto3.client("ec2").describe_instances(InstanceIds=[head])["Reservations"][0]["Instances"][0]
    assert raw["State"]["Name"] == "running"
    note = stop_refused(_instance_status({**raw, "Tags": raw["Tags"] + [{"Key": "clusterwiz:role", "Value": "head"}]},
                                         {}), "demo", sandbox=False)
    assert note is not None and note.startswith(
        "the head node tried to stop itself and could not (idle: no job and nobody logged in for 60 min (")
    assert "`clusterwiz stop demo --all`" in note
