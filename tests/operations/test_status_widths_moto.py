"""`clusterwiz status` read in a terminal of 80 or 120 columns (issue 16): every id whole, no cell broken over two
lines, no line wider than the terminal; a wide terminal keeps the tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import boto3
import pytest
import yaml

from clusterwiz.core.registry import Registry
from clusterwiz.core.spec import ClusterSpec
from tests.support.cli import clusterwiz
from tests.tui_run.conftest import DEMO_AMI
from tests.tui_run.record_streams import REGION, spec_text
from tests.tui_run.test_teardown_menu import fleet_of, head_of


def whole_values(cluster: str) -> list[str]:
    """What status must show unbroken: each instance's id, type, state, zone, launch time and public address,
    and each volume's id and the instance it is attached to."""
    ec2 = boto3.client("ec2", region_name=REGION)
    values = []
    for reservation in ec2.describe_instances()["Reservations"]:
        for instance in reservation["Instances"]:
            launched: datetime = instance["LaunchTime"]
            values += [instance["InstanceId"], instance["InstanceType"], instance["State"]["Name"],
                       instance["Placement"]["AvailabilityZone"], f"{launched:%Y-%m-%d %H:%M}",
                       instance.get("PublicIpAddress", "")]
    for volume in ec2.describe_volumes(Filters=[{"Name": "tag:clusterwiz:cluster", "Values": [cluster]}])["Volumes"]:
        values += [volume["VolumeId"], *(a["InstanceId"] for a in volume["Attachments"])]
    return [value for value in values if value]


@pytest.fixture
def home(moto, tmp_path: Path) -> Path:
    """A home where cluster demo is applied: its head node in moto (the test adds what else runs)."""
    home = tmp_path / "home"
    registry = Registry(home, "aws")
    registry.create(ClusterSpec.model_validate(yaml.safe_load(spec_text("demo", DEMO_AMI))))
    registry.set_status("demo", "applied")
    head_of("demo")
    return home


@pytest.mark.parametrize("columns", [80, 120])
def test_status_is_readable_at_80_and_120_columns(home: Path, columns: int) -> None:
    fleet_of("demo", {"compute": 2, "gpu": 0})

    shown = clusterwiz(home, "status", "demo", env={"COLUMNS": str(columns)}).stdout
    too_wide = [line for line in shown.splitlines() if len(line) > columns]
    assert not too_wide, shown
    broken = [value for value in whole_values("demo") if value not in shown]
    assert not broken, f"cut or wrapped over two lines: {broken}\n{shown}"


def test_a_wide_terminal_shows_status_as_tables(home: Path) -> None:
    shown = clusterwiz(home, "status", "demo", env={"COLUMNS": "200"}).stdout
    header = next(line for line in shown.splitlines() if "instance" in line and "public ip" in line)
    assert "launched" in header and "$/h" in header
