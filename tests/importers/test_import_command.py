"""`clusterwiz import` through its argparse registration, as the CLI runs it."""

import argparse
import json

import pytest
import yaml

from clusterwiz.commands.importing import register
from clusterwiz.core.importers import ImportNeedsDecision
from clusterwiz.core.registry import Registry
from clusterwiz.core.settings import Settings

from .support import CORPUS


def run(argv, settings):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args, settings)


def test_import_registers_the_cluster(tmp_path, capsys):
    settings = Settings(home=tmp_path, region="eu-west-2")
    code = run(["import", str(CORPUS / "pcluster2/kosey-diststat-spot-ebs.ini"), "--name", "kosey"], settings)
    assert code == 0
    record = Registry(tmp_path, "aws").get("kosey")
    assert record.spec.region == "ap-northeast-2" and record.spec.queues[0].capacity == "spot"
    assert (record.spec_path.stat().st_mode & 0o777) == 0o600
    assert "clusterwiz render --config" in capsys.readouterr().out


def test_import_to_out_path_with_json_report(tmp_path, capsys):
    out = tmp_path / "cluster.yaml"
    settings = Settings(home=tmp_path, json=True)
    assert run(["import", str(CORPUS / "pcluster3/gmarciani-awsbatch.yaml"), "--out", str(out)], settings) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["spec_file"] == str(out)
    assert printed["report"]["format"] == "ParallelCluster 3"
    assert yaml.safe_load(out.read_text())["region"] == "eu-west-1"


def test_import_refuses_to_overwrite_out(tmp_path):
    out = tmp_path / "cluster.yaml"
    out.write_text("mine")
    with pytest.raises(Exception, match="already exists"):
        run(["import", str(CORPUS / "pcluster2/azzaea-scalability.ini"), "--out", str(out)], Settings(home=tmp_path))
    assert out.read_text() == "mine"


def test_blocked_import_prints_the_report_and_writes_nothing(tmp_path, capsys):
    with pytest.raises(ImportNeedsDecision):
        run(["import", str(CORPUS / "cfncluster/ecco-step1-minimal.cfg")], Settings(home=tmp_path, json=True))
    printed = json.loads(capsys.readouterr().out)
    assert printed["spec_file"] is None
    assert [i["value"] for i in printed["report"]["items"] if i["blocking"]] == ["YOUR_AWS_REGION_NAME"]
    assert Registry(tmp_path, "aws").names() == []
