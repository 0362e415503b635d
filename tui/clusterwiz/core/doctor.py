"""`clusterwiz doctor`: is this machine and this AWS account ready to create a cluster? One line per check."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.permissions import ask
from clusterwiz.core.errors import ClusterwizError

PROBE_CIDR = "10.255.0.0/16"


@dataclass(frozen=True)
class DoctorCheck:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = True  # a failed blocking check means a create would fail


def blocks_create(checks: Iterable[DoctorCheck]) -> bool:
    return any(not check.ok and check.blocking for check in checks)


def check_terraform(binary: str | None = None) -> DoctorCheck:
    from clusterwiz.core.terraform import TerraformRunner

    with tempfile.TemporaryDirectory(prefix="clusterwiz-doctor-") as scratch:
        runner = TerraformRunner(Path(scratch), Path(scratch) / "terraform.log", binary=binary)
        try:
            version = runner.version()
        except ClusterwizError as error:
            return DoctorCheck("terraform", False, str(error).split("; ")[0], str(error).split("; ", 1)[-1])
    return DoctorCheck("terraform", True, f"Terraform {'.'.join(map(str, version))} at {runner.binary}")


def run_doctor(catalog: Catalog, terraform_binary: str | None = None) -> list[DoctorCheck]:
    """Terraform, credentials, region and a short permission probe; AWS checks stop at the first failure."""
    checks = [check_terraform(terraform_binary)]
    try:
        identity = catalog.caller_identity()
    except ClusterwizError as error:
        return [*checks, DoctorCheck("credentials", False, *_split(error))]
    checks.append(DoctorCheck("credentials", True, f"account {identity.account} as {identity.arn}"))
    try:
        region = catalog.session.region
        enabled = {r.name: r.enabled for r in catalog.regions()}
    except ClusterwizError as error:
        return [*checks, DoctorCheck("region", False, *_split(error))]
    if not enabled.get(region):
        state = "is not enabled for your account" if region in enabled else "is not an AWS region"
        return [*checks, DoctorCheck("region", False, f"{region} {state}", "enable it in the AWS console "
                                     "(Account > AWS Regions) or choose another with --region")]
    checks.append(DoctorCheck("region", True, f"{region} is enabled"))
    checks.extend(probe_permissions(catalog, region))
    return checks


def _split(error: ClusterwizError) -> tuple[str, str]:
    what, _, fix = str(error).partition("; ")
    return what, fix


def probe_permissions(catalog: Catalog, region: str) -> list[DoctorCheck]:
    """Ask AWS whether a create would be allowed: EC2 dry runs, and reads of IAM and Auto Scaling."""
    ec2 = catalog.session.client("ec2", region)
    zones = catalog.availability_zones(region)
    image = next((i.ami_id for i in catalog.os_images(region) if i.architecture == "x86_64"), None)
    probes: list[tuple[str, Callable[[], object]]] = [
        ("ec2:CreateVolume", lambda: ec2.create_volume(AvailabilityZone=zones[0].name, Size=1, DryRun=True)),
        ("ec2:CreateSecurityGroup", lambda: ec2.create_security_group(
            GroupName="clusterwiz-doctor-probe", Description="clusterwiz permission probe", DryRun=True)),
        ("iam:ListRoles", lambda: catalog.session.client("iam", region).list_roles(MaxItems=1)),
        ("autoscaling:DescribeAutoScalingGroups",
         lambda: catalog.session.client("autoscaling", region).describe_auto_scaling_groups(MaxRecords=1)),
    ]
    if image:
        probes.insert(0, ("ec2:RunInstances", lambda: ec2.run_instances(
            ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, DryRun=True)))
    denied, unchecked = [], []
    for permission, call in probes:
        answer = ask(call)
        if answer.allowed is False:
            denied.append(permission)
        elif answer.allowed is None:
            unchecked.append(f"{permission} ({answer.code})")
    names = ", ".join(permission for permission, _ in probes)
    if denied:
        return [DoctorCheck("permissions", False, f"your identity may not {', '.join(denied)}",
                            "ask your AWS administrator for those permissions (or use a profile that has them)")]
    if unchecked:
        return [DoctorCheck("permissions", False, f"could not check {', '.join(unchecked)}",
                            "run doctor again; if it persists, check those permissions in the IAM console",
                            blocking=False)]
    return [DoctorCheck("permissions", True, f"allowed: {names}")]
