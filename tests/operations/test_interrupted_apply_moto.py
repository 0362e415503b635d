"""An apply stopped by what stops it in real life, sent as a terminal or the system sends it, to the process group of
a clusterwiz running as a shell's job on a terminal of its own (tests/support/jobs.py), with the real Terraform
against moto: Ctrl-C, SIGTERM, a closed terminal, and a SIGKILL no handler sees. Terraform is never killed by our
exit (its output goes to a file, not a pipe that dies with us), the next command refuses to start a second one
while it runs, and every apply after converges: no head node or volume that no state knows, whatever the moment."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import boto3
import pytest

from clusterwiz.core.registry import Registry
from tests.operations.test_operations_moto import REGION, prepare_account, write_spec
from tests.support.cli import clusterwiz
from tests.support.jobs import TerminalJob, terraform_processes, wait_until_no_terraform

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

HEAD_NODE = "module.cluster.module.head_node.aws_instance.head"
LIVE = ["pending", "running", "stopping", "stopped"]


def render(tmp_path: Path, name: str) -> Path:
    ami_id, existing = prepare_account()
    home = tmp_path / "home"
    clusterwiz(home, "render", "--config", str(write_spec(tmp_path / "cluster.yaml", name, ami_id, existing)))
    return home


def untracked(home: Path, name: str) -> list[str]:
    """Instances and volumes tagged with the cluster that its Terraform state does not know (a group's nodes are
    the group's, and a volume attached to a known instance goes with it): what a Terraform that lost track leaves
    billing."""
    tracked = Registry(home).get(name).managed_ids()
    ec2 = boto3.client("ec2", region_name=REGION)
    tagged = [{"Name": "tag:clusterwiz:cluster", "Values": [name]}]
    instances = [instance for reservation in ec2.describe_instances(
        Filters=[*tagged, {"Name": "instance-state-name", "Values": LIVE}])["Reservations"]
        for instance in reservation["Instances"]]
    members = {instance["InstanceId"] for instance in instances
               if any(tag["Key"] == "aws:autoscaling:groupName" for tag in instance.get("Tags", []))}
    known = tracked | members
    lost = [instance["InstanceId"] for instance in instances if instance["InstanceId"] not in known]
    lost += [volume["VolumeId"] for volume in ec2.describe_volumes(Filters=tagged)["Volumes"]
             if volume["VolumeId"] not in tracked
             and not any(attachment["InstanceId"] in known for attachment in volume["Attachments"])]
    return lost


def head_nodes(name: str) -> list[str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    return [instance["InstanceId"] for reservation in ec2.describe_instances(Filters=[
        {"Name": "tag:clusterwiz:cluster", "Values": [name]}, {"Name": "tag:clusterwiz:role", "Values": ["head"]},
        {"Name": "instance-state-name", "Values": LIVE}])["Reservations"] for instance in reservation["Instances"]]


def assert_apply_again_converges(home: Path, name: str) -> None:
    workdir = Registry(home).get(name).workdir
    wait_until_no_terraform(workdir, timeout=300)
    clusterwiz(home, "apply", "--yes", name)
    assert untracked(home, name) == [] and len(head_nodes(name)) == 1


@pytest.mark.parametrize("stop", ["SIGTERM", "hang-up"])
def test_sigterm_or_a_closed_terminal_during_apply_stops_terraform_gracefully(moto, terraform_cli_config, tmp_path,
                                                                              stop):
    home = render(tmp_path, "stopped")
    record = Registry(home).get("stopped")
    with TerminalJob(home, "--json", "apply", "--yes", "stopped") as job:
        # Mid-create, once the provider has the instance's id: it waits for the instance to run and says so every
        # 10 s, and that next line is what killed a Terraform writing to our pipe. (An interrupt while the create
        # call itself is in flight makes the provider abandon the call, and the instance can exist unknown to the
        # state: that race is Terraform's own graceful stop, not tested here.)
        job.wait_for_event(300, type="ResourceProgress", address=HEAD_NODE)
        if stop == "SIGTERM":
            job.signal(signal.SIGTERM)
        else:
            job.hang_up()
        code = job.wait(300)

    assert code != 0 and terraform_processes(record.workdir) == []
    if stop == "SIGTERM":
        assert "interrupted by SIGTERM; Terraform stopped cleanly" in job.output and "Traceback" not in job.output
    log = record.log_file().read_text()
    # Terraform got one graceful stop, and ended on its own: clusterwiz outlived it and recorded how it ended.
    assert log.count("Interrupt received") == 1 and log.rstrip().endswith("=== exit code 1")
    metadata = Registry(home).get("stopped").metadata
    assert (metadata.status, metadata.error) == ("cancelled", "apply cancelled midway")
    assert untracked(home, "stopped") == []
    assert_apply_again_converges(home, "stopped")


def test_after_a_sigkill_the_next_command_names_the_terraform_still_running(moto, terraform_cli_config, tmp_path):
    home = render(tmp_path, "killed")
    record = Registry(home).get("killed")
    with TerminalJob(home, "--json", "apply", "--yes", "killed") as job:
        job.wait_for_event(300, type="ResourceStarted", address=HEAD_NODE)
        job.signal(signal.SIGKILL)
        job.wait(30)
    (orphan,) = terraform_processes(record.workdir)  # its own process group: the SIGKILL did not reach it

    busy = clusterwiz(home, "apply", "--yes", "killed", check=False)
    assert busy.returncode == 2 and "Traceback" not in busy.stderr
    assert "an earlier run still holds the Terraform state lock" in busy.stderr
    said = " ".join(busy.stderr.split())
    assert f"--json apply --yes killed` (pid {job.process.pid}) is gone" in said
    assert f"`terraform apply` it started (pid {orphan}, since 20" in said and str(record.log_file()) in said
    assert "Error acquiring the state lock" not in said
    assert "is busy" in clusterwiz(home, "render", "--config", str(tmp_path / "cluster.yaml"), check=False).stderr

    # The orphan finishes what it was doing and saves it; the next apply picks up from there.
    wait_until_no_terraform(record.workdir, timeout=300)
    assert "Interrupt received" not in record.log_file().read_text()
    assert_apply_again_converges(home, "killed")


def apply_has_started(log_file: Path) -> bool:
    """Whether the apply's Terraform has started: it printed its version line, once it handles signals."""
    if not log_file.is_file():
        return False
    _, _, apply = log_file.read_text().partition(" apply -json ")
    return '"type":"version"' in apply


def test_ctrl_c_that_terraform_ignores_is_reported_with_what_it_did(moto, terraform_cli_config, tmp_path):
    """Terraform ignores an interrupt that comes before its apply walks the plan, and then applies all of it: here
    0.5 s after the apply's Terraform started, as the issue found it. What clusterwiz says is what happened."""
    home = render(tmp_path, "ignored")
    log_file = Registry(home).get("ignored").log_file()
    with TerminalJob(home, "--json", "apply", "--yes", "ignored") as job:
        job.wait_until(lambda: apply_has_started(log_file), 300, "the apply's Terraform starting")
        time.sleep(0.5)
        job.signal(signal.SIGINT)
        code = job.wait(300)

    assert code == 2 and "Traceback" not in job.output
    (planned,) = [event for event in job.events() if event["type"] == "ChangeSummary" and event["operation"] == "plan"]
    created = sum(event["type"] == "ResourceDone" and event["action"] == "create" for event in job.events())
    said = " ".join(job.output.split())
    status = Registry(home).get("ignored").metadata.status
    if created == planned["add"]:
        assert f"interrupted by Ctrl-C (SIGINT), but Terraform finished what it had started: {created} created" in said
        assert status == "applied"
    else:
        so_far = f" after {created} created" if created else ""
        assert f"interrupted by Ctrl-C (SIGINT); Terraform stopped cleanly{so_far} and saved its state" in said
        assert status == "cancelled"
    assert_apply_again_converges(home, "ignored")


def test_launch_templates_an_interrupted_apply_left_behind_do_not_block_the_next(moto, terraform_cli_config,
                                                                                 tmp_path):
    home = render(tmp_path, "orphans")
    # What an apply interrupted after creating the queues' launch templates, before saving them to state, left:
    # templates named as the fixed names were, tagged with the cluster, which its state does not know.
    ec2 = boto3.client("ec2", region_name=REGION)
    ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    orphans = {ec2.create_launch_template(
        LaunchTemplateName=f"orphans-{queue}", LaunchTemplateData={"ImageId": ami_id, "InstanceType": "c5.large"},
        TagSpecifications=[{"ResourceType": "launch-template",
                            "Tags": [{"Key": "clusterwiz:cluster", "Value": "orphans"}]}],
    )["LaunchTemplate"]["LaunchTemplateId"] for queue in ("compute", "spot")}

    # --force: pre-flight rightly refuses a name whose tagged resources no state knows; a real interrupted apply
    # saved the rest of the cluster to state, and then pre-flight treats the apply as an update of it.
    clusterwiz(home, "apply", "--yes", "--force", "orphans")

    groups = boto3.client("autoscaling", region_name=REGION).describe_auto_scaling_groups(
        AutoScalingGroupNames=["orphans-compute", "orphans-spot"])["AutoScalingGroups"]
    used = {group["MixedInstancesPolicy"]["LaunchTemplate"]["LaunchTemplateSpecification"]["LaunchTemplateId"]
            for group in groups}
    assert len(groups) == 2 and len(used) == 2 and not used & orphans
    assert untracked(home, "orphans") == [] and len(head_nodes("orphans")) == 1
