"""`clusterwiz doctor`: is this machine and this AWS account ready to create a cluster? One line per check."""

from __future__ import annotations

import json
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.permissions import ask
from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.provider import (
    AWS_PROVIDER_VERSION,
    MIRROR_SETTING,
    ProviderInstallation,
    mirror_layout,
    terraform_platform,
)

PROBE_CIDR = "10.255.0.0/16"
# Terraform's service discovery document: what `terraform init` asks the registry first. Asked only when no mirror
# holds the provider; tests pass a loopback address instead.
REGISTRY_URL = "https://registry.terraform.io/.well-known/terraform.json"
REGISTRY_TIMEOUT_SECONDS = 3.0


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


def check_provider(installation: ProviderInstallation, registry_url: str = REGISTRY_URL,
                   timeout: float = REGISTRY_TIMEOUT_SECONDS) -> DoctorCheck:
    """Whether `terraform init` can install the pinned AWS provider the way clusterwiz's runs will ask for it."""
    wanted = f"hashicorp/aws {AWS_PROVIDER_VERSION} ({terraform_platform()})"
    cache = f"; every cluster shares the plugin cache {installation.cache_dir}"
    if installation.problem:
        return DoctorCheck("provider", False, *_split(ClusterwizError(installation.problem)))
    if installation.mirror is not None:
        return DoctorCheck("provider", True, f"{wanted} from {installation.origin}: {installation.mirror}{cache}")
    if installation.network_mirrors:
        return DoctorCheck("provider", True, f"{wanted} from the network mirror {installation.network_mirrors[0]} "
                           f"that {installation.origin} names (not checked){cache}")
    offline_fix = (f"set {MIRROR_SETTING} to a directory holding {mirror_layout(Path('DIR'))} "
                   f"(`terraform providers mirror -platform={terraform_platform()} DIR`, run in a cluster's working "
                   "directory on a machine with internet access, writes one), then run `clusterwiz doctor` again")
    if not installation.registry:
        return DoctorCheck("provider", False, f"{installation.origin} installs providers only from mirrors that "
                           f"hold no {wanted}", f"put the provider in one of them, or {offline_fix}")
    failure = registry_unreachable(registry_url, timeout)
    if failure is None:
        return DoctorCheck("provider", True, f"{wanted} from registry.terraform.io (reachable), downloaded by the "
                           f"first init{cache}")
    return DoctorCheck("provider", False, f"no mirror holds {wanted} and registry.terraform.io cannot be reached "
                       f"({failure})", f"connect to the internet, or {offline_fix}")


def registry_unreachable(url: str, timeout: float) -> str | None:
    """Why the Terraform registry's discovery document at `url` cannot be had within `timeout` s (None: it can).

    In a thread, so a name lookup that hangs (a laptop offline) is bounded too; redirects are not followed, so
    nothing but `url`'s host is contacted."""
    outcome: list[str | None] = []

    def ask_registry() -> None:
        opener = urllib.request.build_opener(_RefuseRedirects)
        try:
            with opener.open(url, timeout=timeout) as response:
                document = json.loads(response.read(65536))
        except urllib.error.HTTPError as error:
            outcome.append(f"it answered HTTP {error.code}")
        except urllib.error.URLError as error:
            outcome.append(str(error.reason))
        except (OSError, ValueError) as error:
            outcome.append(str(error) or type(error).__name__)
        else:
            outcome.append(None if isinstance(document, dict) and "providers.v1" in document
                           else "it answered, but not as a Terraform registry does")

    asking = threading.Thread(target=ask_registry, name="registry-check", daemon=True)
    asking.start()
    asking.join(timeout)
    return outcome[0] if outcome else f"no answer within {timeout:g} s"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def machine_checks(installation: ProviderInstallation, terraform_binary: str | None = None,
                   registry_url: str = REGISTRY_URL) -> list[DoctorCheck]:
    """Terraform, the provider, and what is off in the user's Terraform setup (warnings)."""
    return [check_terraform(terraform_binary), check_provider(installation, registry_url),
            *(DoctorCheck("tf config", False, *_split(ClusterwizError(note)), blocking=False)
              for note in installation.notes)]


def run_doctor(catalog: Catalog, installation: ProviderInstallation, terraform_binary: str | None = None,
               registry_url: str = REGISTRY_URL) -> list[DoctorCheck]:
    """Terraform, the provider, credentials, region and a short permission probe; AWS checks stop at the first
    failure."""
    checks = machine_checks(installation, terraform_binary, registry_url)
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
