"""Whole import reports (and specs) pinned for one file per tool.

After an intended change, regenerate with CLUSTERWIZ_UPDATE_GOLDEN=1 and review the diff.
"""

import os

import pytest

from clusterwiz.core.importers import ImportOptions, import_config

from .support import CORPUS, GOLDEN, golden_text

CASES = {
    "umccr-tothill": ("pcluster2/umccr-3templates-4queues-aligned.ini", ImportOptions(template="tothill")),
    "yhwu-cfncluster": ("cfncluster/yhwu-inline-comments.cfg", ImportOptions()),
    "grappa-starcluster": ("starcluster/grappa-extends-plugins.cfg", ImportOptions(template="grappa")),
    "gmarciani-spot-pcluster3": ("pcluster3/gmarciani-spot-multiqueue.yaml", ImportOptions(upgrade_gp2=True)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_report_matches_golden(case):
    relative, options = CASES[case]
    actual = golden_text(import_config(CORPUS / relative, options))
    golden = GOLDEN / f"{case}.json"
    if os.environ.get("CLUSTERWIZ_UPDATE_GOLDEN") == "1":
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")
