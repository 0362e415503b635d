"""On-demand prices: the AWS Pricing API when it answers, else the bundled dated snapshot (an estimate)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SNAPSHOT_FILE = "prices-2026-11.json"


def _term_filters(**fields: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": name, "Value": value} for name, value in fields.items()]


def instance_price_filters(region: str, instance_type: str) -> list[dict[str, str]]:
    """The one product that is a shared-tenancy Linux on-demand instance without licensed software."""
    return _term_filters(instanceType=instance_type, regionCode=region, operatingSystem="Linux",
                         tenancy="Shared", preInstalledSw="NA", capacitystatus="Used",
                         licenseModel="No License required")


def volume_price_filters(region: str, volume_type: str) -> list[dict[str, str]]:
    return _term_filters(productFamily="Storage", regionCode=region, volumeApiName=volume_type)


def on_demand_usd(price_list: list[str]) -> float | None:
    """The USD unit price of the first on-demand offer in a GetProducts PriceList (JSON strings)."""
    for document in price_list:
        product = json.loads(document)
        for term in product.get("terms", {}).get("OnDemand", {}).values():
            for dimension in term.get("priceDimensions", {}).values():
                usd = dimension.get("pricePerUnit", {}).get("USD")
                if usd is not None:
                    return float(usd)
    return None


@dataclass(frozen=True)
class PriceSnapshot:
    """Prices copied from the AWS price list on `as_of`; other regions are us-east-1 times a region factor."""

    as_of: str
    base_region: str
    region_factors: dict[str, float]
    instance_usd_per_hour: dict[str, float]
    volume_usd_per_gb_month: dict[str, float]
    provisioned_iops_usd_per_month: dict[str, float]
    free_iops: dict[str, int]
    throughput_usd_per_mibps_month: dict[str, float]
    free_throughput_mibps: dict[str, int]

    def factor(self, region: str) -> float | None:
        return self.region_factors.get(region)

    def instance(self, region: str, instance_type: str) -> float | None:
        base, factor = self.instance_usd_per_hour.get(instance_type), self.factor(region)
        return None if base is None or factor is None else round(base * factor, 5)

    def volume(self, region: str, volume_type: str) -> float | None:
        base, factor = self.volume_usd_per_gb_month.get(volume_type), self.factor(region)
        return None if base is None or factor is None else round(base * factor, 5)


@cache
def load_snapshot() -> PriceSnapshot:
    data: dict[str, Any] = json.loads(
        resources.files("clusterwiz.core.aws").joinpath("data", SNAPSHOT_FILE).read_text(encoding="utf-8"))
    return PriceSnapshot(
        as_of=data["as_of"], base_region=data["base_region"], region_factors=data["region_factors"],
        instance_usd_per_hour=data["instance_usd_per_hour"], volume_usd_per_gb_month=data["volume_usd_per_gb_month"],
        provisioned_iops_usd_per_month=data["provisioned_iops_usd_per_month"], free_iops=data["free_iops"],
        throughput_usd_per_mibps_month=data["throughput_usd_per_mibps_month"],
        free_throughput_mibps=data["free_throughput_mibps"],
    )
