"""`clusterwiz validate` and `clusterwiz doctor` end to end, through the CLI's main() against moto."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from clusterwiz.cli import main
from clusterwiz.core.provider import AWS_PROVIDER_VERSION, terraform_platform
from clusterwiz.core.settings import PLUGIN_MIRROR_ENV
from tests.catalog.account import Account
from tests.catalog.specs import make_spec


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def write_spec(path: Path, **overrides) -> Path:
    path.write_text(make_spec(**overrides).to_yaml())
    return path


def test_validate_config_prints_findings_and_cost(account: Account, home: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    good = write_spec(tmp_path / "good.yaml")
    assert main(["--home", str(home), "validate", "--config", str(good)]) == 0
    out = capsys.readouterr().out
    assert "QUOTA_EMULATED" in out and "/hour at full size" in out and "estimate, prices of 2026-11-01" in out

    bad = write_spec(tmp_path / "bad.yaml", key_pair=account.deleted_key,
                     shared_storage=[{"mount_dir": "/old", "volume_id": account.volume_in_use}])
    assert main(["--home", str(home), "validate", "--config", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "KEY_PAIR_MISSING" in out and "VOLUME_NOT_AVAILABLE" in out and "will refuse" in out


def test_validate_json(account: Account, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec(tmp_path / "spec.yaml", network={"ssh_cidr": "0.0.0.0/0"})
    assert main(["--home", str(home), "--json", "validate", "--config", str(spec)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["blocking"] is False and report["cost"]["is_estimate"] is True
    assert {f["code"] for f in report["findings"]} == {"QUOTA_EMULATED", "SSH_OPEN_WORLD"}


def test_validate_needs_a_name_or_a_file(moto: str, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--home", str(home), "validate"])
    assert main(["--home", str(home), "validate", "ghost"]) == 2
    assert "no cluster named 'ghost'" in capsys.readouterr().err


def test_doctor_reports_each_check(account: Account, home: Path, terraform_cli_config: Path,
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TF_CLI_CONFIG_FILE")  # a user with no CLI config of their own, only the mirror variable
    assert main(["--home", str(home), "--json", "doctor"]) == 0
    report = json.loads(capsys.readouterr().out)
    checks = {check["name"]: check for check in report["checks"]}
    assert report["ready"] is True
    assert list(checks) == ["terraform", "provider", "credentials", "region", "permissions"]
    mirror = os.environ[PLUGIN_MIRROR_ENV]
    assert checks["provider"]["detail"] == (
        f"hashicorp/aws {AWS_PROVIDER_VERSION} ({terraform_platform()}) from CLUSTERWIZ_TF_PLUGIN_MIRROR (or "
        f"--plugin-mirror): {mirror}; every cluster shares the plugin cache {home / 'terraform' / 'plugin-cache'}")
    assert checks["credentials"]["detail"].startswith("account 123456789012")
    assert "ec2:RunInstances" in checks["permissions"]["detail"]


def test_doctor_says_what_to_do_when_the_mirror_lacks_the_provider(account: Account, home: Path, tmp_path: Path,
                                                                  terraform_cli_config: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "mirror"
    empty.mkdir()
    missing_config = tmp_path / "no-such.tfrc"
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(missing_config))  # as on this machine: named, but no such file
    assert main(["--home", str(home), "--plugin-mirror", str(empty), "doctor"]) == 1
    out = capsys.readouterr().out
    assert (f"problem provider     CLUSTERWIZ_TF_PLUGIN_MIRROR (or --plugin-mirror) names {empty}, which holds no "
            f"hashicorp/aws {AWS_PROVIDER_VERSION} for {terraform_platform()}") in out
    assert "fix: point it at a directory that does (`terraform providers mirror" in out
    assert f"warning tf config    TF_CLI_CONFIG_FILE names {missing_config}, which does not exist" in out
    assert "fix: create the file or unset the variable" in out


def test_doctor_without_terraform_or_region(account: Account, home: Path, terraform_cli_config: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["--home", str(home), "--region", "ap-east-1", "doctor"]) == 1
    out = capsys.readouterr().out
    assert "problem terraform" in out and "install Terraform" in out
    assert "problem region" in out and "ap-east-1 is not enabled" in out
    assert os.environ["PATH"] == "/nonexistent"
