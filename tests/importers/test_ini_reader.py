from pathlib import Path

import pytest

from clusterwiz.core.importers.ini_reader import parse_ini
from clusterwiz.core.importers.problems import ImportFailed

MESSY = """\
# a comment
[Global]
cluster_template = default
[CLUSTER default]
Max_Queue_Size = 10              # check the EC2 limits
master_instance_type = m5.large\t # 8 GiB
key_name = # KEY NAME (without .pem)
additional_sg = sg-xxx           # just more rules[ebs custom]
vpc_id = [VpcId]
NODE_IMAGE_ID = ami-1
NODE_IMAGE_ID = ami-2
master_subnet_id = \tsubnet-0a1b2c3d
[cluster]
enable_efa = compute
[aws info]
AWS_ACCESS_KEY_ID = AKIAEXAMPLE
"""


@pytest.fixture
def document():
    return parse_ini(MESSY, Path("messy.ini"))


def test_section_kinds_and_keys_in_any_case(document):
    cluster = document.find("cluster", "default")
    assert cluster.title == "[cluster default]"
    assert cluster.get("max_queue_size").value == "10"
    assert cluster.get("max_queue_size").key == "Max_Queue_Size"
    assert document.find("global", None).get("CLUSTER_TEMPLATE").value == "default"


def test_inline_comments_after_spaces_or_tabs_are_removed(document):
    cluster = document.find("cluster", "default")
    assert cluster.get("master_instance_type").value == "m5.large"
    assert cluster.get("additional_sg").value == "sg-xxx"
    assert cluster.get("master_subnet_id").value == "subnet-0a1b2c3d"


def test_a_value_that_is_only_a_comment_is_empty_and_keeps_the_comment(document):
    key = document.find("cluster", "default").get("key_name")
    assert key.value == ""
    assert key.comment == "# KEY NAME (without .pem)"


def test_a_value_that_looks_like_a_header_stays_a_value(document):
    assert document.find("cluster", "default").get("vpc_id").value == "[VpcId]"
    assert document.find("ebs", "custom") is None


def test_duplicate_keys_last_wins_and_earlier_is_kept(document):
    cluster = document.find("cluster", "default")
    assert cluster.get("node_image_id").value == "ami-2"
    (old, new), = cluster.overridden
    assert (old.value, old.line, new.line) == ("ami-1", 10, 11)


def test_unlabeled_sections_and_starcluster_aws_info(document):
    assert document.find("cluster", None).get("enable_efa").value == "compute"
    assert document.find("aws info", None).get("aws_access_key_id").secret


def test_labels_match_ignoring_case_when_no_exact_match():
    document = parse_ini("[ebs ECCOv4r2inputs]\nvolume_size = 5\n", Path("x.cfg"))
    assert document.find("ebs", "eccov4r2inputs").label == "ECCOv4r2inputs"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("key = value\n", 1, "before any [section]"),
    ("[global]\njust some words\n", 2, "neither a [section]"),
    ("[global]\n[]\n", 2, "empty section header"),
])
def test_unreadable_lines_name_the_line(text, line, words):
    with pytest.raises(ImportFailed) as caught:
        parse_ini(text, Path("bad.ini"))
    assert caught.value.line == line
    assert words in str(caught.value) and "bad.ini, line" in str(caught.value)
