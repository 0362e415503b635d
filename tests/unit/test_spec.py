"""cluster.yaml: every field of DESIGN.md's schema, and one clear message per problem."""

from __future__ import annotations

import json
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


# -- hostile files: each ends in one clear problem, fast, with what it echoes bounded ---------------------

ALIAS_BOMB = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x, x]"]
                       + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
                       + ["name: *i", "region: eu-west-2", "queues: [{name: q, instance_types: [c5.large]}]", ""])


def test_an_alias_bomb_is_refused_before_it_expands():
    [problem] = problems_of(ALIAS_BOMB)
    assert "aliases" in problem and "line 4" in problem and len(problem) < 300


def test_deep_nesting_is_refused_without_a_recursion_error():
    [problem] = problems_of("name: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested" in problem and "line 1" in problem


def test_a_self_referring_alias_is_refused():
    [problem] = problems_of("name: &loop [*loop]\nregion: eu-west-2\n")
    assert "refers to itself" in problem


def test_duplicate_keys_are_refused_naming_the_key_and_both_lines():
    [problem] = problems_of(FULL_SPEC + "name: other\n")
    assert problem == ("line 41: key 'name' appears twice (first on line 2); keep one, YAML would silently use "
                       "the last")
    [nested] = problems_of(FULL_SPEC.replace("  root_volume_gib: 40", "  root_volume_gib: 40\n  root_volume_gib: 80"))
    assert "'root_volume_gib' appears twice" in nested


def test_merge_keys_are_not_duplicates():
    spec = ClusterSpec.from_yaml("name: x\nregion: eu-west-2\nqueues:\n  - &q {name: a, instance_types: [c5.large]}\n"
                                 "  - {<<: *q, name: b}\n")
    assert [q.name for q in spec.queues] == ["a", "b"]


def test_a_huge_value_is_echoed_cut_short():
    problems = problems_of(with_changes(region="x" * 500_000, name="'" + "N" * 500_000 + "'"))
    assert len(problems) == 2 and all(len(p) < 400 for p in problems)
    assert any(p.startswith("region:") and "(500000 characters)" in p for p in problems)


def test_a_file_larger_than_any_spec_is_refused_unread(tmp_path):
    big = tmp_path / "cluster.yaml"
    big.write_text("name: x\n" + "# padding\n" * 200_000)
    with pytest.raises(SpecError) as caught:
        ClusterSpec.load(big)
    assert caught.value.problems == ["is larger than 1 MiB, far more than a cluster spec holds; give the "
                                     "cluster.yaml itself"]
    with pytest.raises(SpecError):
        ClusterSpec.load("/dev/zero")


# -- tags: what the strictest service they reach (IAM, on the nodes' role) accepts, exactly as written -----

def with_tags(tags: dict[str, str]) -> str:
    return with_changes(tags=json.dumps(tags))


@pytest.mark.parametrize(("tags", "words"), [
    ({'a"b': "x"}, "tag key 'a\"b' holds '\"'"),
    ({"${x}": "x"}, "tag key '${x}' holds '$'"),
    ({"team": "a;b"}, "tag 'team' has a value holding ';'"),
    ({"team": "a\r\nb"}, "'\\r'"),
    ({"team": "a\x85b"}, "'\\x85'"),
    ({"team": "e\u0301"}, "holding '\u0301'"),  # a combining mark: IAM takes no marks
    ({"team": "\uf900"}, "composed form (NFC)"),
    ({"AWS:team": "x"}, "reserved prefix"),
    ({"k" * 128: "x"}, "1 to 127 characters"),
    ({"team": "v" * 257}, "longer than 256 characters"),
    ({"Team": "a", "team": "b"}, "differ only in case"),
    ({"Name": "mine"}, "clusterwiz names each resource"),
    ({f"k{i}": "v" for i in range(45)}, "45 tags"),
])
def test_tags_aws_would_refuse_are_refused_before_anything_is_created(tags, words):
    [problem] = problems_of(with_tags(tags))
    assert problem.startswith("tags:") and words in problem


def test_tags_aws_accepts_reach_it_exactly_as_written():
    tags = {" padded key ": "  two spaces  ", "Cost Center": "", "team/x": "a+b=c@d.e:f_g-h", "café": "Zürich 1",
            "line sep": "a\u2028b"}
    tags.update({f"k{i}": "v" for i in range(44 - len(tags))})
    spec = ClusterSpec.from_yaml(with_tags(tags))
    assert spec.tags == tags
    assert ClusterSpec.from_yaml(spec.to_yaml()).tags == tags


@pytest.mark.parametrize("text", ["a\x85b", "a\u2028b", "a\u2029b", "a\r\nb", "a\x85\x85b"])
def test_every_string_comes_back_from_the_spec_file_as_written(text):
    spec = ClusterSpec.from_yaml(FULL_SPEC).model_copy(update={"ssh_key_file": f"~/keys/{text}.pem"})
    assert ClusterSpec.from_yaml(spec.to_yaml()).ssh_key_file == f"~/keys/{text}.pem"


@pytest.mark.parametrize(("value", "expected"), [
    ("0", "idle_stop_minutes: "), ("-5", "idle_stop_minutes: "), ("4", "idle_stop_minutes: "),
    ("10", "idle_stop_minutes: is 10 but idle nodes are removed after 10 minutes (scaledown_idle_minutes)"),
])
def test_an_idle_stop_the_scaler_could_not_reach_first_is_refused(value: str, expected: str) -> None:
    [problem] = problems_of(with_changes(idle_stop_minutes=value))
    assert problem.startswith(expected)


def test_idle_stop_is_on_by_default_and_null_turns_it_off() -> None:
    assert ClusterSpec.from_yaml(FULL_SPEC, "cluster.yaml").idle_stop_minutes == 60
    assert ClusterSpec.from_yaml(with_changes(idle_stop_minutes="null"), "cluster.yaml").idle_stop_minutes is None


def test_left_out_the_idle_stop_follows_a_long_scale_down() -> None:
    spec = ClusterSpec.from_yaml(with_changes(scaledown_idle_minutes="90"), "cluster.yaml")
    assert spec.idle_stop_minutes == 150
