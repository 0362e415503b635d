"""The wizard's steps against moto's server: answers files, bad input with the step's message, invalidation."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
import yaml

from clusterwiz.cli import main
from clusterwiz.core.newcluster import save_new_cluster
from clusterwiz.core.registry import Registry
from clusterwiz.core.steps import (
    ACCELERATED_FAMILIES,
    STEPS,
    STEPS_BY_ID,
    AnswersError,
    Context,
    WizardState,
    answers_from_mapping,
    check_answer,
    in_labels,
    prepare_step,
    step_for_field,
)
from tests.catalog.account import REGION, Account


def full_answers(account: Account, **overrides: object) -> dict:
    answers = {
        "account": "aws",
        "name": "lab",
        "region": REGION,
        "network": {"vpc": account.hpc_vpc, "subnet": account.subnet_a, "ssh_cidr": "203.0.113.0/24"},
        "os": "ubuntu2404/x86_64",
        "head_node": "t3.medium",
        "queues": [{"name": "cpu", "instance_types": ["c5.xlarge", "c5.2xlarge"], "capacity": "spot",
                    "min_nodes": 1, "initial_nodes": 2, "max_nodes": 8}],
        "storage": [{"source": account.volume_a, "mount_dir": "/scratch"},
                    {"source": "new", "mount_dir": "/data", "size_gib": 250, "volume_type": "st1",
                     "encrypted": False}],
        "key_pair": {"key": account.key_ed25519},
    }
    answers.update(overrides)
    return answers


def test_an_answers_file_writes_exactly_what_was_chosen(state: WizardState, account: Account) -> None:
    answered = answers_from_mapping(full_answers(account), state.context, "answers.yaml")
    spec = answered.spec()
    assert spec.name == "lab" and spec.region == REGION and spec.os == "ubuntu2404" and spec.ami_id is None
    assert (spec.network.vpc_id, spec.network.subnet_id, spec.network.ssh_cidr) == (
        account.hpc_vpc, account.subnet_a, "203.0.113.0/24")
    assert spec.head_node.instance_type == "t3.medium"
    queue = spec.queues[0]
    assert (queue.name, queue.instance_types, queue.capacity) == ("cpu", ["c5.xlarge", "c5.2xlarge"], "spot")
    assert (queue.min_nodes, queue.initial_nodes, queue.max_nodes) == (1, 2, 8)
    existing, new = spec.shared_storage
    assert (existing.volume_id, existing.mount_dir) == (account.volume_a, "/scratch")
    assert (new.volume_id, new.size_gib, new.volume_type, new.encrypted) == (None, 250, "st1", False)
    assert spec.key_pair == account.key_ed25519


def test_defaults_fill_every_step_a_file_leaves_out(state: WizardState, account: Account) -> None:
    spec = answers_from_mapping({"name": "tiny"}, state.context, "answers.yaml").spec()
    assert spec.region == REGION  # the configured region
    assert spec.network.creates_vpc and spec.network.availability_zone == f"{REGION}a"
    assert spec.os == "debian13" and spec.ami_id is None  # the current image, looked up at render
    assert spec.head_node.instance_type == "t3.medium"
    assert spec.queues[0].name == "compute" and spec.queues[0].instance_types == ["c6i.xlarge"]
    assert spec.shared_storage == [] and spec.key_pair == "tiny-key"
    assert spec.idle_stop_minutes == 60  # a new cluster stops itself after an unused hour


def test_idle_stop_is_turned_off_or_timed_and_read_back_from_a_spec(state: WizardState, account: Account) -> None:
    off = answers_from_mapping(full_answers(account, cost_limits=False), state.context, "answers.yaml").spec()
    assert off.idle_stop_minutes is None
    timed = full_answers(account, cost_limits={"stop_when_idle": True, "idle_stop_minutes": 240})
    spec = answers_from_mapping(timed, state.context, "answers.yaml").spec()
    assert spec.idle_stop_minutes == 240
    step = STEPS_BY_ID["cost_limits"]
    assert step.read(spec) == {"stop_when_idle": True, "idle_stop_minutes": 240, "expires": ""}
    assert step.read(off) == {"stop_when_idle": False, "expires": ""}
    expiring = answers_from_mapping(full_answers(account, cost_limits={"stop_when_idle": False,
                                                                       "expires": "2099-01-01T08:00Z"}),
                                    state.context, "answers.yaml").spec()
    assert step.read(expiring) == {"stop_when_idle": False, "expires": "2099-01-01T08:00:00Z"}
    in_the_sandbox = replace(state.context, sandbox=True, answers={"name": {"name": "lab"}})
    assert "`clusterwiz start lab --sandbox` brings it back" in step.field("idle_stop_minutes").describe(
        240, in_the_sandbox, {})


@pytest.mark.parametrize(("minutes", "expected"), [
    (10, "Stop after (minutes): is 10 but idle nodes are removed after 10 minutes (node scale-down time); the "
         "cluster would stop before its nodes scale down: use more than 10"),
    (20000, "Stop after (minutes): 20000 is out of range; it should be less than or equal to 10080"),
])
def test_an_idle_stop_the_spec_refuses_is_refused_in_the_forms_words(state: WizardState, minutes: int,
                                                                     expected: str) -> None:
    step = STEPS_BY_ID["cost_limits"]
    [problem] = check_answer(step, {"stop_when_idle": True, "idle_stop_minutes": minutes}, state.context)
    assert step.in_words(problem) == expected


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"name": "Bad_Name"}, "name (Name): name: 'Bad_Name' is not a valid cluster name"),
    ({"queues": [{"name": "cpu", "instance_types": ["c5.xlarge"], "min_nodes": 3, "initial_nodes": 3,
                  "max_nodes": 2}]}, "max_nodes (#1): is 2 but initial_nodes is 3"),
    ({"head_node": "m6g.large"}, "m6g.large is arm64 but the chosen image is x86_64"),
    ({"region": "eu-west-9"}, "'eu-west-9' is not one of the regions offered here"),
    ({"network": {"vpc": "new", "ssh_cidr": "10.0.0.1/8"}}, "'10.0.0.1/8' is not an address range"),
    ({"queues": [{"name": "cpu", "max_nodes": "many"}]}, "'many' is not a whole number"),
    ({"key_pair": {"key": "create", "new_key_name": "lab-rsa"}}, "a key pair named 'lab-rsa' already exists"),
])
def test_bad_answers_fail_with_the_steps_own_message(state: WizardState, account: Account, overrides: dict,
                                                     expected: str) -> None:
    with pytest.raises(AnswersError) as caught:
        answers_from_mapping(full_answers(account, **overrides), state.context, "answers.yaml")
    assert expected in str(caught.value)
    assert caught.value.source == "answers.yaml"


def test_a_volume_in_another_zone_is_refused_with_why(state: WizardState, account: Account) -> None:
    answers = full_answers(account, storage=[{"source": account.volume_b, "mount_dir": "/data"}])
    with pytest.raises(AnswersError) as caught:
        answers_from_mapping(answers, state.context, "answers.yaml")
    assert f"{account.volume_b} is in {REGION}b but the cluster runs in {REGION}a" in str(caught.value)


def test_an_attached_volume_and_a_tiny_subnet_are_offered_greyed_with_why(state: WizardState,
                                                                          account: Account) -> None:
    state.answer("region", {"region": REGION})
    state.answer("network", {"vpc": account.hpc_vpc, "subnet": account.subnet_a, "ssh_cidr": ""})
    storage = prepare_step(STEPS_BY_ID["storage"], state.context, [{"source": "new"}])
    reasons = {c.value: c.disabled for c in storage.choices[0, "source"]}
    assert reasons["new"] is None and reasons[account.volume_a] is None
    assert "in-use" in reasons[account.volume_in_use] and f"{REGION}b" in reasons[account.volume_b]
    network = prepare_step(STEPS_BY_ID["network"], state.context)
    subnets = prepare_step(STEPS_BY_ID["network"], state.context, {"vpc": account.hpc_vpc})
    assert "free addresses" in {c.value: c.disabled for c in subnets.choices[0, "subnet"]}[account.tiny_subnet]
    assert {c.value: c.disabled for c in network.choices[0, "vpc"]}[account.no_dns_vpc] is None
    # DNS flags are looked up for the chosen VPC only: said beside it, and the step refuses it.
    no_dns = {"vpc": account.no_dns_vpc, "ssh_cidr": ""}
    assert "DNS hostnames" in prepare_step(STEPS_BY_ID["network"], state.context, no_dns).details[0, "vpc"]
    problems = check_answer(STEPS_BY_ID["network"], no_dns, state.context)
    assert any(p.field == "vpc" and "DNS hostnames" in p.message for p in problems)


def test_an_arm_image_offers_only_arm_types(state: WizardState, account: Account) -> None:
    state.answer("region", {"region": REGION})
    state.answer("network", {"vpc": "new", "availability_zone": f"{REGION}a", "ssh_cidr": ""})
    state.answer("os", {"image": "ubuntu2404/arm64"})
    head = prepare_step(STEPS_BY_ID["head_node"], state.context)
    assert head.answer == {"instance_type": "t4g.medium"}
    offered = {c.value for c in head.choices[0, "instance_type"] if c.disabled is None}
    assert "m6g.large" in offered and "c6i.xlarge" not in offered
    problems = check_answer(STEPS_BY_ID["head_node"], {"instance_type": "c6i.xlarge"}, state.context)
    assert "c6i.xlarge is x86_64 but the chosen image is arm64" in problems[0].message


def test_the_head_node_offers_general_purpose_types_first_and_accelerators_last(state: WizardState,
                                                                                 account: Account) -> None:
    state.answer("region", {"region": REGION})
    state.answer("network", {"vpc": "new", "availability_zone": f"{REGION}a", "ssh_cidr": ""})
    state.answer("os", {"image": "debian13/x86_64"})
    head = prepare_step(STEPS_BY_ID["head_node"], state.context)
    shown = [c.value for c in head.choices[0, "instance_type"] if c.disabled is None]
    families = [name.split(".")[0] for name in shown]
    first_other = next(i for i, family in enumerate(families) if not family.startswith(("t", "m")))
    assert all(family.startswith(("t", "m")) for family in families[:first_other])
    assert first_other > 20 and {"t3", "m5"} <= set(families[:first_other])  # what a head node is mostly made of
    first_gpu = next(i for i, family in enumerate(families) if family.startswith(("g", "p")))
    assert all(family.startswith(ACCELERATED_FAMILIES) for family in families[first_gpu:])
    assert shown.index("t3.medium") < 10  # the pick shows near the top, not after every 1-vCPU type


def test_a_prepared_step_fits_every_answer_it_was_not_built_from(state: WizardState, account: Account) -> None:
    """The wizard keeps a step's form while the answers it was built from stay: a new cluster name keeps the
    region's form (its lookups and widgets), but not the key pair's, whose new key is named after the cluster."""
    state.answer("name", {"name": "demo"})
    state.answer("region", {"region": REGION})
    region = prepare_step(STEPS_BY_ID["region"], state.context)
    key_pair = prepare_step(STEPS_BY_ID["key_pair"], state.context, {"key": "create"})
    head = prepare_step(STEPS_BY_ID["head_node"], state.context)
    assert key_pair.answer["new_key_name"] == "demo-key"
    renamed = {**state.answers, "name": {"name": "bench"}}
    assert region.fits(renamed) and head.fits(renamed)
    assert not key_pair.fits(renamed)
    elsewhere = {**state.answers, "region": {"region": "us-east-1"}}
    assert not region.fits(elsewhere) and not head.fits(elsewhere)
    arm = {**state.answers, "os": {"image": "ubuntu2404/arm64"}}
    assert region.fits(arm) and not head.fits(arm)
    # Taking the answer a form shows: it stands for that answer from then on.
    taken = head.accepted({"instance_type": "m5.large"})
    assert taken.fits({**state.answers, "head_node": {"instance_type": "m5.large"}})
    assert not head.fits({**state.answers, "head_node": {"instance_type": "m5.large"}})


def test_a_custom_ami_is_checked_live(state: WizardState, account: Account) -> None:
    state.answer("region", {"region": REGION})
    step = STEPS_BY_ID["os"]
    missing = check_answer(step, {"image": "custom", "ami_id": "ami-0123456789abcdef0"}, state.context)
    assert "does not exist in eu-west-2" in missing[0].message
    unknown_os = check_answer(step, {"image": "custom", "ami_id": account.own_arm_image}, state.context)
    assert "cannot tell which operating system" in unknown_os[0].message
    assert "Debian 13, Ubuntu 24.04 LTS, Rocky Linux 9" in unknown_os[0].message
    rocky_arm = {"image": "custom", "ami_id": account.images["rocky9-arm"]}
    assert check_answer(step, rocky_arm, state.context) == []
    state.answer("os", rocky_arm)
    assert state.context.architecture() == "arm64"


def test_a_new_region_clears_only_the_answers_that_depend_on_it(state: WizardState, account: Account) -> None:
    answered = answers_from_mapping(full_answers(account), state.context, "answers.yaml")
    cleared = answered.answer("region", {"region": "us-east-1"})
    assert [s.id for s in cleared] == ["network", "storage", "key_pair"]
    assert set(answered.answers) == {"account", "name", "region", "os", "head_node", "queues", "cost_limits"}
    assert answered.first_unanswered() is STEPS_BY_ID["network"]


def test_same_region_or_same_architecture_clears_nothing(state: WizardState, account: Account) -> None:
    answered = answers_from_mapping(full_answers(account), state.context, "answers.yaml")
    assert answered.answer("region", {"region": REGION}) == []
    assert answered.answer("os", {"image": "rocky9/x86_64"}) == []
    cleared = answered.answer("os", {"image": "ubuntu2404/arm64"})
    assert [s.id for s in cleared] == ["head_node", "queues"]


def test_moving_the_cluster_to_another_zone_clears_storage(state: WizardState, account: Account) -> None:
    answered = answers_from_mapping(full_answers(account), state.context, "answers.yaml")
    assert answered.answer("network", {"vpc": account.hpc_vpc, "subnet": account.subnet_a,
                                       "ssh_cidr": ""}) == []
    cleared = answered.answer("network", {"vpc": account.hpc_vpc, "subnet": account.subnet_b, "ssh_cidr": ""})
    assert [s.id for s in cleared] == ["storage"]


def test_a_spec_reads_back_into_the_same_answers(state: WizardState, account: Account) -> None:
    spec = answers_from_mapping(full_answers(account), state.context, "answers.yaml").spec()
    again = WizardState(state.context.__class__(catalog=state.context.catalog, default_region=REGION))
    again.load_spec(spec)
    assert again.spec() == spec
    for step in STEPS:
        assert check_answer(step, again.answers[step.id], again.context) == [], step.id


def test_findings_lead_back_to_their_step() -> None:
    assert step_for_field("queues.0.max_nodes").id == "queues"
    assert step_for_field("network.subnet_id").id == "network"
    assert step_for_field("shared_storage.1.volume_id").id == "storage"
    assert step_for_field("ami_id").id == "os"
    assert step_for_field("tags") is None


def test_saving_creates_the_key_pair_with_a_private_key_only_the_user_reads(
        state: WizardState, account: Account, registry: Registry) -> None:
    answers = full_answers(account, key_pair={"key": "create"}, storage=[],
                           network={"vpc": "new", "availability_zone": f"{REGION}b"})
    answered = answers_from_mapping(answers, state.context, "a.yaml")
    record = save_new_cluster(answered, registry, state.context.catalog.session)
    key_file = Path(record.spec.ssh_key_file or "")
    assert record.spec.key_pair == "lab-key" and key_file.parent == record.keys_dir
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    names = {k["KeyName"] for k in boto3.client("ec2", region_name=REGION).describe_key_pairs()["KeyPairs"]}
    assert "lab-key" in names
    assert registry.get("lab").spec == record.spec


def test_new_with_answers_saves_cluster_yaml(settings, account: Account, tmp_path: Path, capsys) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(full_answers(account, network={"vpc": "new"}, storage=[])))
    home = str(settings.home)
    assert main(["new", "--answers", str(answers), "--home", home, "--region", REGION]) == 0
    saved = Registry(settings.home).get("lab")
    assert saved.spec.queues[0].instance_types == ["c5.xlarge", "c5.2xlarge"]
    assert str(saved.spec_path) in capsys.readouterr().out

    assert main(["new", "--answers", str(answers), "--home", home, "--region", REGION]) == 2
    assert "a cluster named 'lab' already exists" in capsys.readouterr().err

    answers.write_text(yaml.safe_dump(full_answers(account, name="lab2", colour="blue")))
    assert main(["new", "--answers", str(answers), "--home", home, "--region", REGION]) == 2
    assert "colour: unknown step" in capsys.readouterr().err


class NoAws:
    """A catalog that must not be asked anything."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the account step's form called the catalog ({name}) before it was shown")


def test_the_account_step_is_prepared_without_asking_aws() -> None:
    """The first screen must not wait for boto3 and a sign-in: who the user is comes later, as a detail."""
    account_step = STEPS_BY_ID["account"]
    prepared = prepare_step(account_step, Context(catalog=NoAws(), profile="lab"))  # type: ignore[arg-type]
    assert prepared.answer == {"mode": "aws"}
    assert [choice.cells for choice in prepared.choices[0, "mode"]][0] == (
        "Your AWS account", "profile lab")
    assert prepared.details == {}


def test_a_whole_step_problem_is_said_in_the_forms_words(state: WizardState, account: Account) -> None:
    """The queue check speaks cluster.yaml's language (min_nodes); a person answering reads the form's labels."""
    queues = STEPS_BY_ID["queues"]
    state.answer("os", {"image": "ubuntu2404/x86_64"})
    state.answer("region", {"region": REGION})
    answer = [{"name": "cpu", "instance_types": ["c5.xlarge"], "capacity": "ondemand", "min_nodes": 5,
               "initial_nodes": 0, "max_nodes": 2}]
    said = [queues.in_words(p) for p in in_labels(check_answer(queues, answer, state.context))]
    assert said and all("_nodes" not in line and "(#" not in line for line in said), said
    assert any(line.startswith(("Maximum nodes of queue 1: ", "Minimum nodes of queue 1: ")) for line in said)
