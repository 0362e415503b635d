"""The pure parts behind the plan and run screens: readable names, hints, run bookkeeping, plan details."""

from __future__ import annotations

import json

import pytest

from clusterwiz.core.events import PlannedChange, ResourceDone, ResourceStarted, unwrapped
from clusterwiz.core.hints import hint_for
from clusterwiz.core.plan_details import SENSITIVE, UNKNOWN, planned_attributes
from clusterwiz.core.plan_failure import plan_failure
from clusterwiz.core.resource_names import describe, group_by_module
from clusterwiz.core.run_progress import FULL_AWS_ID, SHORTEST_NAME, RunProgress, column_widths
from tests.tui_run.replay import STREAMS, stream_events


@pytest.mark.parametrize(("address", "group", "name"), [
    ("module.cluster.module.head_node.aws_instance.head", "Head node", "head node"),
    ('module.cluster.module.compute_fleet.aws_autoscaling_group.queue["gpu"]', "Compute fleet", "compute queue gpu"),
    ('module.cluster.module.storage.aws_ebs_volume.new["/data"]', "Storage", "shared volume /data"),
    ('module.cluster.module.storage.aws_volume_attachment.head["/data.v2"]', "Storage",
     "volume /data.v2 attached to the head node"),
    ('module.cluster.module.storage.data.aws_ebs_volume.existing["/old"]', "Storage", "lookup: existing volume /old"),
    ("module.cluster.module.network.aws_vpc.this[0]", "Network", "VPC"),
    ('module.cluster.module.iam.aws_iam_role.node["compute"]', "Permissions", "compute node role"),
    ('module.cluster.module.storage.aws_ebs_volume.new["/we\\"ird"]', "Storage", 'shared volume /we"ird'),
    # Not in the table: a name from the type, and the group from the module.
    ("module.cluster.module.network.aws_nat_gateway.egress[1]", "Network", "nat gateway egress #1"),
    ("aws_s3_bucket.logs", "Cluster", "s3 bucket logs"),
    ("module.extra.module.dns.aws_route53_record.this", "Dns", "route53 record"),
])
def test_readable_names_and_groups(address, group, name):
    described = describe(address)
    assert (described.group, described.name) == (group, name)


def test_every_resource_of_a_recorded_plan_has_a_name_of_its_own():
    addresses = [e.address for e in stream_events("plan") if isinstance(e, PlannedChange)]
    groups = group_by_module(addresses)
    assert list(groups) == ["Network", "Firewall", "Permissions", "Storage", "Head node", "Compute fleet"]
    names = [n.name for members in groups.values() for n in members]
    assert len(set(names)) == len(addresses) == 22
    assert not any("aws_" in name for name in names)
    assert {"compute queue gpu", "compute queue compute", "shared volume /shared", "head node"} <= set(names)


@pytest.mark.parametrize(("text", "words"), [
    ("creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 400, api error "
     "VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 32 allows",
     "vCPU quota"),
    ("api error InsufficientInstanceCapacity: We currently do not have sufficient g4dn.xlarge capacity in the "
     "Availability Zone you requested (eu-west-2c).", "no spare capacity"),
    ("api error Unsupported: Your requested instance type (g4dn.xlarge) is not supported in your requested "
     "Availability Zone (eu-west-2c). Please retry your request by not specifying an Availability Zone",
     "not offered"),
    ("api error UnauthorizedOperation: You are not authorized to perform this operation.", "not allowed"),
    ("attaching EBS Volume (vol-0abc) to EC2 Instance (i-0def): api error VolumeInUse: vol-0abc is already "
     "attached to an instance", "attached to another instance"),
    ("Your query returned no results. Please change your search criteria and try again.", "was not found"),
    ("api error InvalidKeyPair.NotFound: The key pair 'lab' does not exist", "key pair"),
    ("creating EC2 VPC: operation error EC2: CreateVpc, exceeded maximum number of attempts, 25, https response "
     "error StatusCode: 500, RequestID: 5e1b0c3a, api error InternalError: We encountered an internal error. Please "
     "try again.", "internal error"),
    ("reading IAM Role: operation error IAM: GetRole, https response error StatusCode: 503, RequestID: 9f2c, api "
     "error ServiceUnavailable: Service is unable to handle request.", "internal error"),
])
def test_hints_for_common_failures(text, words):
    hint = hint_for(text)
    assert hint is not None and words in hint.problem
    assert hint.fix


def test_no_hint_for_an_unknown_failure():
    assert hint_for("Error: Provider produced inconsistent final plan") is None


def test_a_recorded_successful_apply_ends_with_every_resource_done_and_its_aws_id():
    clock = iter(range(1000)).__next__
    planned = [e for e in stream_events("plan") if isinstance(e, PlannedChange)]
    progress = RunProgress.planned("apply", planned, clock=lambda: float(clock()))
    assert (progress.done, progress.total) == (0, 22)
    assert {row.status for row in progress.rows.values()} == {"waiting"}
    statuses_seen = set()
    for event in stream_events("apply-success"):
        row = progress.handle(event)
        if row is not None and not isinstance(event, PlannedChange):  # an apply repeats the plan first
            statuses_seen.add(row.status)
    assert statuses_seen == {"creating", "done"}
    assert (progress.done, progress.total) == (22, 22)
    head = progress.rows["module.cluster.module.head_node.aws_instance.head"]
    assert head.aws_id.startswith("i-") and head.elapsed >= 10
    assert progress.outputs["head_node_instance_id"] == head.aws_id
    assert progress.finish("done") == []
    assert progress.failures() == []


def test_a_recorded_failure_names_what_failed_with_its_diagnostic_and_a_hint():
    progress = RunProgress("apply")
    for event in stream_events("apply-failure"):
        progress.handle(event)
    progress.finish("failed", "terraform apply failed")
    [failure] = progress.failures()
    assert failure.resource.name == "lookup: existing volume /data"
    assert "no results" in failure.diagnostic.text and "modules/storage/main.tf line 16" in failure.diagnostic.text
    assert "was not found" in failure.hint.problem
    surely, maybe = progress.existing_now()
    assert "VPC" in [row.name.name for row in surely]
    assert all(row.status == "done" for row in surely)
    assert not [row for row in progress.rows.values() if row.status in ("creating", "destroying")]
    assert maybe == [row for row in progress.rows.values() if row.status == "stopped"]


def test_a_stopped_run_says_what_may_exist():
    progress = RunProgress("apply", clock=lambda: 100.0)
    start = dict(module="module.cluster.module.head_node", resource_type="aws_instance", action="create")
    address = "module.cluster.module.head_node.aws_instance.head"
    progress.handle(ResourceStarted(message="Creating...", address=address, **start))
    vpc = "module.cluster.module.network.aws_vpc.this[0]"
    progress.handle(ResourceDone(message="done", address=vpc, module="module.cluster.module.network",
                                 resource_type="aws_vpc", action="create", id="vpc-1", elapsed=1.0))
    stopped = progress.finish("interrupted", "interrupted")
    assert [row.address for row in stopped] == [address]
    surely, maybe = progress.existing_now()
    assert [row.aws_id for row in surely] == ["vpc-1"]
    assert [row.name.name for row in maybe] == ["head node"]


def test_destroy_progress_counts_what_still_exists():
    progress = RunProgress.planned("destroy", [e for e in stream_events("destroy-plan")
                                               if isinstance(e, PlannedChange)])
    assert progress.total == 22 and {row.action for row in progress.rows.values()} == {"delete"}
    for event in stream_events("destroy-apply"):
        progress.handle(event)
    assert progress.done == 22
    progress.finish("done")
    assert progress.existing_now() == ([], [])


def test_planned_attributes_put_known_values_first_and_hide_sensitive_ones():
    show = json.loads((STREAMS / "plan-show.json").read_text())
    details = planned_attributes(show)
    group = dict(details['module.cluster.module.compute_fleet.aws_autoscaling_group.queue["gpu"]'])
    assert group["name"] == "demo-gpu" and group["max_size"] == "2"
    keys = [key for key, _ in details["module.cluster.module.head_node.aws_instance.head"]]
    values = [value for _, value in details["module.cluster.module.head_node.aws_instance.head"]]
    first_unknown = values.index(UNKNOWN)
    assert all(value == UNKNOWN for value in values[first_unknown:]) and "instance_type" in keys[:first_unknown]
    crafted = {"resource_changes": [{"address": "x.y", "change": {
        "actions": ["create"], "after": {"password": "hunter2", "note": "a " * 200, "empty": None},
        "after_unknown": {"id": True}, "after_sensitive": {"password": True}}}]}
    rows = dict(planned_attributes(crafted)["x.y"])
    assert rows["password"] == SENSITIVE and rows["id"] == UNKNOWN and "empty" not in rows
    assert len(rows["note"]) <= 160 and rows["note"].endswith("…")


def test_an_aws_id_gets_room_before_the_resource_name_and_the_name_before_a_longer_id():
    names = ["VPC", "volume /shared attached to the head node"]
    fixed = sum(column_widths(200, names)[key] for key in ("action", "status", "elapsed"))
    narrow = column_widths(fixed + 44, names)  # what an 80-column terminal leaves for the name and the id
    assert narrow["id"] == FULL_AWS_ID and narrow["what"] == 44 - FULL_AWS_ID
    wide = column_widths(fixed + 100, names)
    assert wide["what"] == len(names[1]) and wide["id"] > FULL_AWS_ID
    tiny = column_widths(fixed + 10, names)
    assert tiny["what"] == SHORTEST_NAME and tiny["id"] == len("AWS id")


# Terraform 1.11's `terraform init`, written to a file, with the AWS provider nowhere to be found.
INIT_FAILED = """terraform init failed (exit code 1):
Initializing the backend...
Initializing provider plugins...
- Reusing previous version of hashicorp/aws from the dependency lock file

Error: Failed to query available provider packages

Could not retrieve the list of available versions for provider hashicorp/aws:
provider registry.terraform.io/hashicorp/aws was not found in any of the
search locations

  - /tmp/empty-mirror

To see which modules are currently depending on hashicorp/aws and what
versions are specified, run the following command:
    terraform providers

Fix the problem above and run it again; the full output is in /home/a-user/.clusterwiz/aws/clusters/lab/terraform.log
A provider that cannot be installed: run `clusterwiz doctor`."""


def test_terraforms_line_breaks_for_width_are_taken_out_and_no_other():
    text = unwrapped(INIT_FAILED)
    assert ("Could not retrieve the list of available versions for provider hashicorp/aws: provider "
            "registry.terraform.io/hashicorp/aws was not found in any of the search locations\n\n  - /tmp/empty-mirror"
            ) in text
    assert ("To see which modules are currently depending on hashicorp/aws and what versions are specified, run the "
            "following command:\n    terraform providers\n") in text
    # Short lines, list items and a line longer than Terraform wraps are lines of their own.
    assert "Initializing the backend...\nInitializing provider plugins...\n- Reusing" in text
    assert "terraform.log\nA provider that cannot be installed" in text


def test_a_failed_init_is_told_by_its_error_without_the_progress_before_it():
    failure = plan_failure(INIT_FAILED, [])
    assert failure.headline == "The plan failed: Failed to query available provider packages"
    assert failure.text.startswith("terraform init failed (exit code 1):\nError: Failed to query available provider")
    assert "Initializing" not in failure.text and "clusterwiz doctor" in failure.text
