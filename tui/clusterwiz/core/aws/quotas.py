"""EC2 vCPU quotas from Service Quotas: which quota code covers which instance family."""

from __future__ import annotations

from collections.abc import Iterable

from clusterwiz.core.aws.records import VcpuQuotas

ON_DEMAND_STANDARD = "L-1216C47A"  # Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances
ON_DEMAND_G = "L-DB2E81BA"  # Running On-Demand G and VT instances
ON_DEMAND_P = "L-417A185B"  # Running On-Demand P instances
SPOT_STANDARD = "L-34B43A08"  # All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests
QUOTA_CODES = (ON_DEMAND_STANDARD, ON_DEMAND_G, ON_DEMAND_P, SPOT_STANDARD)
STANDARD_FAMILY_LETTERS = frozenset("acdhimrtz")


def quota_family(instance_type: str) -> str | None:
    """'standard', 'g' or 'p' for the quota that counts this type's vCPUs; None for other families (F, X, ...)."""
    letter = instance_type[:1].lower()
    if letter in STANDARD_FAMILY_LETTERS:
        return "standard"
    if letter == "g" or instance_type.startswith("vt"):
        return "g"
    if letter == "p":
        return "p"
    return None


def vcpu_quotas_from(quotas: Iterable[dict]) -> VcpuQuotas:
    """Read the vCPU limits out of ListServiceQuotas entries ({'QuotaCode', 'Value', ...})."""
    values = {quota["QuotaCode"]: int(quota["Value"]) for quota in quotas
              if quota.get("QuotaCode") in QUOTA_CODES and quota.get("Value") is not None}
    return VcpuQuotas(on_demand_standard=values.get(ON_DEMAND_STANDARD), on_demand_g=values.get(ON_DEMAND_G),
                      on_demand_p=values.get(ON_DEMAND_P), spot=values.get(SPOT_STANDARD))


UNKNOWN_QUOTAS = VcpuQuotas(None, None, None, None)
