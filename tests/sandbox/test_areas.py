"""Sandbox clusters and real ones never mix: each side refuses the other's clusters and says which flag to use."""

from __future__ import annotations

import pytest

from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from tests.sandbox.specs import sandbox_cluster_yaml
from tests.support.cli import clusterwiz


@pytest.mark.parametrize(("area", "flags", "advice"), [
    ("sandbox", (), "add --sandbox"),
    ("aws", ("--sandbox",), "without --sandbox"),
])
def test_a_command_naming_a_cluster_of_the_other_side_is_refused(home, area, flags, advice):
    Registry(home, area=area).create(ClusterSpec.from_yaml(sandbox_cluster_yaml("elsewhere")))
    for command in (("plan", "elsewhere"), ("output", "elsewhere"), ("destroy", "elsewhere", "--yes")):
        result = clusterwiz(home, *flags, *command, check=False)
        assert result.returncode == 2, result.stderr
        assert advice in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_name_still_gets_the_plain_answer(home):
    result = clusterwiz(home, "output", "nowhere", check=False)
    assert result.returncode == 2 and "there is no cluster named 'nowhere'" in result.stderr
