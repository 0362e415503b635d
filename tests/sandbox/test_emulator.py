"""The emulator process: started on demand, reused, health-checked, stopped and reset, one per home."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys

import pytest

from clusterwiz.core import sandbox
from clusterwiz.core.sandbox import (
    SandboxNotInstalled,
    ensure_emulator,
    reset_emulator,
    running_emulator,
    sandbox_session,
)
from clusterwiz.core.sandbox_seed import KEY_PAIR_NAME
from tests.support.cli import TUI_DIR, clusterwiz_json

pytestmark = pytest.mark.moto


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_started_on_demand_reused_then_stopped(home):
    assert running_emulator(home) is None
    assert clusterwiz_json(home, "sandbox", "status") == {"running": False, "clusters": []}

    emulator = ensure_emulator(home)
    assert emulator.endpoint_url.startswith("http://127.0.0.1:")
    state_dir = home / "sandbox"
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((state_dir / "emulator.json").stat().st_mode) == 0o600

    # Later commands, in this process or another, reuse it.
    assert ensure_emulator(home) == emulator
    status = clusterwiz_json(home, "sandbox", "status")
    assert (status["running"], status["pid"], status["endpoint_url"]) == (True, emulator.pid, emulator.endpoint_url)

    stopped = clusterwiz_json(home, "sandbox", "stop")
    assert stopped == {"stopped": True, "gone": []}
    assert not process_exists(emulator.pid) or not sandbox._is_our_process(emulator.pid)
    assert running_emulator(home) is None
    assert clusterwiz_json(home, "sandbox", "stop") == {"stopped": False, "gone": []}


def test_a_killed_emulator_is_replaced(home):
    first = ensure_emulator(home)
    os.kill(first.pid, signal.SIGKILL)
    second = ensure_emulator(home)
    assert second.pid != first.pid and second.started > first.started
    assert running_emulator(home) == second


def test_a_wedged_emulator_is_replaced(home):
    first = ensure_emulator(home)
    os.kill(first.pid, signal.SIGSTOP)  # alive, port open, never answers
    second = ensure_emulator(home)
    assert second.pid != first.pid
    assert not sandbox._is_our_process(first.pid)


def test_commands_started_together_share_one_emulator(home):
    env = {**os.environ, "CLUSTERWIZ_HOME": str(home), "PYTHONPATH": str(TUI_DIR)}
    processes = [subprocess.Popen([sys.executable, "-m", "clusterwiz", "--json", "sandbox", "start"], env=env,
                                  stdout=subprocess.PIPE, text=True) for _ in range(3)]
    answers = [json.loads(process.communicate(timeout=120)[0]) for process in processes]
    assert len({(answer["pid"], answer["endpoint_url"]) for answer in answers}) == 1
    assert running_emulator(home).pid == answers[0]["pid"]


def test_reset_starts_a_fresh_seeded_account(home):
    old = ensure_emulator(home)
    ec2 = sandbox_session(old, None).client("ec2")
    ec2.create_key_pair(KeyName="made-in-old-sandbox")

    new, forgotten = reset_emulator(home)
    assert new.pid != old.pid and forgotten == []
    names = {key["KeyName"] for key in sandbox_session(new, None).client("ec2").describe_key_pairs()["KeyPairs"]}
    assert names == {KEY_PAIR_NAME}


def test_without_moto_it_says_what_to_install(home, monkeypatch):
    monkeypatch.setitem(sys.modules, "moto", None)  # what find_spec reports for a module that is not installed
    with pytest.raises(SandboxNotInstalled, match=r"pip install 'clusterwiz\[sandbox\]'"):
        ensure_emulator(home)
    assert not (home / "sandbox" / "emulator.json").exists()


def test_a_profile_creation_sent_again_gets_the_profile_and_a_real_clash_is_refused(home):
    iam = sandbox_session(ensure_emulator(home), None).client("iam")
    request = {"InstanceProfileName": "lab-head-20261121121654297700000003", "Path": "/",
               "Tags": [{"Key": "clusterwiz:cluster", "Value": "lab"}]}
    first = iam.create_instance_profile(**request)["InstanceProfile"]
    # The same request again (the SDK's retry of a lost answer): the profile it made.
    assert iam.create_instance_profile(**request)["InstanceProfile"]["InstanceProfileId"] == first["InstanceProfileId"]

    # Anything else by that name clashes, as on AWS: other tags, or a profile already in use.
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_instance_profile(**{**request, "Tags": [{"Key": "clusterwiz:cluster", "Value": "other"}]})
    iam.create_role(RoleName="lab-head", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                                                                                "Statement": []}))
    iam.add_role_to_instance_profile(InstanceProfileName=request["InstanceProfileName"], RoleName="lab-head")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_instance_profile(**request)


def test_run_instances_sent_again_with_its_client_token_launches_nothing_more(home):
    ec2 = sandbox_session(ensure_emulator(home), None).client("ec2")
    image = ec2.describe_images(Owners=["amazon", "self", "099720109477"])["Images"][0]["ImageId"]
    launch = {"ImageId": image, "InstanceType": "t3.medium", "MinCount": 1, "MaxCount": 1}
    first = ec2.run_instances(**launch, ClientToken="head-of-lab")["Instances"][0]["InstanceId"]
    again = ec2.run_instances(**launch, ClientToken="head-of-lab")["Instances"][0]["InstanceId"]
    other = ec2.run_instances(**launch, ClientToken="head-of-demo")["Instances"][0]["InstanceId"]
    assert again == first and other != first
    launched = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert sorted(launched) == sorted({first, other})
