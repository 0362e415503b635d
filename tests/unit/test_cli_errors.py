"""Errors a user can cause: a message saying what is wrong and what to do, exit 2, no traceback, nothing written."""

from __future__ import annotations

import pytest
from tests.support.cli import clusterwiz

BAD_FILES = {
    "malformed": ("name: demo\nqueues: [\n", "not valid YAML"),
    "unknown_key": ("name: demo\nregion: eu-west-2\nqueue: []\n", "unknown key"),
    "wrong_type": (
        "name: demo\nregion: eu-west-2\nqueues: [{name: q, instance_types: [c5.large], max_nodes: many}]\n",
        "whole number",
    ),
    "cross_field": (
        "name: demo\nregion: eu-west-2\nnetwork: {vpc_id: vpc-0123456789abcdef0}\n"
        "queues: [{name: q, instance_types: [c5.large], min_nodes: 3, initial_nodes: 3, max_nodes: 2}]\n",
        "subnet is required",
    ),
    "deep_nesting": ("name: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
    "duplicate_key": ("name: demo\nregion: eu-west-2\nname: other\n", "key 'name' appears twice"),
    "alias_bomb": ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                   + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n"
                             for i in range(8))
                   + "name: *i\n", "through its aliases"),
    "huge_value": ("name: demo\nregion: " + "x" * 10_000_000 + "\n", "larger than 1 MiB"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_spec_exits_2_with_its_message_and_writes_nothing(case, tmp_path):
    text, words = BAD_FILES[case]
    config = tmp_path / "cluster.yaml"
    config.write_text(text)
    home = tmp_path / "home"
    result = clusterwiz(home, "render", "--config", str(config), check=False)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not home.exists()


def test_an_endless_file_is_refused_unread(tmp_path):
    result = clusterwiz(tmp_path / "home", "render", "--config", "/dev/zero", check=False, timeout=30)
    assert result.returncode == 2 and "larger than 1 MiB" in result.stderr and "Traceback" not in result.stderr


def test_missing_file(tmp_path):
    result = clusterwiz(tmp_path / "home", "render", "--config", str(tmp_path / "nope.yaml"), check=False)
    assert result.returncode == 2 and "does not exist" in result.stderr


@pytest.mark.parametrize(
    "command", [["plan", "ghost"], ["apply", "ghost", "--yes"], ["output", "ghost"], ["destroy", "ghost", "--yes"]]
)
def test_unknown_cluster_says_how_to_find_one(command, tmp_path):
    result = clusterwiz(tmp_path / "home", *command, check=False, env={"AWS_REGION": "eu-west-2"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no cluster named 'ghost'" in result.stderr and "clusterwiz list" in result.stderr


def test_list_and_locate_work_on_an_empty_home(tmp_path):
    assert "No clusters yet" in clusterwiz(tmp_path / "home", "list").stdout
    assert "terraform_modules" in clusterwiz(tmp_path / "home", "locate").stdout
