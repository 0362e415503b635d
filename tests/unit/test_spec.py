"""cluster.yaml: every field of DESIGN.md's schema, and one clear message per problem."""

from __future__ import annotations

import textwrap

import pytest

from clusterwiz.core.errors import SpecError
from clusterwiz.core.spec import ClusterSpec

FULL_SPEC = textwrap.dedent(
    """\
    version: 1
    name: demo
    region: eu-west-2
    os: ubuntu2404
    ami_id: null
    key_pair: demo-key
    ssh_key_file: ~/.ssh/demo.pem
    network:
      vpc_id: null
      subnet_id: null
      vpc_cidr: 10.0.0.0/16
      availability_zone: eu-west-2a
      ssh_cidr: 203.0.113.7/32
    head_node:
      instance_type: t3.medium
      root_volume_gib: 40
    queues:
      - name: compute
        instance_types: [c6i.xlarge, c5.xlarge]
        capacity: ondemand
        min_nodes: 0
        initial_nodes: 1
        max_nodes: 4
      - name: spot
        instance_types: [c6i.2xlarge]
        capacity: spot
        max_nodes: 8
    scaledown_idle_minutes: 10
    shared_storage:
      - mount_dir: /shared
        size_gib: 100
        volume_type: gp3
        iops: 4000
        throughput: 250
        encrypted: true
      - mount_dir: /data
        volume_id: vol-0123456789abcdef0
    tags:
      project: genomics
      "cost center": "42"
    """
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        ClusterSpec.from_yaml(text, "cluster.yaml")
    return caught.value.problems


def with_changes(**changes: str) -> str:
    """FULL_SPEC with top-level keys replaced by the given YAML snippets."""
    import yaml

    data = yaml.safe_load(FULL_SPEC)
    for key, snippet in changes.items():
        data[key] = yaml.safe_load(snippet)
    return yaml.safe_dump(data)


def test_full_spec_round_trips():
    spec = ClusterSpec.from_yaml(FULL_SPEC)
    assert spec.queues[1].capacity == "spot"
    assert spec.shared_storage[1].is_existing and spec.shared_storage[1].size_gib is None
    assert spec.instance_types == ["t3.medium", "c6i.xlarge", "c5.xlarge", "c6i.2xlarge"]
    assert ClusterSpec.from_yaml(spec.to_yaml()) == spec


def test_minimal_spec_gets_safe_defaults():
    spec = ClusterSpec.from_yaml("name: x\nregion: us-east-1\nqueues: [{name: q, instance_types: [t3.micro]}]\n")
    assert spec.os == "debian13" and spec.ami_id is None
    assert spec.network.creates_vpc and spec.network.ssh_cidr is None
    assert spec.head_node.instance_type == "t3.medium"
    assert spec.queues[0].max_nodes == 4


def test_malformed_yaml_names_the_line():
    [problem] = problems_of("name: demo\nqueues: [unclosed\n")
    assert "line" in problem and "not valid YAML" in problem


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "42\n"])
def test_a_file_that_is_not_a_mapping_is_refused(text):
    assert len(problems_of(text)) == 1


def test_unknown_key_suggests_the_spelling():
    [problem] = problems_of(FULL_SPEC.replace("scaledown_idle_minutes", "scaledown_idle_minute"))
    assert problem.startswith("scaledown_idle_minute: unknown key") and "'scaledown_idle_minutes'" in problem


def test_nested_unknown_key():
    [problem] = problems_of(FULL_SPEC.replace("root_volume_gib", "root_size"))
    assert problem.startswith("head_node.root_size: unknown key")


def test_wrong_types_say_what_is_expected():
    problems = problems_of(with_changes(scaledown_idle_minutes="soon", queues="compute"))
    assert any(p.startswith("scaledown_idle_minutes:") and "whole number" in p for p in problems)
    assert any(p.startswith("queues:") for p in problems)


def test_every_problem_is_reported_at_once():
    problems = problems_of(with_changes(name="Bad_Name", region="Europe", os="windows"))
    assert [p.split(":")[0] for p in problems] == ["name", "region", "os"]


@pytest.mark.parametrize(
    ("queue", "field", "words"),
    [
        (
            "{name: q, instance_types: [c5.large], min_nodes: 2, initial_nodes: 1, max_nodes: 4}",
            "queues.0.initial_nodes",
            "at least its minimum",
        ),
        (
            "{name: q, instance_types: [c5.large], initial_nodes: 5, max_nodes: 4}",
            "queues.0.max_nodes",
            "raise max_nodes",
        ),
        (
            "{name: q, instance_types: [c5.large], min_nodes: 5, initial_nodes: 5, max_nodes: 4}",
            "queues.0.max_nodes",
            "raise max_nodes",
        ),
        ("{name: Q!, instance_types: [c5.large]}", "queues.0.name", "Slurm partition"),
        ("{name: q, instance_types: []}", "queues.0.instance_types", "at least 1"),
        ("{name: q, instance_types: [c5.large, c5.large]}", "queues.0.instance_types", "twice"),
        ("{name: q, instance_types: [large]}", "queues.0.instance_types", "instance type"),
    ],
)
def test_queue_rules(queue, field, words):
    [problem] = problems_of(with_changes(queues=f"[{queue}]"))
    assert problem.startswith(field + ":") and words in problem


def test_at_least_one_queue_and_unique_names():
    [problem] = problems_of(with_changes(queues="[]"))
    assert problem.startswith("queues:")
    [problem] = problems_of(with_changes(queues="[{name: q, instance_types: [a.b]}, {name: q, instance_types: [a.b]}]"))
    assert problem.startswith("queues.1.name:") and "twice" in problem


@pytest.mark.parametrize(
    ("network", "field", "words"),
    [
        ("{vpc_id: vpc-0123456789abcdef0}", "network.subnet_id", "required with vpc_id"),
        ("{subnet_id: subnet-0123456789abcdef0}", "network.vpc_id", "needs the VPC"),
        ("{vpc_cidr: 10.0.0.0/33}", "network.vpc_cidr", "not an IPv4 network"),
        ("{vpc_cidr: 10.0.0.1/16}", "network.vpc_cidr", "not an IPv4 network"),
        ("{vpc_cidr: 10.0.0.0/8}", "network.vpc_cidr", "/16 to /24"),
        ("{vpc_cidr: 8.8.0.0/16}", "network.vpc_cidr", "private"),
        ("{ssh_cidr: everyone}", "network.ssh_cidr", "not an address range"),
        ("{vpc_id: vpc-1, subnet_id: subnet-0123456789abcdef0}", "network.vpc_id", "not a valid vpc id"),
        ("{availability_zone: us-east-1a}", "network.availability_zone", "not in region eu-west-2"),
        (
            "{vpc_id: vpc-0123456789abcdef0, subnet_id: subnet-0123456789abcdef0, availability_zone: eu-west-2a}",
            "network.availability_zone",
            "applies only to a VPC clusterwiz creates",
        ),
    ],
)
def test_network_rules(network, field, words):
    [problem] = problems_of(with_changes(network=network))
    assert problem.startswith(field + ":") and words in problem


@pytest.mark.parametrize(
    ("volume", "field", "words"),
    [
        ("{mount_dir: shared}", "shared_storage.0.mount_dir", "absolute"),
        ("{mount_dir: /etc/data}", "shared_storage.0.mount_dir", "operating system"),
        ("{mount_dir: /home/data}", "shared_storage.0.mount_dir", "already shares /home"),
        ("{mount_dir: /}", "shared_storage.0.mount_dir", "system directory"),
        (
            "{mount_dir: /data, volume_id: vol-0123456789abcdef0, size_gib: 10}",
            "shared_storage.0.size_gib",
            "applies only to a new volume",
        ),
        (
            "{mount_dir: /data, volume_id: vol-0123456789abcdef0, encrypted: false}",
            "shared_storage.0.encrypted",
            "applies only to a new volume",
        ),
        ("{mount_dir: /data, volume_type: gp2, iops: 3000}", "shared_storage.0.iops", "do not take provisioned IOPS"),
        (
            "{mount_dir: /data, volume_type: io2, throughput: 500, iops: 3000}",
            "shared_storage.0.throughput",
            "do not take a throughput",
        ),
        ("{mount_dir: /data, volume_type: io1}", "shared_storage.0.iops", "need provisioned IOPS"),
        ("{mount_dir: /data, iops: 90000}", "shared_storage.0.iops", "outside that range"),
        ("{mount_dir: /data, volume_type: st1, size_gib: 20}", "shared_storage.0.size_gib", "125 to 16384"),
        ("{mount_dir: /data, snapshot_id: snap-12}", "shared_storage.0.snapshot_id", "not a valid snap id"),
    ],
)
def test_storage_rules(volume, field, words):
    [problem] = problems_of(with_changes(shared_storage=f"[{volume}]"))
    assert problem.startswith(field + ":") and words in problem, problem


def test_mount_dirs_unique_and_not_nested():
    problems = problems_of(
        with_changes(shared_storage="[{mount_dir: /data}, {mount_dir: /data}, {mount_dir: /data/x}]")
    )
    assert any("shared_storage.1.mount_dir" in p and "two volumes" in p for p in problems)
    assert any("shared_storage.2.mount_dir" in p and "nested" in p for p in problems)


def test_reserved_tags_are_refused():
    [problem] = problems_of(with_changes(tags="{'clusterwiz:cluster': other}"))
    assert problem.startswith("tags:") and "reserved prefix" in problem


def test_snapshot_volume_takes_its_size_from_the_snapshot():
    spec = ClusterSpec.from_yaml(
        with_changes(shared_storage="[{mount_dir: /data, snapshot_id: snap-0123456789abcdef0}]")
    )
    assert spec.shared_storage[0].size_gib is None


@pytest.mark.parametrize("os_name", ["debian13", "ubuntu2404", "rocky9"])
def test_every_os_with_a_usable_slurm_is_accepted(os_name):
    assert ClusterSpec.from_yaml(with_changes(os=os_name)).os == os_name


@pytest.mark.parametrize("os_name", ["ubuntu2204", "al2023"])
def test_an_os_without_a_usable_slurm_is_refused_before_anything_boots(os_name):
    [problem] = problems_of(with_changes(os=os_name))
    assert problem.startswith("os:") and "not supported yet" in problem
    assert "debian13 or ubuntu2404 or rocky9" in problem


def test_existing_network_round_trips_without_new_vpc_fields():
    spec = ClusterSpec.from_yaml(
        with_changes(
            network="{vpc_id: vpc-0123456789abcdef0, subnet_id: subnet-0123456789abcdef0, ssh_cidr: 10.1.0.0/16}"
        )
    )
    assert "vpc_cidr" not in spec.to_yaml()
    assert ClusterSpec.from_yaml(spec.to_yaml()) == spec


@pytest.mark.parametrize(("value", "expected"), [
    ("0", "idle_stop_minutes: "), ("-5", "idle_stop_minutes: "), ("4", "idle_stop_minutes: "),
    ("10", "idle_stop_minutes: is 10 but idle nodes are removed after 10 (scaledown_idle_minutes)"),
])
def test_an_idle_stop_the_scaler_could_not_reach_first_is_refused(value: str, expected: str) -> None:
    [problem] = problems_of(with_changes(idle_stop_minutes=value))
    assert problem.startswith(expected)


def test_idle_stop_is_on_by_default_and_null_turns_it_off() -> None:
    assert ClusterSpec.from_yaml(FULL_SPEC, "cluster.yaml").idle_stop_minutes == 60
    assert ClusterSpec.from_yaml(with_changes(idle_stop_minutes="null"), "cluster.yaml").idle_stop_minutes is None
