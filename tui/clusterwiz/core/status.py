"""A cluster as it is in AWS right now, found by its tags: instances, queue groups, volumes, and what it costs.

Everything here is read live (nothing from Terraform's state), so it stays true after the scaler, a stop/start
or a manual change in the console. The dashboard and `clusterwiz status` show the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from clusterwiz.core.aws.errors import aws_errors
from clusterwiz.core.budget import budget_warning, spend_figure
from clusterwiz.core.cost import PUBLIC_IPV4_USD_PER_HOUR, volume_per_hour
from clusterwiz.core.registry import ClusterRecord
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.suggest import cli
from clusterwiz.node.budget import SPEND_TAG
from clusterwiz.node.idle import STOP_FAILED, STOPPED_BY_TAG

CLUSTER_TAG = "clusterwiz:cluster"
ROLE_TAG = "clusterwiz:role"
QUEUE_TAG = "clusterwiz:queue"
BOOTSTRAP_TAG = "clusterwiz:bootstrap"
BOOTSTRAP_LOG_TAG = "clusterwiz:bootstrap-log"  # the failed bootstrap's last log lines (node/instance.py)
BOOTSTRAP_LOG = "/var/log/clusterwiz-bootstrap.log"
FAILED_PREFIX = "failed:"
# What most often makes a step fail, and what to do about it.
STEP_HINTS = {
    "packages": "the node could not install its packages: its subnet needs a route to the internet (an internet "
                "gateway for a public address, or a NAT gateway), and a package mirror must answer",
    "mounts": "the node could not mount the head node's shares: check that the head node is ready and that the "
              "cluster's security group lets the nodes reach it",
    "volumes": "a shared volume did not appear or could not be mounted: it must be in the head node's zone and hold "
               "a file system on the whole disk (or be blank)",
    "slurmd": "slurmd did not start: the head node's slurmctld must be running (`{sinfo}`)",
}
# Terminated instances keep their tags for an hour but cost nothing; shutting-down ones are on their way out.
GONE_INSTANCE_STATES = ("terminated", "shutting-down")
# Instances in these states bill compute by the second.
BILLED_INSTANCE_STATES = frozenset({"pending", "running"})
PRICE_DIGITS = 6  # prices have 5 decimals ($0.10098/h); rounding only trims float noise


def group_name(cluster: str, queue: str) -> str:
    """The auto scaling group of a queue (the contract with the modules and the node agent)."""
    return f"{cluster}-{queue}"


@dataclass(frozen=True)
class InstanceStatus:
    instance_id: str
    role: str  # head | compute
    queue: str | None
    instance_type: str
    state: str  # pending | running | stopping | stopped
    availability_zone: str
    lifecycle: str  # spot | on-demand
    launch_time: datetime
    bootstrap: str | None  # the node's readiness tag: running:<step> | ready | failed:<step>
    public_ip: str | None
    private_ip: str | None
    usd_per_hour: float | None  # on-demand price of the type; None when no price is known
    bootstrap_log: str | None = None  # the last lines its bootstrap logged, when it failed
    stopped_by: str | None = None  # why the head node stopped itself (idle), while it is stopped
    stop_refused: str | None = None  # why it tried to stop itself and what AWS said, while it still runs

    @property
    def is_billed(self) -> bool:
        return self.state in BILLED_INSTANCE_STATES

    @property
    def per_hour(self) -> float:
        """What it bills now: its type while it runs, its public IPv4 address while it holds one (EC2 shows a
        stopped instance's address only when it is an Elastic IP, which bills on)."""
        return (((self.usd_per_hour or 0.0) if self.is_billed else 0.0)
                + (PUBLIC_IPV4_USD_PER_HOUR if self.public_ip else 0.0))

    @property
    def failed_step(self) -> str | None:
        return self.bootstrap.removeprefix(FAILED_PREFIX) if self.bootstrap and \
            self.bootstrap.startswith(FAILED_PREFIX) else None


@dataclass(frozen=True)
class GroupStatus:
    queue: str
    name: str
    exists: bool
    min_size: int = 0
    desired: int = 0
    max_size: int = 0
    in_service: int = 0


@dataclass(frozen=True)
class VolumeStatus:
    volume_id: str
    name: str | None
    size_gib: int
    volume_type: str
    state: str  # creating | available | in-use | ...
    attached_to: str | None
    created: datetime
    existing: bool  # the user's own volume: attached by clusterwiz, billed to them anyway, never deleted
    usd_per_month: float | None

    @property
    def attached(self) -> bool:
        return self.attached_to is not None

    @property
    def per_hour(self) -> float:
        return volume_per_hour(self.usd_per_month)


@dataclass(frozen=True)
class ClusterCost:
    head_node_per_hour: float  # the head node, while it runs
    compute_nodes_per_hour: float  # the queues' nodes running now
    public_ipv4_per_hour: float  # the instances' public IPv4 addresses
    storage_per_hour: float  # volumes clusterwiz made (existing volumes are billed to the user anyway)
    since_creation: float
    unpriced: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def per_hour(self) -> float:
        return round(self.head_node_per_hour + self.compute_nodes_per_hour + self.public_ipv4_per_hour
                     + self.storage_per_hour, PRICE_DIGITS)

    def describe(self) -> str:
        """The $/hour now and its parts, as the dashboard and `clusterwiz status` both show it."""
        return (f"${self.per_hour:.3f}/hour now (head node ${self.head_node_per_hour:.3f}, compute nodes "
                f"${self.compute_nodes_per_hour:.3f}, public IPv4 "
                f"${self.public_ipv4_per_hour:.3f}, storage ${self.storage_per_hour:.3f}) · "
                f"${self.since_creation:.2f} since creation")


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    region: str
    checked_at: datetime
    instances: list[InstanceStatus]
    groups: list[GroupStatus]
    volumes: list[VolumeStatus]
    cost: ClusterCost
    notes: list[str] = field(default_factory=list)
    # What the cluster spent since its creation, as its head node counted it (its clusterwiz:spend-usd tag, the one
    # figure every front-end shows; None until the head node counted it), and its budget (spec's budget_usd).
    spend_usd: float | None = None
    budget_usd: float | None = None

    @property
    def head(self) -> InstanceStatus | None:
        return next((i for i in self.instances if i.role == "head"), None)

    @property
    def compute(self) -> list[InstanceStatus]:
        return [i for i in self.instances if i.role != "head"]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["cost"]["per_hour"] = self.cost.per_hour
        return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def describe_instances(session: Any, region: str, cluster: str) -> list[dict]:
    """Raw descriptions of the cluster's instances that still exist (not terminated or terminating)."""
    client = session.client("ec2", region)
    filters = [{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster]},
               {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    with aws_errors("ec2:DescribeInstances", region):
        return [instance for page in client.get_paginator("describe_instances").paginate(Filters=filters)
                for reservation in page["Reservations"] for instance in reservation["Instances"]]


def _instance_status(raw: dict, prices: dict[str, float | None]) -> InstanceStatus:
    tags = _tags(raw)
    return InstanceStatus(
        instance_id=raw["InstanceId"], role=tags.get(ROLE_TAG, "compute"), queue=tags.get(QUEUE_TAG),
        instance_type=raw["InstanceType"], state=raw["State"]["Name"],
        availability_zone=raw.get("Placement", {}).get("AvailabilityZone", ""),
        lifecycle="spot" if raw.get("InstanceLifecycle") == "spot" else "on-demand",
        launch_time=raw["LaunchTime"], bootstrap=tags.get(BOOTSTRAP_TAG),
        public_ip=raw.get("PublicIpAddress"), private_ip=raw.get("PrivateIpAddress"),
        usd_per_hour=prices.get(raw["InstanceType"]), bootstrap_log=tags.get(BOOTSTRAP_LOG_TAG),
        # The tag outlives the stop it explains: shown only while the instance is stopped.
        stopped_by=tags.get(STOPPED_BY_TAG) if raw["State"]["Name"] in ("stopping", "stopped") else None,
        stop_refused=(tags.get(STOPPED_BY_TAG, "").removeprefix(STOP_FAILED) or None)
        if tags.get(STOPPED_BY_TAG, "").startswith(STOP_FAILED) and raw["State"]["Name"] == "running" else None,
    )


def describe_groups(session: Any, region: str, spec: ClusterSpec) -> dict[str, dict]:
    """Raw descriptions of the queues' auto scaling groups, by queue name (absent queues are left out)."""
    names = {group_name(spec.name, queue.name): queue.name for queue in spec.queues}
    client = session.client("autoscaling", region)
    with aws_errors("autoscaling:DescribeAutoScalingGroups", region):
        groups = [group for page in client.get_paginator("describe_auto_scaling_groups").paginate(
            AutoScalingGroupNames=sorted(names)) for group in page["AutoScalingGroups"]]
    return {names[group["AutoScalingGroupName"]]: group for group in groups}


def _group_status(queue: str, cluster: str, raw: dict | None) -> GroupStatus:
    name = group_name(cluster, queue)
    if raw is None:
        return GroupStatus(queue=queue, name=name, exists=False)
    in_service = sum(1 for instance in raw.get("Instances", []) if instance.get("LifecycleState") == "InService")
    return GroupStatus(queue=queue, name=name, exists=True, min_size=raw["MinSize"], desired=raw["DesiredCapacity"],
                       max_size=raw["MaxSize"], in_service=in_service)


def _describe_volumes(session: Any, region: str, cluster: str, existing_ids: Iterable[str] = ()) -> list[dict]:
    """The cluster's tagged volumes, and the user's own volumes it attached (existing_ids)."""
    client = session.client("ec2", region)
    tagged_filter = [{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster]}]
    existing_ids = sorted(existing_ids)
    with aws_errors("ec2:DescribeVolumes", region):
        found = [volume for page in client.get_paginator("describe_volumes").paginate(Filters=tagged_filter)
                 for volume in page["Volumes"]]
        if existing_ids:
            # Existing volumes carry the user's tags, not ours; a deleted one is simply not shown.
            attached = [{"Name": "volume-id", "Values": existing_ids}]
            found += [volume for page in client.get_paginator("describe_volumes").paginate(Filters=attached)
                      for volume in page["Volumes"]]
    return found


def _volume_status(raw: dict, existing_ids: set[str], prices: dict[str, float | None]) -> VolumeStatus:
    attachments = [a for a in raw.get("Attachments", []) if a.get("State") in ("attaching", "attached")]
    per_gib = prices.get(raw.get("VolumeType", "standard"))
    size = int(raw["Size"])
    return VolumeStatus(
        volume_id=raw["VolumeId"], name=_tags(raw).get("Name"), size_gib=size,
        volume_type=raw.get("VolumeType", "standard"), state=raw["State"],
        attached_to=attachments[0]["InstanceId"] if attachments else None, created=raw["CreateTime"],
        existing=raw["VolumeId"] in existing_ids,
        usd_per_month=None if per_gib is None else round(size * per_gib, PRICE_DIGITS),
    )


def _instance_prices(catalog: Any, region: str, types: Iterable[str]) -> dict[str, float | None]:
    return {name: price.usd for name, price in catalog.prices(region, types).items()}


def _volume_prices(catalog: Any, region: str, types: Iterable[str]) -> dict[str, float | None]:
    return {name: catalog.ebs_price_per_gb_month(region, name).usd for name in set(types)}


def _hours_between(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600)


def cluster_cost(instances: list[InstanceStatus], volumes: list[VolumeStatus], now: datetime) -> ClusterCost:
    """$/hour of what bills now (running instances, public IPv4 addresses, volumes), and an estimate of the spend
    since creation from what exists now."""
    billed = [i for i in instances if i.is_billed]
    head = sum(i.usd_per_hour or 0.0 for i in billed if i.role == "head")
    compute = sum(i.usd_per_hour or 0.0 for i in billed if i.role != "head")
    addresses = sum(PUBLIC_IPV4_USD_PER_HOUR for i in instances if i.public_ip)
    own_volumes = [v for v in volumes if not v.existing]
    storage = sum(v.per_hour for v in own_volumes)
    since = sum(i.per_hour * _hours_between(i.launch_time, now) for i in billed)
    since += sum(v.per_hour * _hours_between(v.created, now) for v in own_volumes)
    unpriced = sorted({i.instance_type for i in billed if i.usd_per_hour is None}
                      | {f"{v.volume_type} volume" for v in own_volumes if v.usd_per_month is None})
    notes = ["since creation counts the instances and volumes that exist now, from their launch; nodes "
             "that already scaled away are not counted"]
    if any(i.lifecycle == "spot" for i in billed):
        notes.append("spot nodes are priced at the on-demand rate, an upper bound: spot usually costs less")
    return ClusterCost(head_node_per_hour=round(head, PRICE_DIGITS),
                       compute_nodes_per_hour=round(compute, PRICE_DIGITS),
                       public_ipv4_per_hour=round(addresses, PRICE_DIGITS),
                       storage_per_hour=round(storage, PRICE_DIGITS), since_creation=round(since, PRICE_DIGITS),
                       unpriced=tuple(unpriced), notes=tuple(notes))


def bootstrap_failure(instance: InstanceStatus, cluster: str, *, sandbox: bool) -> str | None:
    """What a failed bootstrap says, in words: which node, which step, its log's last lines and what to do."""
    step = instance.failed_step
    if step is None:
        return None
    node = "the head node" if instance.role == "head" else f"compute node {instance.instance_id} (queue " \
                                                            f"{instance.queue})"
    said = f": {instance.bootstrap_log}" if instance.bootstrap_log else ""
    hint = STEP_HINTS.get(step, "see the node's log").format(sinfo=cli("ssh", cluster, "--", "sinfo", sandbox=sandbox))
    if instance.role == "head":
        log = cli("ssh", cluster, "--", "sudo", "tail", "-n", "50", BOOTSTRAP_LOG, sandbox=sandbox)
        destroy = cli("destroy", cluster, sandbox=sandbox)
        then = (f"See its whole log with `{log}`; once the cause is fixed, `{destroy}` and apply again (the head node "
                "keeps billing until then)")
    else:
        then = "The scaler on the head node replaces it, and stops doing so once no job waits for the queue"
    return f"{node} failed its bootstrap at step {step}{said}. Likely cause: {hint}. {then}."


def stopped_itself(instance: InstanceStatus, cluster: str, *, sandbox: bool) -> str | None:
    """Why the head node stopped the cluster on its own, and how to bring it back."""
    if instance.role != "head" or instance.stopped_by is None:
        return None
    return (f"the cluster stopped itself ({instance.stopped_by}): only its volumes bill; "
            f"`{cli('start', cluster, sandbox=sandbox)}` brings it back as it was")


def stop_refused(instance: InstanceStatus, cluster: str, *, sandbox: bool) -> str | None:
    """The head node tried to stop the cluster and AWS refused its own stop: it bills on until someone acts."""
    if instance.role != "head" or instance.stop_refused is None:
        return None
    return (f"the head node tried to stop itself and could not ({instance.stop_refused}): its instance role may "
            f"lack ec2:StopInstances on itself, so it keeps billing; stop it with "
            f"`{cli('stop', cluster, '--all', sandbox=sandbox)}`")


def _priced(catalog: Any, region: str, raw_instances: list[dict], raw_volumes: list[dict],
            existing_ids: set[str]) -> tuple[list[InstanceStatus], list[VolumeStatus]]:
    """The instances and volumes found, each with its price from the catalog, in the order status shows them."""
    instance_prices = _instance_prices(catalog, region, {raw["InstanceType"] for raw in raw_instances})
    volume_prices = _volume_prices(catalog, region, {raw.get("VolumeType", "standard") for raw in raw_volumes})
    instances = sorted((_instance_status(raw, instance_prices) for raw in raw_instances),
                       key=lambda i: (i.role != "head", i.queue or "", i.launch_time, i.instance_id))
    volumes = sorted({raw["VolumeId"]: _volume_status(raw, existing_ids, volume_prices)
                      for raw in raw_volumes}.values(), key=lambda v: (v.existing, v.name or "", v.volume_id))
    return instances, volumes


def tagged_cost(session: Any, catalog: Any, region: str, cluster: str, now: datetime | None = None) -> ClusterCost:
    """What the resources tagged with the cluster bill now, by cluster_cost's rule, with no spec to go by: a cluster
    another machine made (clusterwiz sweep). The user's own volumes it attached carry no clusterwiz tag, so they are
    left out, as cluster_status leaves them out of the cost."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        raw_instances = pool.submit(describe_instances, session, region, cluster)
        raw_volumes = pool.submit(_describe_volumes, session, region, cluster)
        instances, volumes = _priced(catalog, region, raw_instances.result(), raw_volumes.result(), set())
    return cluster_cost(instances, volumes, now or datetime.now(UTC))


def cluster_status(session: Any, catalog: Any, spec: ClusterSpec, now: datetime | None = None, *,
                   sandbox: bool = False) -> ClusterStatus:
    """Look the cluster up in AWS (instances, groups, volumes at once) and price it with the catalog's prices; its
    notes suggest commands for the sandbox when `sandbox`."""
    region = spec.region
    existing_ids = {volume.volume_id for volume in spec.shared_storage if volume.volume_id}
    with ThreadPoolExecutor(max_workers=3) as pool:
        raw_instances = pool.submit(describe_instances, session, region, spec.name)
        raw_groups = pool.submit(describe_groups, session, region, spec)
        raw_volumes = pool.submit(_describe_volumes, session, region, spec.name, existing_ids)
        instances_found, groups_found, volumes_found = raw_instances.result(), raw_groups.result(), raw_volumes.result()
    instances, volumes = _priced(catalog, region, instances_found, volumes_found, existing_ids)
    groups = [_group_status(queue.name, spec.name, groups_found.get(queue.name)) for queue in spec.queues]
    moment = now or datetime.now(UTC)
    notes = [f"queue {g.queue}: its group {g.name} does not exist" for g in groups if not g.exists]
    notes += [note for note in (bootstrap_failure(i, spec.name, sandbox=sandbox) for i in instances) if note]
    notes += [note for note in (stopped_itself(i, spec.name, sandbox=sandbox) for i in instances) if note]
    notes += [note for note in (stop_refused(i, spec.name, sandbox=sandbox) for i in instances) if note]
    spend_usd = head_spend(instances_found)
    notes += [note for note in [budget_warning(spec.name, spend_usd, spec.budget_usd, sandbox=sandbox)] if note]
    return ClusterStatus(name=spec.name, region=region, checked_at=moment, instances=instances, groups=groups,
                         volumes=volumes, cost=cluster_cost(instances, volumes, moment), notes=notes,
                         spend_usd=spend_usd, budget_usd=spec.budget_usd)


def head_spend(raw_instances: list[dict]) -> float | None:
    """The spend the head node's agent last put on its tag (it outlives a stop: the head counts on once started)."""
    for raw in raw_instances:
        tags = _tags(raw)
        if tags.get(ROLE_TAG) == "head" and SPEND_TAG in tags:
            try:
                return float(tags[SPEND_TAG])
            except ValueError:
                return None
    return None


RAN_STATUSES = ("applied", "failed", "cancelled")  # an apply ran: all, part or none of the cluster exists


def may_bill(record: ClusterRecord) -> bool:
    """Whether anything of the cluster can exist in AWS: an apply ran (a failed or cancelled one may have created
    part of it), or its Terraform state holds resources. Only a live look (cluster_status) says what bills."""
    return record.metadata.status in RAN_STATUSES or record.managed_resources() > 0


def per_hour_cell(cost: ClusterCost | None) -> str:
    """A cluster's $/h in a table; None: nothing of it exists (not may_bill), so nothing bills."""
    return "0.000" if cost is None else f"{cost.per_hour:.3f}"


def state_label(record: ClusterRecord, stopped_by: str | None = None) -> str:
    """The cluster's state in words, for every list and the start-up reminder: a failed or cancelled run says that
    part of it exists; a cluster whose head node stopped it (`stopped_by`, its tag at a live look) says so, and why
    in a word (the tag's first)."""
    if stopped_by:
        return f"stopped itself ({stopped_by.split(':', 1)[0]})"
    status = record.metadata.status
    resources = record.managed_resources() if status in ("failed", "cancelled") else 0
    if not resources:
        return status
    if record.metadata.applied is None:
        return f"{status}, partly created"
    return f"{status}, {resources} resources exist"


def head_address(session: Any, spec: ClusterSpec) -> str | None:
    """The running head node's public address (it changes at every stop/start); None when it has none."""
    for raw in describe_instances(session, spec.region, spec.name):
        if _tags(raw).get(ROLE_TAG) == "head" and raw["State"]["Name"] == "running":
            return raw.get("PublicIpAddress") or raw.get("PublicDnsName") or None
    return None


@dataclass(frozen=True)
class ListedCluster:
    """What a list of clusters (home, teardown menu, `clusterwiz list`) shows of one it looked up live."""

    per_hour: str
    state: str
    stopped: str | None  # why it stopped itself and how to start it, if it did


def listed(record: ClusterRecord, status: ClusterStatus, *, sandbox: bool) -> ListedCluster:
    head = status.head
    stopped = stopped_itself(head, record.name, sandbox=sandbox) if head else None
    state = state_label(record, head.stopped_by if head else None)
    spent = spend_figure(status.spend_usd, status.budget_usd)
    return ListedCluster(per_hour_cell(status.cost), f"{state}, spent {spent}" if spent else state, stopped)
