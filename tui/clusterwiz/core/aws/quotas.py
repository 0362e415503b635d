"""EC2 vCPU quotas from Service Quotas: which quota code counts which instance family, on-demand and spot.

The codes and names are those of the Amazon EC2 User Guide: "On-Demand Instance quotas"
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-on-demand-instances.html#ec2-on-demand-instances-limits,
ten quotas) and "Spot Instance quotas" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html,
eight: HPC and High Memory instances are not sold as spot). A family belongs to the quota whose name names its
prefix: Standard is A, C, D, H, I, M, R, T and Z, but dl*, hpc*, inf* and trn* have quotas of their own, so a
family is matched by its longest prefix, never by its first letter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clusterwiz.core.aws.records import VcpuQuotas


@dataclass(frozen=True)
class VcpuQuota:
    code: str
    name: str  # as Service Quotas names it, so that a user finds it in the console


@dataclass(frozen=True)
class QuotaPair:
    on_demand: VcpuQuota
    spot: VcpuQuota | None  # None: AWS sells no spot capacity of these families


def _quotas(label: str, on_demand_code: str, spot_code: str | None) -> QuotaPair:
    """A family's quotas by the label AWS names both with."""
    return QuotaPair(VcpuQuota(on_demand_code, f"Running On-Demand {label} instances"),
                     VcpuQuota(spot_code, f"All {label} Spot Instance Requests") if spot_code else None)


STANDARD = _quotas("Standard (A, C, D, H, I, M, R, T, Z)", "L-1216C47A", "L-34B43A08")
DL = _quotas("DL", "L-6E869C2A", "L-85EED4F7")
F = _quotas("F", "L-74FC7D96", "L-88CF9481")
G_AND_VT = _quotas("G and VT", "L-DB2E81BA", "L-3819A6DF")
HPC = _quotas("HPC", "L-F7808C92", None)
HIGH_MEMORY = _quotas("High Memory", "L-43DA4232", None)
INF = _quotas("Inf", "L-1945791B", "L-B5D1601B")
P = _quotas("P", "L-417A185B", "L-7212CCBC")
TRN = _quotas("Trn", "L-2C3B7624", "L-6B0D517C")
X = _quotas("X", "L-7295265B", "L-E3A00192")

# Family prefix -> its quotas. None: Mac instances run on Dedicated Hosts only, counted by hosts, not vCPUs.
FAMILY_QUOTAS: dict[str, QuotaPair | None] = {
    **dict.fromkeys("acdhimrtz", STANDARD), "dl": DL, "f": F, "g": G_AND_VT, "vt": G_AND_VT, "hpc": HPC,
    "u": HIGH_MEMORY, "inf": INF, "p": P, "trn": TRN, "x": X, "mac": None,
}
PREFIXES_LONGEST_FIRST = sorted(FAMILY_QUOTAS, key=len, reverse=True)
QUOTA_CODES = frozenset(quota.code for pair in FAMILY_QUOTAS.values() if pair
                        for quota in (pair.on_demand, pair.spot) if quota)


def quota_for(instance_type: str, capacity: str) -> VcpuQuota | None:
    """The quota that counts this type's vCPUs as `capacity` (ondemand | spot); None where no vCPU quota does."""
    family = instance_type.split(".", 1)[0].lower()
    prefix = next((p for p in PREFIXES_LONGEST_FIRST if family.startswith(p)), None)
    pair = FAMILY_QUOTAS.get(prefix) if prefix else None
    if pair is None:
        return None
    return pair.spot if capacity == "spot" else pair.on_demand


def vcpu_quotas_from(quotas: Iterable[dict]) -> VcpuQuotas:
    """Read the vCPU limits out of ListServiceQuotas entries ({'QuotaCode', 'Value', ...})."""
    return VcpuQuotas({quota["QuotaCode"]: int(quota["Value"]) for quota in quotas
                       if quota.get("QuotaCode") in QUOTA_CODES and quota.get("Value") is not None})


UNKNOWN_QUOTAS = VcpuQuotas({})
