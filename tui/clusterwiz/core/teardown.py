"""Stop paying for a cluster: stop and start its fleet or all of it, snapshot before destroy, sweep leftovers.

Stopping the fleet sets every queue's group to 0/0/0 (max too, so the scaler on the head node cannot start
nodes again) and remembers the old sizes in the registry; start restores them. Stopping all also stops the
head node; its volumes stay (and bill for storage only). Snapshots taken before a destroy are tagged
clusterwiz:snapshot-of=<cluster>, never clusterwiz:cluster: they must outlive the cluster, not be swept with it.

Stop/start take the cluster's registry lock (no Terraform run meanwhile); snapshot_created_volumes and the
leftover functions do not, so run_destroy can call them inside its own terraform_session.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from clusterwiz.core.aws.errors import aws_errors
from clusterwiz.core.aws.inventory import tagged_resources
from clusterwiz.core.billing import forget_look
from clusterwiz.core.errors import AwsError, ClusterwizError
from clusterwiz.core.files import atomic_write_text
from clusterwiz.core.registry import ClusterRecord
from clusterwiz.core.render import keep_fleet_stopped
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.status import (
    CLUSTER_TAG,
    PRICE_DIGITS,
    ROLE_TAG,
    STOPPED_BY_TAG,
    ClusterStatus,
    VolumeStatus,
    cluster_status,
    describe_groups,
    describe_instances,
)

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace

FLEET_SIZES_FILE = "fleet-sizes.json"
GROUP_NAME_TAG = "aws:autoscaling:groupName"  # on every instance a group launches
SNAPSHOT_OF_TAG = "clusterwiz:snapshot-of"
MOUNT_DIR_TAG = "clusterwiz:mount-dir"
WAIT_DELAY_S = 5
INSTANCE_WAIT_ATTEMPTS = 120  # 10 minutes
SNAPSHOT_WAIT_DELAY_S = 15
SNAPSHOT_WAIT_ATTEMPTS = 480  # 2 hours: a first snapshot of a large volume is slow


@dataclass(frozen=True)
class GroupSize:
    min_size: int
    desired: int
    max_size: int

    @property
    def is_stopped(self) -> bool:
        return self.max_size == 0 and self.desired == 0


# -- what each action saves -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Savings:
    """$/hour each teardown action would stop paying, from the cluster's live status."""

    stop_fleet: float  # compute nodes running now, their public IPv4 addresses and root volumes
    stop_all: float  # the fleet, the head node and its public IPv4 address
    destroy: float  # everything clusterwiz created (snapshots, if kept, bill a little for storage)

    @property
    def left_when_stopped(self) -> float:
        """What still bills with everything stopped: the head node's and the shared volumes."""
        return round(self.destroy - self.stop_all, PRICE_DIGITS)


def savings(status: ClusterStatus) -> Savings:
    nodes = {i.instance_id for i in status.compute}
    # Nodes leave with their root volumes (deleted on termination); the shared volumes are the head node's.
    node_volumes = sum(v.per_hour for v in status.volumes if not v.existing and v.attached_to in nodes)
    fleet = sum(i.per_hour for i in status.compute) + node_volumes
    # The head node's auto-assigned address goes when it stops (the modules make no Elastic IP); its volumes stay.
    head = status.head.per_hour if status.head else 0.0
    return Savings(stop_fleet=round(fleet, PRICE_DIGITS), stop_all=round(fleet + head, PRICE_DIGITS),
                   destroy=status.cost.per_hour)


# -- stop and start ---------------------------------------------------------------------------------------

def saved_fleet_sizes(record: ClusterRecord) -> dict[str, GroupSize]:
    """The sizes each queue's group had before the fleet was stopped (empty when it is not stopped)."""
    path = record.directory / FLEET_SIZES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as error:
        raise ClusterwizError(f"{path} is damaged ({error}); delete it, then `clusterwiz start {record.name}` "
                              "restores the queue sizes of cluster.yaml") from error
    return {queue: GroupSize(**sizes) for queue, sizes in data.items()}


def _save_fleet_sizes(record: ClusterRecord, sizes: dict[str, GroupSize]) -> None:
    """Remember the sizes to start the fleet with again; sizes remembered also keep an apply from starting it."""
    path = record.directory / FLEET_SIZES_FILE
    if sizes:
        atomic_write_text(path, json.dumps({queue: asdict(size) for queue, size in sizes.items()}, indent=2) + "\n")
    else:
        path.unlink(missing_ok=True)
    keep_fleet_stopped(record.workdir, bool(sizes))


def _resize(session: Any, region: str, group: str, size: GroupSize) -> None:
    client = session.client("autoscaling", region)
    with aws_errors("autoscaling:UpdateAutoScalingGroup", region):
        client.update_auto_scaling_group(AutoScalingGroupName=group, MinSize=size.min_size, MaxSize=size.max_size,
                                         DesiredCapacity=size.desired)


def _stop_fleet(session: Any, record: ClusterRecord) -> dict[str, GroupSize]:
    spec = record.spec
    groups = describe_groups(session, spec.region, spec)
    remembered = saved_fleet_sizes(record)
    for queue, raw in groups.items():
        current = GroupSize(min_size=raw["MinSize"], desired=raw["DesiredCapacity"], max_size=raw["MaxSize"])
        # A second stop must not overwrite the real sizes with the zeros of the first.
        if queue not in remembered and not current.is_stopped:
            remembered[queue] = current
    # Remembered before anything changes, so a failure midway still lets start restore every group. An apply
    # meanwhile (a changed spec, say) keeps the groups at 0 instead of starting the nodes, and their billing.
    _save_fleet_sizes(record, remembered)
    for raw in groups.values():
        _resize(session, spec.region, raw["AutoScalingGroupName"], GroupSize(0, 0, 0))
    return remembered


def _start_fleet(session: Any, record: ClusterRecord) -> dict[str, GroupSize]:
    spec = record.spec
    groups = describe_groups(session, spec.region, spec)
    remembered = saved_fleet_sizes(record)
    restored = {}
    for queue in spec.queues:
        raw = groups.get(queue.name)
        if raw is None:
            continue
        current = GroupSize(min_size=raw["MinSize"], desired=raw["DesiredCapacity"], max_size=raw["MaxSize"])
        if not current.is_stopped:
            continue  # started already (or re-applied by Terraform)
        size = remembered.get(queue.name) or GroupSize(queue.min_nodes, queue.min_nodes, queue.max_nodes)
        _resize(session, spec.region, raw["AutoScalingGroupName"], size)
        restored[queue.name] = size
    _save_fleet_sizes(record, {})
    return restored


def head_instances(session: Any, spec: ClusterSpec) -> list[dict]:
    return [raw for raw in describe_instances(session, spec.region, spec.name)
            if any(tag["Key"] == ROLE_TAG and tag["Value"] == "head" for tag in raw.get("Tags", []))]


def _wait(session: Any, region: str, waiter_name: str, permission: str, **params: Any) -> None:
    waiter = session.client("ec2", region).get_waiter(waiter_name)
    try:
        with aws_errors(permission, region):
            waiter.wait(WaiterConfig={"Delay": WAIT_DELAY_S, "MaxAttempts": INSTANCE_WAIT_ATTEMPTS}, **params)
    except WaiterError as error:
        raise AwsError(f"AWS did not report {waiter_name.replace('_', ' ')} in time ({error}); check the "
                       "instances in the EC2 console and try again") from error


@contextlib.contextmanager
def _changing(workspace: Workspace, record: ClusterRecord) -> Iterator[None]:
    """The cluster locked while clusterwiz changes what runs of it; its last look is stale after, even a failure's."""
    with workspace.registry.lock(record.name):
        try:
            yield
        finally:
            forget_look(record)


@dataclass(frozen=True)
class StopResult:
    groups: dict[str, GroupSize]  # queue -> sizes remembered (stop) or restored (start)
    head_instance_ids: list[str]  # head nodes stopped (stop) or started (start)


def stop_fleet(workspace: Workspace, name: str) -> StopResult:
    """Every queue to 0 nodes; the head node and the volumes stay."""
    record = workspace.registry.get(name)
    with _changing(workspace, record):
        return StopResult(groups=_stop_fleet(workspace.session, record), head_instance_ids=[])


def stop_all(workspace: Workspace, name: str, wait: bool = False) -> StopResult:
    """The fleet to 0, then the head node stopped: only the volumes still bill."""
    record = workspace.registry.get(name)
    spec = record.spec
    client = workspace.session.client("ec2", spec.region)
    with _changing(workspace, record):
        groups = _stop_fleet(workspace.session, record)
        heads = [raw["InstanceId"] for raw in head_instances(workspace.session, spec)
                 if raw["State"]["Name"] in ("pending", "running")]
        if heads:
            with aws_errors("ec2:StopInstances", spec.region):
                client.stop_instances(InstanceIds=heads)
            if wait:
                _wait(workspace.session, spec.region, "instance_stopped", "ec2:DescribeInstances", InstanceIds=heads)
    return StopResult(groups=groups, head_instance_ids=heads)


def start_cluster(workspace: Workspace, name: str) -> StopResult:
    """Start whatever is stopped: the head node first (nodes mount its NFS export at boot), then the fleet."""
    from clusterwiz.core.budget import refuse_if_spent
    from clusterwiz.core.expiry import now_utc, refuse_if_expired

    record = workspace.registry.get(name)
    spec = record.spec
    refuse_if_expired(name, spec.expires_at, now_utc(), "started", sandbox=workspace.emulator is not None)
    refuse_if_spent(name, head_instances(workspace.session, spec), spec.budget_usd,
                    sandbox=workspace.emulator is not None)
    client = workspace.session.client("ec2", spec.region)
    with _changing(workspace, record):
        heads = head_instances(workspace.session, spec)
        stopping = [raw["InstanceId"] for raw in heads if raw["State"]["Name"] == "stopping"]
        if stopping:
            _wait(workspace.session, spec.region, "instance_stopped", "ec2:DescribeInstances", InstanceIds=stopping)
        to_start = [raw["InstanceId"] for raw in heads if raw["State"]["Name"] in ("stopping", "stopped")]
        if to_start:
            with aws_errors("ec2:StartInstances", spec.region):
                client.start_instances(InstanceIds=to_start)
            _wait(workspace.session, spec.region, "instance_running", "ec2:DescribeInstances", InstanceIds=to_start)
        groups = _start_fleet(workspace.session, record)
        if to_start:
            # Last: the cluster runs again whether or not the stale reason can be removed (status shows it only
            # while the head node is stopped).
            with aws_errors("ec2:DeleteTags", spec.region):
                client.delete_tags(Resources=to_start, Tags=[{"Key": STOPPED_BY_TAG}])
    return StopResult(groups=groups, head_instance_ids=to_start)


# -- snapshots before destroy -----------------------------------------------------------------------------

@dataclass(frozen=True)
class VolumeSnapshot:
    snapshot_id: str
    volume_id: str
    mount_dir: str | None
    state: str


def snapshot_candidates(status: ClusterStatus) -> list[VolumeStatus]:
    """The volumes a destroy offers to snapshot first: the shared volumes clusterwiz created, which the storage
    module names <cluster>:<mount dir>. Not the root volumes (they hold the OS, which a new apply installs
    afresh) nor the user's own volumes (destroy detaches and keeps them)."""
    prefix = f"{status.name}:"
    return [volume for volume in status.volumes if not volume.existing and (volume.name or "").startswith(prefix)]


def snapshot_offer(status: ClusterStatus) -> list[str]:
    """The snapshot candidates as a destroy dialog names them: mount dir and size."""
    prefix = f"{status.name}:"
    return [f"{(volume.name or '').removeprefix(prefix)} ({volume.size_gib} GiB)"
            for volume in snapshot_candidates(status)]


def snapshot_created_volumes(session: Any, spec: ClusterSpec, volumes: list[VolumeStatus], wait: bool = True,
                             on_snapshot: Callable[[VolumeSnapshot], None] | None = None) -> list[VolumeSnapshot]:
    """Snapshot the given snapshot_candidates; a volume the spec names as the user's own is never touched.
    Tagged clusterwiz:snapshot-of=<cluster> and with the spec's own tags, so they are easy to find and survive
    the destroy; waits until they are complete, since the volumes are deleted next."""
    existing = {volume.volume_id for volume in spec.shared_storage if volume.volume_id}
    client = session.client("ec2", spec.region)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    taken = []
    for volume in volumes:
        if volume.volume_id in existing:
            continue
        mount_dir = (volume.name or "").removeprefix(f"{spec.name}:") or None
        label = f"{spec.name} {mount_dir or volume.volume_id}"
        tags = {**spec.tags, "Name": f"{label} (before destroy)", SNAPSHOT_OF_TAG: spec.name}
        if mount_dir:
            tags[MOUNT_DIR_TAG] = mount_dir
        with aws_errors("ec2:CreateSnapshot", spec.region):
            reply = client.create_snapshot(
                VolumeId=volume.volume_id,
                Description=f"clusterwiz: {label}, taken before destroying the cluster, {stamp}",
                TagSpecifications=[{"ResourceType": "snapshot",
                                    "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}])
        snapshot = VolumeSnapshot(snapshot_id=reply["SnapshotId"], volume_id=volume.volume_id, mount_dir=mount_dir,
                                  state=reply.get("State", "pending"))
        taken.append(snapshot)
        if on_snapshot:
            on_snapshot(snapshot)
    if wait and taken:
        waiter = client.get_waiter("snapshot_completed")
        try:
            with aws_errors("ec2:DescribeSnapshots", spec.region):
                waiter.wait(SnapshotIds=[s.snapshot_id for s in taken],
                            WaiterConfig={"Delay": SNAPSHOT_WAIT_DELAY_S, "MaxAttempts": SNAPSHOT_WAIT_ATTEMPTS})
        except WaiterError as error:
            raise AwsError(f"the snapshots {', '.join(s.snapshot_id for s in taken)} did not complete ({error}); "
                           "nothing was destroyed: check them in the EC2 console (Snapshots), then destroy "
                           "again") from error
        taken = [VolumeSnapshot(s.snapshot_id, s.volume_id, s.mount_dir, "completed") for s in taken]
    return taken


def snapshot_before_destroy(session: Any, catalog: Any, spec: ClusterSpec,
                            on_snapshot: Callable[[VolumeSnapshot], None] | None = None) -> list[VolumeSnapshot]:
    """What every destroy with snapshots does first: snapshot the candidates its dialog or --snapshot offered."""
    volumes = snapshot_candidates(cluster_status(session, catalog, spec))
    return snapshot_created_volumes(session, spec, volumes, on_snapshot=on_snapshot)


def cluster_snapshots(session: Any, region: str, cluster: str) -> list[dict]:
    """Snapshots kept from the cluster's volumes (they outlive it)."""
    client = session.client("ec2", region)
    with aws_errors("ec2:DescribeSnapshots", region):
        return [snapshot for page in client.get_paginator("describe_snapshots").paginate(
            OwnerIds=["self"], Filters=[{"Name": f"tag:{SNAPSHOT_OF_TAG}", "Values": [cluster]}])
            for snapshot in page["Snapshots"]]


# -- leftovers --------------------------------------------------------------------------------------------

# Removal order: what holds others goes first (groups launch instances, instances hold volumes and groups...).
REMOVAL_ORDER = ("autoscaling-group", "instance", "network-interface", "elastic-ip", "volume", "launch-template",
                 "security-group", "route-table", "internet-gateway", "subnet", "vpc", "instance-profile", "role",
                 "key-pair")
ACTIONS = {
    "autoscaling-group": "delete the auto scaling group (and its nodes)", "instance": "terminate the instance",
    "network-interface": "delete the network interface", "elastic-ip": "release the address",
    "volume": "detach and delete the volume (its data is lost)", "launch-template": "delete the launch template",
    "security-group": "delete the security group", "route-table": "delete the route table",
    "internet-gateway": "detach and delete the internet gateway", "subnet": "delete the subnet",
    "vpc": "delete the VPC", "instance-profile": "delete the instance profile",
    "role": "delete the IAM role and its policies",
    "key-pair": "delete the key pair clusterwiz made for the cluster",
}


@dataclass(frozen=True)
class Leftover:
    """A resource still tagged with a destroyed cluster, and how clusterwiz would remove it."""

    arn: str
    kind: str  # one of REMOVAL_ORDER, or "other"
    resource_id: str

    @property
    def action(self) -> str:
        return ACTIONS.get(self.kind, "remove it in the AWS console")


@dataclass(frozen=True)
class Removal:
    leftover: Leftover
    removed: bool
    error: str | None = None


def parse_leftover(arn: str) -> Leftover:
    """What kind of resource an ARN (as tagged_resources returns them) names."""
    if ":autoScalingGroup:" in arn:
        return Leftover(arn, "autoscaling-group", arn.rsplit("autoScalingGroupName/", 1)[-1])
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] in ("ec2", "iam"):
        resource_type, _, rest = parts[5].partition("/")
        kind = {"natgateway": "other"}.get(resource_type, resource_type)
        if kind in REMOVAL_ORDER:
            # IAM names may carry a path (role/path/name); EC2 ids never do.
            return Leftover(arn, kind, rest.rsplit("/", 1)[-1])
    return Leftover(arn, "other", arn)


def find_leftovers(session: Any, region: str, cluster: str, managed: frozenset[str] = frozenset()) -> list[Leftover]:
    """Every live resource tagged with the cluster that is not the cluster's own, in the order remove_leftovers
    would remove them. Its own: what its Terraform state holds (`managed`, ClusterRecord.managed_ids) and the
    nodes a group there launched, with their volumes and interfaces."""
    found = [leftover for arn in tagged_resources(session, region, cluster)
             if not {(leftover := parse_leftover(arn)).arn, leftover.resource_id} & managed]
    if managed:
        fleet = _launched_by(session, region, managed, found)
        found = [leftover for leftover in found if leftover.resource_id not in fleet]
    return sorted(found, key=_removal_rank)


def _launched_by(session: Any, region: str, managed: frozenset[str], candidates: list[Leftover]) -> set[str]:
    """The candidates that are nodes of a managed auto scaling group, or volumes and interfaces attached to such a
    node or to a managed instance."""
    client = _ec2(session, region)
    ids = {kind: [c.resource_id for c in candidates if c.kind == kind] for kind in ("instance", "volume",
                                                                                    "network-interface")}
    nodes = set()
    if ids["instance"]:
        with aws_errors("ec2:DescribeInstances", region):
            pages = client.get_paginator("describe_instances").paginate(
                Filters=[{"Name": "instance-id", "Values": ids["instance"]}])
            nodes = {instance["InstanceId"] for page in pages for reservation in page["Reservations"]
                     for instance in reservation["Instances"] if _group_of(instance) in managed}
    owners = managed | nodes
    held = set()
    if ids["volume"]:
        with aws_errors("ec2:DescribeVolumes", region):
            held |= {volume["VolumeId"] for page in client.get_paginator("describe_volumes").paginate(
                Filters=[{"Name": "volume-id", "Values": ids["volume"]}]) for volume in page["Volumes"]
                if any(attachment.get("InstanceId") in owners for attachment in volume.get("Attachments", []))}
    if ids["network-interface"]:
        with aws_errors("ec2:DescribeNetworkInterfaces", region):
            held |= {interface["NetworkInterfaceId"] for interface in client.describe_network_interfaces(
                Filters=[{"Name": "network-interface-id", "Values": ids["network-interface"]}])["NetworkInterfaces"]
                if interface.get("Attachment", {}).get("InstanceId") in owners}
    return nodes | held


def _group_of(instance: dict) -> str | None:
    return next((tag["Value"] for tag in instance.get("Tags", []) if tag["Key"] == GROUP_NAME_TAG), None)


def cluster_leftovers(workspace: Workspace, name: str) -> list[Leftover]:
    """What is tagged with a registered cluster but is not its own (find_leftovers)."""
    record = workspace.registry.get(name)
    return find_leftovers(workspace.session, record.spec.region, name, record.managed_ids())


def remove_cluster_leftovers(workspace: Workspace, name: str, confirm: Callable[[list[Leftover]], None],
                             on_removal: Callable[[Removal], None] | None = None) -> list[Removal]:
    """Remove a registered cluster's leftovers, found and removed under its lock: an apply meanwhile would make
    resources that are not in its state yet. `confirm` sees what was found and raises to remove nothing."""
    record = workspace.registry.get(name)
    with _changing(workspace, record):
        found = cluster_leftovers(workspace, name)
        if found:
            confirm(found)
        return remove_leftovers(workspace.session, record.spec.region, name, found, on_removal=on_removal)


def _removal_rank(leftover: Leftover) -> tuple[int, str]:
    rank = REMOVAL_ORDER.index(leftover.kind) if leftover.kind in REMOVAL_ORDER else len(REMOVAL_ORDER)
    return rank, leftover.resource_id


def remove_leftover(session: Any, region: str, cluster: str, leftover: Leftover) -> None:
    """Remove one leftover; raises ClusterwizError (with the ARN, for the console) when AWS refuses."""
    remover = _REMOVERS.get(leftover.kind)
    if remover is None:
        raise ClusterwizError(f"clusterwiz cannot remove {leftover.arn}; delete it in the AWS console, or remove "
                              f"its {CLUSTER_TAG} tag if it should stay")
    try:
        remover(session, region, cluster, leftover.resource_id)
    except (BotoCoreError, ClientError, WaiterError) as error:
        if isinstance(error, ClientError) and _already_gone(error):
            return
        raise AwsError(f"could not {leftover.action} {leftover.resource_id} ({error}); remove it in the AWS "
                       f"console ({leftover.arn}) and check again") from error


def _already_gone(error: ClientError) -> bool:
    """AWS says the resource does not exist (InvalidVolume.NotFound, IAM's NoSuchEntity...): removed already, by
    whatever removed what held it (a root volume goes with its instance)."""
    code = error.response.get("Error", {}).get("Code", "")
    return code.endswith(".NotFound") or code == "NoSuchEntity"


def remove_leftovers(session: Any, region: str, cluster: str, leftovers: list[Leftover] | None = None,
                     on_removal: Callable[[Removal], None] | None = None) -> list[Removal]:
    """Remove the given leftovers (all of the cluster's, by default) in dependency order; one failure does
    not stop the rest. Returns what happened to each."""
    chosen = sorted(leftovers if leftovers is not None else find_leftovers(session, region, cluster),
                    key=_removal_rank)
    results = []
    groups_released = False
    for leftover in chosen:
        if leftover.kind == "security-group" and not groups_released:
            _drop_group_rules(session, region, [g.resource_id for g in chosen if g.kind == "security-group"])
            groups_released = True
        try:
            remove_leftover(session, region, cluster, leftover)
            result = Removal(leftover, removed=True)
        except ClusterwizError as error:
            result = Removal(leftover, removed=False, error=str(error))
        results.append(result)
        if on_removal:
            on_removal(result)
    return results


def _ec2(session: Any, region: str) -> Any:
    return session.client("ec2", region)


def _remove_key_pair(session: Any, region: str, _cluster: str, key_pair_id: str) -> None:
    client = _ec2(session, region)
    # moto ignores KeyPairIds (it lists every pair) and deletes by name only; AWS does both.
    pairs = client.describe_key_pairs(KeyPairIds=[key_pair_id])["KeyPairs"]
    client.delete_key_pair(KeyName=next(pair["KeyName"] for pair in pairs if pair["KeyPairId"] == key_pair_id))


def _remove_group(session: Any, region: str, _cluster: str, name: str) -> None:
    session.client("autoscaling", region).delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)


def _remove_instance(session: Any, region: str, _cluster: str, instance_id: str) -> None:
    client = _ec2(session, region)
    client.terminate_instances(InstanceIds=[instance_id])
    # Its volumes, interfaces and security groups are only free once it is gone.
    client.get_waiter("instance_terminated").wait(
        InstanceIds=[instance_id], WaiterConfig={"Delay": WAIT_DELAY_S, "MaxAttempts": INSTANCE_WAIT_ATTEMPTS})


def _remove_volume(session: Any, region: str, _cluster: str, volume_id: str) -> None:
    client = _ec2(session, region)
    volume = client.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    if volume.get("Attachments"):
        client.detach_volume(VolumeId=volume_id, Force=True)
        client.get_waiter("volume_available").wait(
            VolumeIds=[volume_id], WaiterConfig={"Delay": WAIT_DELAY_S, "MaxAttempts": INSTANCE_WAIT_ATTEMPTS})
    client.delete_volume(VolumeId=volume_id)


def _drop_group_rules(session: Any, region: str, group_ids: list[str]) -> None:
    """Revoke every rule of the groups first: groups that reference each other (head <-> intra) cannot be
    deleted while the other still refers to them. A failure here shows up as the group's failed delete."""
    client = _ec2(session, region)
    for group_id in group_ids:
        with contextlib.suppress(BotoCoreError, ClientError):
            group = client.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
            if group["GroupName"] == "default":
                continue
            if group.get("IpPermissions"):
                client.revoke_security_group_ingress(GroupId=group_id, IpPermissions=group["IpPermissions"])
            if group.get("IpPermissionsEgress"):
                client.revoke_security_group_egress(GroupId=group_id, IpPermissions=group["IpPermissionsEgress"])


def _remove_security_group(session: Any, region: str, cluster: str, group_id: str) -> None:
    client = _ec2(session, region)
    group = client.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    if group["GroupName"] == "default":
        # A VPC's default group cannot be deleted; it goes with its VPC (or stays with a VPC the user owns).
        client.delete_tags(Resources=[group_id], Tags=[{"Key": CLUSTER_TAG, "Value": cluster}])
        return
    client.delete_security_group(GroupId=group_id)


def _remove_route_table(session: Any, region: str, cluster: str, table_id: str) -> None:
    client = _ec2(session, region)
    table = client.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    if any(association.get("Main") for association in table.get("Associations", [])):
        client.delete_tags(Resources=[table_id], Tags=[{"Key": CLUSTER_TAG, "Value": cluster}])
        return  # the main table goes with its VPC
    for association in table.get("Associations", []):
        client.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    client.delete_route_table(RouteTableId=table_id)


def _remove_internet_gateway(session: Any, region: str, _cluster: str, gateway_id: str) -> None:
    client = _ec2(session, region)
    gateway = client.describe_internet_gateways(InternetGatewayIds=[gateway_id])["InternetGateways"][0]
    for attachment in gateway.get("Attachments", []):
        client.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=attachment["VpcId"])
    client.delete_internet_gateway(InternetGatewayId=gateway_id)


def _remove_instance_profile(session: Any, _region: str, _cluster: str, name: str) -> None:
    client = session.client("iam")
    profile = client.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    for role in profile.get("Roles", []):
        client.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    client.delete_instance_profile(InstanceProfileName=name)


def _remove_role(session: Any, _region: str, _cluster: str, name: str) -> None:
    client = session.client("iam")
    for profile in client.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
        client.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=name)
    for policy in client.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        client.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in client.list_role_policies(RoleName=name)["PolicyNames"]:
        client.delete_role_policy(RoleName=name, PolicyName=policy_name)
    client.delete_role(RoleName=name)


_REMOVERS: dict[str, Callable[[Any, str, str, str], None]] = {
    "autoscaling-group": _remove_group,
    "instance": _remove_instance,
    "network-interface": lambda s, r, _c, i: _ec2(s, r).delete_network_interface(NetworkInterfaceId=i),
    "elastic-ip": lambda s, r, _c, i: _ec2(s, r).release_address(AllocationId=i),
    "volume": _remove_volume,
    "launch-template": lambda s, r, _c, i: _ec2(s, r).delete_launch_template(LaunchTemplateId=i),
    "security-group": _remove_security_group,
    "route-table": _remove_route_table,
    "internet-gateway": _remove_internet_gateway,
    "subnet": lambda s, r, _c, i: _ec2(s, r).delete_subnet(SubnetId=i),
    "vpc": lambda s, r, _c, i: _ec2(s, r).delete_vpc(VpcId=i),
    "instance-profile": _remove_instance_profile,
    "role": _remove_role,
    "key-pair": _remove_key_pair,
}
