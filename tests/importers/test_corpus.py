"""Every real config in the shared corpus imports: a spec that renders, or a clear message."""

import re

import pytest

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.importers import ImportNeedsDecision, ImportOptions, import_config
from clusterwiz.core.render import render_files
from clusterwiz.core.resolve import ResolvedInputs

from .support import corpus_files

RESOLVED = ResolvedInputs(ami_id="ami-0a1b2c3d4e5f67890", architecture="x86_64",
                          availability_zone="eu-west-2a", ssh_cidr="203.0.113.7/32")
# Files that cannot become a spec without the user: (file name, words the message must hold).
NEEDS_THE_USER = {
    "umccr-3templates-4queues-aligned.ini": "tothill, umccr_dev, umccr_dev_fsx. Pass --template NAME",
    "dtattersall-include.cfg": "crawlercluster, extractorcluster, testcluster, single. Pass --template NAME",
    "karstdiver-included-aws-info.cfg": "meant to be INCLUDEd",
}
KEY_LINE = re.compile(r"^\s*[^#;\[\s][^=:]*[=:]")
TEMPLATE_FOR = {"umccr-3templates-4queues-aligned.ini": "tothill", "dtattersall-include.cfg": "crawlercluster"}
INI_FILES = [p for p in corpus_files() if p.suffix not in (".yaml", ".yml") and p.name not in NEEDS_THE_USER
             or p.name in TEMPLATE_FOR]


def _ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


@pytest.mark.parametrize("path", corpus_files(), ids=_ids(corpus_files()))
@pytest.mark.parametrize("region", [None, "eu-west-2"])
def test_corpus_file_imports_to_a_spec_that_renders_or_says_why(path, region):
    try:
        result = import_config(path, ImportOptions(region=region))
    except ImportNeedsDecision as blocked:
        assert region is None, "with --region nothing in the corpus should still block"
        assert all(item.source for item in blocked.report.blocking)
        assert "region" in str(blocked) and "--region" in str(blocked)
        return
    except ClusterwizError as error:
        assert path.name in NEEDS_THE_USER, f"unexpected failure: {error}"
        assert str(path) in str(error) and NEEDS_THE_USER[path.name] in str(error)
        return
    assert path.name not in NEEDS_THE_USER
    files = render_files(result.spec, RESOLVED)
    assert files, "render produced no files"
    if region:
        assert result.spec.region == region or result.report.items


@pytest.mark.parametrize("path", INI_FILES, ids=_ids(INI_FILES))
def test_every_key_line_of_an_ini_file_is_in_the_report(path):
    result = import_config(path, ImportOptions(region="eu-west-2", template=TEMPLATE_FOR.get(path.name)))
    key_lines = {n for n, line in enumerate(path.read_text().splitlines(), start=1) if KEY_LINE.match(line)}
    reported = {int(item.location.rsplit(":", 1)[1]) for item in result.report.items
                if item.location and item.location.startswith(path.name + ":")}
    assert key_lines - reported == set()


@pytest.mark.parametrize("path", [p for p in corpus_files() if p.suffix in (".yaml", ".yml")],
                         ids=_ids([p for p in corpus_files() if p.suffix in (".yaml", ".yml")]))
def test_every_yaml_value_is_in_the_report(path):
    from clusterwiz.core.importers.yaml_reader import load_yaml

    result = import_config(path, ImportOptions(region="eu-west-2"))
    _, leaves = load_yaml(path.read_text(), path)
    assert set(leaves) - {item.source for item in result.report.items} == set()


SUCCESSFUL = [p for p in corpus_files() if p.name not in NEEDS_THE_USER]


@pytest.mark.parametrize("path", SUCCESSFUL, ids=_ids(SUCCESSFUL))
def test_imported_spec_round_trips_through_cluster_yaml(path):
    from clusterwiz.core.errors import SpecError
    from clusterwiz.core.spec import ClusterSpec

    spec = import_config(path, ImportOptions(region="eu-west-2")).spec
    try:
        assert ClusterSpec.from_yaml(spec.to_yaml()) == spec
    except SpecError as error:
        # Known: ClusterSpec.to_yaml writes the default vpc_cidr next to vpc_id, which its own rule
        # rejects; reported to the lead (core/spec.py is not the importer's to change).
        if spec.network.vpc_id and "vpc_cidr: applies only to a VPC clusterwiz creates" in str(error):
            pytest.xfail("ClusterSpec.to_yaml writes vpc_cidr with vpc_id")
        raise
