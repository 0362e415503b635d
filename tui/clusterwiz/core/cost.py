"""What a cluster costs: $/hour at create and at full size, and storage $/month, from catalog prices."""

from __future__ import annotations

from dataclasses import dataclass

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.pricing import load_snapshot
from clusterwiz.core.aws.records import Price
from clusterwiz.core.spec import ClusterSpec, SharedVolume

HEAD_ROOT_VOLUME_TYPE = "gp3"


@dataclass(frozen=True)
class CostEstimate:
    per_hour_now: float  # head node + the nodes started at create
    per_hour_at_max: float  # head node + every queue at max_nodes, on its dearest type
    storage_per_month: float  # head root volume + new shared volumes (existing ones are billed already)
    is_estimate: bool  # some price came from the bundled snapshot, not the Pricing API
    as_of: str  # date of the oldest price used
    unpriced: tuple[str, ...] = ()  # items left out of the totals: no price known for them
    notes: tuple[str, ...] = ()


def estimate(spec: ClusterSpec, catalog: Catalog) -> CostEstimate:
    region = spec.region
    prices = catalog.prices(region, spec.instance_types)
    used: list[Price] = list(prices.values())
    unpriced = [name for name, price in prices.items() if price.usd is None]

    def hourly(instance_type: str) -> float:
        return prices[instance_type].usd or 0.0

    head = hourly(spec.head_node.instance_type)
    now = head + sum(queue.initial_nodes * hourly(queue.instance_types[0]) for queue in spec.queues)
    at_max = head + sum(queue.max_nodes * max(hourly(t) for t in queue.instance_types) for queue in spec.queues)
    notes = []
    if any(queue.capacity == "spot" for queue in spec.queues):
        notes.append("spot queues are priced at the on-demand rate, an upper bound: spot usually costs less")

    root_price = catalog.ebs_price_per_gb_month(region, HEAD_ROOT_VOLUME_TYPE)
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

    return CostEstimate(
        per_hour_now=round(now, 4), per_hour_at_max=round(at_max, 4),
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
