"""Imported corpus specs render into a working directory that `terraform validate` accepts."""

from pathlib import Path

import pytest

from clusterwiz.core.importers import ImportOptions, import_config
from clusterwiz.core.render import render_workdir
from tests.support.module_workspace import terraform

from .support import CORPUS
from .test_corpus import RESOLVED

pytestmark = pytest.mark.terraform

# One file per tool, chosen for what they exercise: an existing VPC and a snapshot volume, several
# queues and gp2 volumes, spot multi-queue YAML, StarCluster EXTENDS and existing volumes.
CASES = [
    ("pcluster2/cmaq-c5n18-queue-efa-fsx.ini", None),
    ("pcluster2/upstream-fixture-slurm-full.ini", None),
    ("cfncluster/cloudmaven-md-extract-cluster-shared-dir.cfg", None),
    ("pcluster3/gmarciani-spot-multiqueue.yaml", None),
    ("starcluster/aferr-multi-template.cfg", "mediumcluster"),
]


@pytest.mark.parametrize(("relative", "template"), CASES, ids=[c[0] for c in CASES])
def test_imported_spec_renders_and_validates(relative: str, template: str | None, tmp_path: Path,
                                             terraform_cli_config: Path) -> None:
    result = import_config(CORPUS / relative, ImportOptions(region="eu-west-2", template=template))
    rendered = render_workdir(result.spec, RESOLVED, tmp_path / "workdir")
    terraform("init", "-input=false", "-backend=false", cwd=rendered.workdir)
    terraform("validate", cwd=rendered.workdir)
