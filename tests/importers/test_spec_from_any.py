"""`clusterwiz new --from FILE` starts the wizard from a cluster.yaml or from any config the importers read."""

from __future__ import annotations

import pytest

from clusterwiz.core.importers import ImportFailed, ImportOptions, spec_from_any
from tests.importers.support import CORPUS
from tests.support.specs import FULL_CLUSTER_YAML, full_spec


def test_a_clusterwiz_spec_is_taken_as_it_is(tmp_path):
    path = tmp_path / "cluster.yaml"
    path.write_text(FULL_CLUSTER_YAML)
    assert spec_from_any(path) == full_spec()


@pytest.mark.parametrize("relative", ["pcluster2/azzaea-scalability.ini", "pcluster3/gmarciani-spot-multiqueue.yaml",
                                      "starcluster/seunglab-chunkflow.cfg"])
def test_an_old_tools_config_is_imported(relative):
    path = CORPUS / relative
    if not path.exists():
        pytest.fail(f"{relative} is missing from the corpus; pick another file of that tool")
    spec = spec_from_any(path, ImportOptions(region="eu-west-2"))
    assert spec.queues and spec.os in ("ubuntu2404", "rocky9")


def test_an_unreadable_file_says_so(tmp_path):
    with pytest.raises(ImportFailed, match="does not exist"):
        spec_from_any(tmp_path / "missing.ini")
