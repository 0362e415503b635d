"""What a cluster costs, by one rule for the estimate before it exists and for its live status after.

An instance bills its on-demand price while it runs and its public IPv4 address while it holds one; a volume bills
its GiB-month price by the hour whether its instance runs or not. Every node clusterwiz launches (head and compute)
gets one auto-assigned public IPv4 address and a gp3 root volume (modules head_node and compute_fleet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clusterwiz.core.aws.pricing import load_snapshot
from clusterwiz.core.spec import ClusterSpec, SharedVolume

if TYPE_CHECKING:
    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.aws.records import Price

HOURS_PER_MONTH = 730  # AWS prices EBS per GiB-month of 730 hours
# Since 2024-02-01 AWS bills every public IPv4 address, in use or idle, at $0.005 an hour, the same in every
# commercial region: AWS News Blog, "New – AWS Public IPv4 Address Charge + Public IP Insights" (2023-07-28), and
# the Public IPv4 Address tab of aws.amazon.com/vpc/pricing. EC2 releases an auto-assigned address when its
# instance stops; an Elastic IP stays, and bills, until it is released.
PUBLIC_IPV4_USD_PER_HOUR = 0.005
ROOT_VOLUME_TYPE = "gp3"  # the head node's and every compute node's root volume
COMPUTE_ROOT_VOLUME_GIB = 40  # compute_fleet's root_volume_gib default; the cluster module passes no other


@dataclass(frozen=True)
class CostEstimate:
    # Each $/h counts the running nodes' public IPv4 addresses and root volumes, and the shared volumes.
    per_hour_now: float  # head node + the nodes started at create
    per_hour_at_max: float  # head node + every queue at max_nodes, on its dearest type
    per_hour_stopped: float  # everything stopped (`clusterwiz stop --all`): the volumes that stay still bill
    storage_per_month: float  # the volumes that stay: head root + new shared ones (existing ones are billed already)
    is_estimate: bool  # some price came from the bundled snapshot, not the Pricing API
    as_of: str  # date of the oldest price used
    unpriced: tuple[str, ...] = ()  # items left out of the totals: no price known for them
    notes: tuple[str, ...] = ()


def volume_per_hour(usd_per_month: float | None) -> float:
    """A volume's bill per hour (0 when its price is unknown)."""
    return (usd_per_month or 0.0) / HOURS_PER_MONTH


def estimate(spec: ClusterSpec, catalog: Catalog) -> CostEstimate:
    region = spec.region
    prices = catalog.prices(region, spec.instance_types)
    used: list[Price] = list(prices.values())
    unpriced = [name for name, price in prices.items() if price.usd is None]
    notes = []
    if any(queue.capacity == "spot" for queue in spec.queues):
        notes.append("spot queues are priced at the on-demand rate, an upper bound: spot usually costs less")

    root_price = catalog.ebs_price_per_gb_month(region, ROOT_VOLUME_TYPE)
    used.append(root_price)
    storage = spec.head_node.root_volume_gib * (root_price.usd or 0.0)
    performance = 0.0
    for volume in spec.shared_storage:
        if volume.volume_id:
            notes.append(f"{volume.mount_dir}: existing volume {volume.volume_id} is billed already, not counted")
            continue
        price = catalog.ebs_price_per_gb_month(region, volume.volume_type)
        used.append(price)
        if price.usd is None:
            unpriced.append(f"{volume.volume_type} volume {volume.mount_dir}")
            continue
        storage += _size_gib(volume, catalog, region) * price.usd
        performance += _performance_per_month(volume, region)
    stays = volume_per_hour(storage + performance)

    def running(instance_type: str) -> float:
        return (prices[instance_type].usd or 0.0) + PUBLIC_IPV4_USD_PER_HOUR

    def node(instance_type: str) -> float:
        return running(instance_type) + volume_per_hour(COMPUTE_ROOT_VOLUME_GIB * (root_price.usd or 0.0))

    head = running(spec.head_node.instance_type) + stays
    now = head + sum(queue.initial_nodes * node(queue.instance_types[0]) for queue in spec.queues)
    at_max = head + sum(queue.max_nodes * max(node(t) for t in queue.instance_types) for queue in spec.queues)
    return CostEstimate(
        per_hour_now=round(now, 4), per_hour_at_max=round(at_max, 4), per_hour_stopped=round(stays, 4),
        storage_per_month=round(storage + performance, 2),
        is_estimate=performance > 0 or any(price.is_estimate for price in used),
        as_of=min(price.as_of for price in used),
        unpriced=tuple(unpriced), notes=tuple(notes),
    )


def _size_gib(volume: SharedVolume, catalog: Catalog, region: str) -> int:
    if volume.size_gib is not None:
        return volume.size_gib
    snapshot = catalog.snapshot(region, volume.snapshot_id) if volume.snapshot_id else None
    return snapshot.size_gib if snapshot else 0


def _performance_per_month(volume: SharedVolume, region: str) -> float:
    """Provisioned IOPS and throughput beyond what the volume type includes (snapshot rates: an estimate)."""
    snapshot = load_snapshot()
    factor = snapshot.factor(region) or 1.0
    cost = 0.0
    if volume.iops is not None and volume.volume_type in snapshot.provisioned_iops_usd_per_month:
        extra = max(0, volume.iops - snapshot.free_iops.get(volume.volume_type, 0))
        cost += extra * snapshot.provisioned_iops_usd_per_month[volume.volume_type] * factor
    if volume.throughput is not None and volume.volume_type in snapshot.throughput_usd_per_mibps_month:
        extra = max(0, volume.throughput - snapshot.free_throughput_mibps.get(volume.volume_type, 0))
        cost += extra * snapshot.throughput_usd_per_mibps_month[volume.volume_type] * factor
    return cost


def agent_prices(spec: ClusterSpec, catalog: Catalog) -> dict[str, dict[str, float]]:
    """The prices the head node's agent counts the cluster's spend with (node/budget.py), fixed at render: $/h of
    each instance type with its public IPv4 address, $/GiB-month of each volume type (its volumes are described,
    root volumes included). A type without a known price is left out, and counts nothing."""
    instances = {name: round(price.usd + PUBLIC_IPV4_USD_PER_HOUR, 6)
                 for name, price in catalog.prices(spec.region, spec.instance_types).items() if price.usd is not None}
    volume_types = sorted({ROOT_VOLUME_TYPE, *(volume.volume_type for volume in spec.shared_storage)})
    volumes = {name: price.usd for name in volume_types
               if (price := catalog.ebs_price_per_gb_month(spec.region, name)).usd is not None}
    return {"instance": instances, "volume": volumes}
