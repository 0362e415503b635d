"""Pre-flight checks against a realistic moto account: each check fires on a broken spec and stays quiet
on a good one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.validate import Finding, has_blocking, private_key_type, validate
from tests.catalog.account import ACCOUNT, REGION, Account, add_image, set_snapshot_state
from tests.catalog.specs import make_spec

# moto has no Service Quotas: every run says that, as information, not as a problem.
ALWAYS = {"QUOTA_EMULATED"}


def codes(findings: list[Finding]) -> set[str]:
    return {finding.code for finding in findings}


def existing_network(account: Account, subnet: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"vpc_id": account.hpc_vpc, "subnet_id": subnet or account.subnet_a, "ssh_cidr": "203.0.113.7/32",
            **extra}


def test_good_specs_raise_nothing(catalog: Catalog, account: Account) -> None:
    new_vpc = validate(make_spec(), catalog)
    assert codes(new_vpc) == ALWAYS and not has_blocking(new_vpc)
    in_hpc = make_spec(network=existing_network(account), key_pair=account.key_rsa, os="rocky9",
                       shared_storage=[{"mount_dir": "/shared", "volume_id": account.volume_a},
                                       {"mount_dir": "/data", "snapshot_id": account.snapshot, "size_gib": 60}])
    assert codes(validate(in_hpc, catalog, registry_names=("other",))) == ALWAYS
    graviton = make_spec(head_node={"instance_type": "t4g.medium"}, os="rocky9",
                         queues=[{"name": "arm", "instance_types": ["c7g.xlarge"], "capacity": "spot"}],
                         shared_storage=[{"mount_dir": "/scratch", "volume_type": "gp3", "size_gib": 20,
                                          "iops": 6000, "throughput": 1000}])
    assert codes(validate(graviton, catalog)) == ALWAYS


def findings_for(catalog: Catalog, account: Account, **overrides: Any) -> list[Finding]:
    return validate(make_spec(**overrides), catalog)


def assert_fires(findings: list[Finding], code: str, field: str, *words: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert matching, f"{code} expected in {[(f.code, f.message) for f in findings]}"
    finding = matching[0]
    assert finding.field == field
    assert finding.message and finding.fix
    for word in words:
        assert word in finding.message + finding.fix
    return finding


def test_region_disabled_and_unknown(catalog: Catalog, account: Account) -> None:
    disabled = findings_for(catalog, account, region="ap-east-1")
    assert [f.code for f in disabled] == ["REGION_DISABLED"] and has_blocking(disabled)
    assert [f.code for f in findings_for(catalog, account, region="xx-nowhere-1")] == ["REGION_UNKNOWN"]


def test_unknown_instance_type_suggests_close_names(catalog: Catalog, account: Account) -> None:
    findings = findings_for(catalog, account, head_node={"instance_type": "t3.medum"})
    assert_fires(findings, "TYPE_UNKNOWN", "head_node.instance_type", "t3.medium")


def test_type_not_offered_in_the_subnets_zone_lists_where_it_is(catalog: Catalog, account: Account) -> None:
    spec = {"network": existing_network(account, account.tiny_subnet),
            "queues": [{"name": "gpu", "instance_types": ["g5.xlarge"], "max_nodes": 2}]}
    finding = assert_fires(findings_for(catalog, account, **spec), "TYPE_NOT_IN_ZONE", "queues.0.instance_types",
                           f"{REGION}c", f"{REGION}a, {REGION}b", "subnet")
    assert finding.level == "error"
    new_vpc = findings_for(catalog, account, network={"availability_zone": f"{REGION}c", "ssh_cidr": "1.2.3.4/32"},
                           queues=[{"name": "gpu", "instance_types": ["g5.xlarge"]}])
    assert_fires(new_vpc, "TYPE_NOT_IN_ZONE", "queues.0.instance_types", "network.availability_zone")


def test_no_zone_offers_every_type(catalog: Catalog, account: Account) -> None:
    findings = findings_for(catalog, account, head_node={"instance_type": "t4g.medium"},
                            queues=[{"name": "net", "instance_types": ["c7gn.xlarge"]}])
    assert_fires(findings, "NO_COMMON_ZONE", "queues", "c7gn.xlarge: eu-west-2d")


def test_spot_queue_of_a_type_without_spot(catalog: Catalog, account: Account) -> None:
    findings = findings_for(catalog, account, queues=[{"name": "tiny", "instance_types": ["t2.nano"],
                                                       "capacity": "spot"}])
    assert_fires(findings, "SPOT_UNSUPPORTED", "queues.0.instance_types", "t2.nano")
    assert "SPOT_UNSUPPORTED" not in codes(findings_for(
        catalog, account, queues=[{"name": "tiny", "instance_types": ["t2.nano"]}]))


def test_graviton_queue_with_an_intel_head_node(catalog: Catalog, account: Account) -> None:
    findings = findings_for(catalog, account, queues=[{"name": "arm", "instance_types": ["c7g.xlarge"]}])
    assert_fires(findings, "ARCH_MISMATCH", "queues.0.instance_types", "arm64", "x86_64")


def test_os_without_an_image_in_the_region(catalog: Catalog, account: Account) -> None:
    # The account's Ubuntu images are in eu-west-2 only.
    findings = findings_for(catalog, account, region="eu-west-1")
    assert_fires(findings, "OS_IMAGE_MISSING", "os", "ubuntu2404", "x86_64", "eu-west-1")


def test_custom_ami_checks(catalog: Catalog, account: Account) -> None:
    assert_fires(findings_for(catalog, account, ami_id="ami-0123456789abcdef0"), "AMI_NOT_FOUND", "ami_id")
    arm_on_intel = findings_for(catalog, account, ami_id=account.own_arm_image)
    assert_fires(arm_on_intel, "AMI_ARCH", "ami_id", "arm64", "x86_64")
    unknown = findings_for(catalog, account, ami_id=account.own_arm_image, head_node={"instance_type": "t4g.medium"},
                           queues=[{"name": "arm", "instance_types": ["c7g.xlarge"]}])
    assert codes(unknown) == ALWAYS | {"AMI_OS_UNKNOWN"} and not has_blocking(unknown)
    assert_fires(findings_for(catalog, account, ami_id=account.images["rocky9-x86"]), "AMI_OS_MISMATCH", "ami_id",
                 "rocky9")
    pending = add_image("ami-0abcabcabcabc0010", "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-custom",
                        ACCOUNT, "x86_64", "2026-11-03T00:00:00", public=False, state="pending")
    assert_fires(findings_for(catalog, account, ami_id=pending), "AMI_NOT_AVAILABLE", "ami_id", "pending")
    store = add_image("ami-0abcabcabcabc0011", "ubuntu-noble-24.04-instance-store", ACCOUNT, "x86_64",
                      "2026-11-03T00:00:00", public=False, root_device_type="instance-store")
    assert_fires(findings_for(catalog, account, ami_id=store), "AMI_ROOT_DEVICE", "ami_id", "instance-store")
    good = findings_for(catalog, account, ami_id=account.images["ubuntu2404-x86"])
    assert codes(good) == ALWAYS


def test_key_pair_missing_or_deleted(catalog: Catalog, account: Account) -> None:
    finding = assert_fires(findings_for(catalog, account, key_pair=account.deleted_key), "KEY_PAIR_MISSING",
                           "key_pair", account.key_rsa, account.key_ed25519)
    assert finding.level == "error"
    assert_fires(findings_for(catalog, account, key_pair=None), "KEY_PAIR_NONE", "key_pair")


def ssh_keygen(path: Path, key_type: str) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-f", str(path)], check=True)
    return path


def test_local_key_file_checks(catalog: Catalog, account: Account, tmp_path: Path) -> None:
    rsa = ssh_keygen(tmp_path / "id_rsa", "rsa")
    ed25519 = ssh_keygen(tmp_path / "id_ed25519", "ed25519")
    assert private_key_type(rsa.read_text()) == "rsa" and private_key_type(ed25519.read_text()) == "ed25519"
    assert codes(findings_for(catalog, account, ssh_key_file=str(ed25519))) == ALWAYS
    assert_fires(findings_for(catalog, account, ssh_key_file=str(rsa)), "KEY_TYPE_MISMATCH", "ssh_key_file",
                 "rsa", "ed25519")
    assert_fires(findings_for(catalog, account, ssh_key_file=str(tmp_path / "nope")), "KEY_FILE_MISSING",
                 "ssh_key_file")
    os.chmod(ed25519, 0o644)
    assert_fires(findings_for(catalog, account, ssh_key_file=str(ed25519)), "KEY_FILE_PERMISSIONS",
                 "ssh_key_file", "chmod 600")


def test_ssh_open_to_the_world_is_a_warning(catalog: Catalog, account: Account) -> None:
    findings = findings_for(catalog, account, network={"ssh_cidr": "0.0.0.0/0"})
    finding = assert_fires(findings, "SSH_OPEN_WORLD", "network.ssh_cidr")
    assert finding.level == "warning" and not has_blocking(findings)


def test_existing_network_checks(catalog: Catalog, account: Account) -> None:
    assert_fires(findings_for(catalog, account, network=existing_network(
        account, vpc_id="vpc-0123456789abcdef0")), "VPC_NOT_FOUND", "network.vpc_id")
    assert_fires(findings_for(catalog, account, network=existing_network(account, "subnet-0123456789abcdef0")),
                 "SUBNET_NOT_FOUND", "network.subnet_id")
    assert_fires(findings_for(catalog, account, network=existing_network(account, account.no_dns_subnet)),
                 "SUBNET_NOT_IN_VPC", "network.subnet_id", account.no_dns_vpc)
    assert_fires(findings_for(catalog, account, network=existing_network(
        account, account.no_dns_subnet, vpc_id=account.no_dns_vpc)), "VPC_DNS_OFF", "network.vpc_id",
        "DNS hostnames", "--enable-dns-hostnames")
    too_small = findings_for(catalog, account, network=existing_network(account, account.tiny_subnet),
                             queues=[{"name": "compute", "instance_types": ["c6i.xlarge"], "max_nodes": 20}])
    assert_fires(too_small, "SUBNET_TOO_SMALL", "network.subnet_id", "11 free", "21")


def routed_subnet(account: Account, cidr: str, **default_route: str) -> tuple[str, str]:
    """A subnet of the hpc VPC with a route table of its own; `default_route`: the 0.0.0.0/0 route's target
    (GatewayId=..., NatGatewayId=...), none if empty."""
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.create_subnet(VpcId=account.hpc_vpc, CidrBlock=cidr,
                               AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=account.hpc_vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    if default_route:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **default_route)
    return subnet, table


def test_existing_subnet_must_route_to_an_internet_gateway(catalog: Catalog, account: Account) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=account.subnet_a, AllocationId=address)["NatGateway"]["NatGatewayId"]
    # Made before the first check: the catalog keeps the subnets it has seen for its lifetime (one wizard run).
    private, table = routed_subnet(account, "10.20.4.0/24")
    behind_nat, _ = routed_subnet(account, "10.20.5.0/24", NatGatewayId=nat)
    # A table of its own with the route, like the hpc VPC's main table that serves subnet_a (good specs above).
    public, _ = routed_subnet(account, "10.20.6.0/24", GatewayId=account.hpc_gateway)

    finding = assert_fires(findings_for(catalog, account, network=existing_network(account, private)),
                           "SUBNET_NO_INTERNET", "network.subnet_id", private, table, "package",
                           account.subnet_a, account.subnet_b, public, "remove vpc_id and subnet_id")
    assert finding.level == "error" and private not in finding.fix and behind_nat not in finding.fix
    finding = assert_fires(findings_for(catalog, account, network=existing_network(account, behind_nat)),
                           "SUBNET_BEHIND_NAT", "network.subnet_id", behind_nat, nat, "SSH", account.subnet_a)
    assert finding.level == "error"
    assert codes(findings_for(catalog, account, network=existing_network(account, public))) == ALWAYS


def refuse_dry_runs(catalog: Catalog, with_public_ipv4_only: bool) -> list[bool]:
    """Answer the catalog's RunInstances dry runs as an account whose policy refuses them; return, per dry run,
    whether it asked for a public IPv4 address.

    Stands in for: a service control policy denying ec2:RunInstances where ec2:AssociatePublicIpAddress is true
    (with_public_ipv4_only), or one denying every launch. moto enforces no policy, and answers every dry run
    DryRunOperation, which stays moto's answer to the launches this policy allows. A hook on the client's
    before-call event answers as botocore's Stubber does, for RunInstances alone: every other call reaches moto.
    """
    asked: list[bool] = []

    def answer(params: dict, **_: Any) -> tuple[AWSResponse, dict] | None:
        public = params["body"].get("NetworkInterface.1.AssociatePublicIpAddress") == "true"
        asked.append(public)
        if with_public_ipv4_only and not public:
            return None
        return AWSResponse("https://ec2.amazonaws.com/", 403, {}, None), {
            "Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized to perform this "
                      "operation. Encoded authorization failure message: AbC123"},
            "ResponseMetadata": {"HTTPStatusCode": 403}}

    catalog.session.client("ec2", REGION).meta.events.register("before-call.ec2.RunInstances", answer)
    return asked


def test_policy_refusing_public_ipv4_on_launch_is_a_finding(catalog: Catalog, account: Account) -> None:
    asked = refuse_dry_runs(catalog, with_public_ipv4_only=True)
    findings = findings_for(catalog, account)
    finding = assert_fires(findings, "PUBLIC_IPV4_REFUSED", "network", "public IPv4", "ec2:AssociatePublicIpAddress",
                           "administrator")
    assert finding.level == "error" and "LAUNCH_REFUSED" not in codes(findings)
    assert asked == [True, False], "the launch without a public address is asked to tell the two apart"


def test_policy_refusing_every_launch_is_told_apart(catalog: Catalog, account: Account) -> None:
    refuse_dry_runs(catalog, with_public_ipv4_only=False)
    findings = findings_for(catalog, account, network=existing_network(account))
    assert_fires(findings, "LAUNCH_REFUSED", "head_node.instance_type", "ec2:RunInstances", "t3.medium")
    assert "PUBLIC_IPV4_REFUSED" not in codes(findings)


def test_existing_volume_checks(catalog: Catalog, account: Account) -> None:
    def volumes(*ids: str) -> list[dict[str, str]]:
        return [{"mount_dir": f"/v{index}", "volume_id": vid} for index, vid in enumerate(ids)]

    wrong_zone = findings_for(catalog, account, network=existing_network(account),
                              shared_storage=volumes(account.volume_b))
    assert_fires(wrong_zone, "VOLUME_WRONG_ZONE", "shared_storage.0.volume_id", f"{REGION}b", f"{REGION}a",
                 account.subnet_b)
    new_vpc = findings_for(catalog, account, network={"availability_zone": f"{REGION}a", "ssh_cidr": "1.2.3.4/32"},
                           shared_storage=volumes(account.volume_b))
    assert_fires(new_vpc, "VOLUME_WRONG_ZONE", "shared_storage.0.volume_id", f"availability_zone to {REGION}b")
    # Without a zone in the spec, the cluster follows its volume.
    assert codes(findings_for(catalog, account, shared_storage=volumes(account.volume_b))) == ALWAYS
    assert_fires(findings_for(catalog, account, shared_storage=volumes(account.volume_in_use)),
                 "VOLUME_NOT_AVAILABLE", "shared_storage.0.volume_id", "in-use")
    assert_fires(findings_for(catalog, account, shared_storage=volumes("vol-0123456789abcdef0")),
                 "VOLUME_NOT_FOUND", "shared_storage.0.volume_id")
    # Updating an applied cluster: its existing volume is attached to its own head node, and its name is its own.
    updating = validate(make_spec(shared_storage=volumes(account.volume_in_use)), catalog, updating=True)
    assert not {"VOLUME_NOT_AVAILABLE", "NAME_TAKEN_AWS"} & set(codes(updating))
    assert_fires(findings_for(catalog, account, shared_storage=volumes(account.volume_a, account.volume_b)),
                 "VOLUMES_SPLIT", "shared_storage", f"{REGION}a", f"{REGION}b")


def test_snapshot_and_ebs_limit_checks(catalog: Catalog, account: Account) -> None:
    def volume(**fields: Any) -> list[dict[str, Any]]:
        return [{"mount_dir": "/shared", **fields}]

    assert_fires(findings_for(catalog, account, shared_storage=volume(snapshot_id="snap-0123456789abcdef0")),
                 "SNAPSHOT_NOT_FOUND", "shared_storage.0.snapshot_id")
    assert_fires(findings_for(catalog, account, shared_storage=volume(snapshot_id=account.snapshot, size_gib=10)),
                 "SNAPSHOT_LARGER", "shared_storage.0.size_gib", "50")
    ec2 = boto3.client("ec2", region_name=REGION)
    fresh = ec2.create_snapshot(VolumeId=account.volume_a)["SnapshotId"]
    set_snapshot_state(fresh, "pending")
    assert_fires(findings_for(catalog, account, shared_storage=volume(snapshot_id=fresh)), "SNAPSHOT_NOT_READY",
                 "shared_storage.0.snapshot_id", "pending")
    assert_fires(findings_for(catalog, account, shared_storage=volume(size_gib=10, iops=6000)), "EBS_IOPS_RATIO",
                 "shared_storage.0.iops", "raise size_gib to 12", "5000")
    assert_fires(findings_for(catalog, account, shared_storage=volume(size_gib=100, throughput=1000)),
                 "EBS_THROUGHPUT_RATIO", "shared_storage.0.throughput", "4000")


def test_name_taken_in_the_registry_or_in_aws(catalog: Catalog, account: Account) -> None:
    assert_fires(validate(make_spec(), catalog, registry_names=("demo",)), "NAME_TAKEN_REGISTRY", "name")
    boto3.client("ec2", region_name=REGION).create_tags(
        Resources=[account.volume_b], Tags=[{"Key": "clusterwiz:cluster", "Value": "taken"}])
    assert_fires(findings_for(catalog, account, name="taken"), "NAME_TAKEN_AWS", "name", account.volume_b)


def test_findings_sorted_errors_first(catalog: Catalog, account: Account) -> None:
    findings = findings_for(catalog, account, key_pair="missing", network={"ssh_cidr": "0.0.0.0/0"})
    levels = [f.level for f in findings]
    assert levels == sorted(levels, key=["error", "warning", "info"].index)


def test_validate_uses_few_aws_calls(catalog: Catalog, account: Account) -> None:
    sent: list[str] = []
    catalog.session.boto_session.events.register("before-send", lambda request, **_: sent.append(request.url))
    validate(make_spec(network=existing_network(account), shared_storage=[
        {"mount_dir": "/shared", "volume_id": account.volume_a}]), catalog)
    # The name check asks EC2's tag index, auto scaling and IAM (3 calls).
    assert len(sent) <= 15, sent
