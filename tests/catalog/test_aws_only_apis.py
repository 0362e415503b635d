"""Pricing and Service Quotas, which moto lacks: recorded real responses through botocore's Stubber,
and the fallback to the bundled price snapshot when the Pricing API does not answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.stub import Stubber

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.instance_specs import bundled_instance_specs
from clusterwiz.core.aws.pricing import instance_price_filters, load_snapshot, volume_price_filters
from clusterwiz.core.aws.quotas import FAMILY_QUOTAS, quota_for
from clusterwiz.core.aws.records import VcpuQuotas
from clusterwiz.core.aws.session import PRICING_REGION, AwsSession
from clusterwiz.core.validate import quota_findings, vcpus_at_max

DATA = Path(__file__).parent / "data"
REGION = "eu-west-2"


def recorded(name: str):
    return json.loads((DATA / name).read_text())


@pytest.fixture
def aws_catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Catalog]:
    """A catalog for real AWS (no emulator endpoint); every call in these tests is answered by a Stubber."""
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    catalog = Catalog(AwsSession(region=REGION), cache_dir=tmp_path / "cache")
    yield catalog
    catalog.close()


def test_price_from_the_pricing_api_is_cached_on_disk(aws_catalog: Catalog, tmp_path: Path) -> None:
    pricing = aws_catalog.session.client("pricing", PRICING_REGION)
    with Stubber(pricing) as stub:
        stub.add_response("get_products", recorded("get_products_c6i_xlarge_eu_west_2.json"),
                          {"ServiceCode": "AmazonEC2", "Filters": instance_price_filters(REGION, "c6i.xlarge"),
                           "MaxResults": 10})
        stub.add_response("get_products", recorded("get_products_gp3_eu_west_2.json"),
                          {"ServiceCode": "AmazonEC2", "Filters": volume_price_filters(REGION, "gp3"),
                           "MaxResults": 10})
        price = aws_catalog.price_per_hour(REGION, "c6i.xlarge")
        volume = aws_catalog.ebs_price_per_gb_month(REGION, "gp3")
        stub.assert_no_pending_responses()
    assert (price.usd, price.source, price.is_estimate) == (0.202, "pricing-api", False)
    assert volume.usd == 0.0928
    # A new session reads the price from disk without calling AWS (the stubber would fail on a call).
    again = Catalog(aws_catalog.session, cache_dir=tmp_path / "cache")
    with Stubber(pricing):
        assert again.price_per_hour(REGION, "c6i.xlarge").source == "pricing-api"
    again.close()


def test_denied_pricing_api_falls_back_to_the_dated_snapshot(aws_catalog: Catalog) -> None:
    pricing = aws_catalog.session.client("pricing", PRICING_REGION)
    with Stubber(pricing) as stub:
        stub.add_client_error("get_products", "AccessDeniedException", "not authorized to perform "
                              "pricing:GetProducts", 400)
        price = aws_catalog.price_per_hour(REGION, "c6i.xlarge")
        # Once the API has failed, the rest of the run uses the snapshot without trying again.
        other = aws_catalog.price_per_hour(REGION, "t3.medium")
    snapshot = load_snapshot()
    assert price.source == other.source == "snapshot" and price.is_estimate
    assert price.as_of == snapshot.as_of
    assert price.usd == pytest.approx(0.17 * snapshot.region_factors[REGION], rel=1e-3)
    assert aws_catalog.price_per_hour(REGION, "no-such.type").usd is None


def recorded_quotas(catalog: Catalog) -> VcpuQuotas:
    """The catalog's quotas read from two recorded ListServiceQuotas pages."""
    first, second = recorded("list_service_quotas_ec2_pages.json")
    with Stubber(catalog.session.client("service-quotas", REGION)) as stub:
        stub.add_response("list_service_quotas", first, {"ServiceCode": "ec2"})
        stub.add_response("list_service_quotas", second, {"ServiceCode": "ec2", "NextToken": first["NextToken"]})
        return catalog.vcpu_quotas(REGION)


def test_vcpu_quotas_from_service_quotas_pages(aws_catalog: Catalog) -> None:
    quotas = recorded_quotas(aws_catalog)
    # Standard, G and VT, P (not on the pages), Standard spot, X; the Elastic IP quota is no vCPU quota.
    assert [quotas.limit(code) for code in ("L-1216C47A", "L-DB2E81BA", "L-417A185B", "L-34B43A08",
                                            "L-7295265B", "L-0263D0A3")] == [32, 0, None, 64, 0, None]
    # The names clusterwiz shows are AWS's, so a user finds the quota in the console.
    ours = {quota.code: quota.name for pair in FAMILY_QUOTAS.values() if pair
            for quota in (pair.on_demand, pair.spot) if quota}
    recorded_names = {q["QuotaCode"]: q["QuotaName"] for page in recorded("list_service_quotas_ec2_pages.json")
                      for q in page["Quotas"] if q["QuotaCode"] in ours}
    assert len(recorded_names) == 4 and all(ours[code] == name for code, name in recorded_names.items())


def test_unreadable_quotas_are_unknown_not_an_error(aws_catalog: Catalog) -> None:
    quotas_client = aws_catalog.session.client("service-quotas", REGION)
    with Stubber(quotas_client) as stub:
        stub.add_client_error("list_service_quotas", "AccessDeniedException", "denied", 400)
        quotas = aws_catalog.vcpu_quotas(REGION)
    assert quotas.limit("L-1216C47A") is None and quotas.limit("L-34B43A08") is None
    # What the pre-flight check then says: a warning with the permission that would let it read them.
    [finding] = quota_findings({quota_for("c6i.xlarge", "ondemand"): {"c6i": 8}}, quotas, REGION)
    assert finding.code == "QUOTA_UNKNOWN" and finding.level == "warning"
    assert "servicequotas:ListServiceQuotas" in finding.fix and "L-1216C47A" in finding.message


def _types(*rows):
    from clusterwiz.core.aws.records import InstanceTypeInfo

    return {name: InstanceTypeInfo(name, vcpus, 1024, (arch,), 0, "", True, False, True)
            for name, vcpus, arch in rows}


def test_quota_check_fires_beyond_the_recorded_limit_and_stays_quiet_within(aws_catalog: Catalog) -> None:
    from tests.catalog.specs import make_spec

    quotas = recorded_quotas(aws_catalog)
    types = _types(("t3.medium", 2, "x86_64"), ("c6i.xlarge", 4, "x86_64"), ("g5.xlarge", 4, "x86_64"))
    big = make_spec(queues=[{"name": "compute", "instance_types": ["c6i.xlarge"], "max_nodes": 8}])
    assert vcpus_at_max(big, types) == {quota_for("c6i.xlarge", "ondemand"): {"t3": 2, "c6i": 32}}
    exceeded = list(quota_findings(vcpus_at_max(big, types), quotas, REGION))
    assert [f.code for f in exceeded] == ["QUOTA_EXCEEDED"] and "34" in exceeded[0].message
    small = make_spec(queues=[{"name": "compute", "instance_types": ["c6i.xlarge"], "max_nodes": 7}])
    assert list(quota_findings(vcpus_at_max(small, types), quotas, REGION)) == []
    spot_gpu = make_spec(queues=[{"name": "spot", "instance_types": ["c6i.xlarge"], "capacity": "spot",
                                  "max_nodes": 16},
                                 {"name": "gpu", "instance_types": ["g5.xlarge"], "max_nodes": 1}])
    codes = [f.code for f in quota_findings(vcpus_at_max(spot_gpu, types), quotas, REGION)]
    assert codes == ["QUOTA_EXCEEDED"], "G quota is 0; spot (64) holds 64 vCPUs"


# The quota codes as the Amazon EC2 User Guide lists them ("On-Demand Instance quotas" and "Spot Instance quotas"),
# written out here again so that a slip in quotas.py's table cannot pass its own test.
ON_DEMAND_CODES = {"c6i": "L-1216C47A", "t3": "L-1216C47A", "h1": "L-1216C47A", "d3": "L-1216C47A",
                   "i4i": "L-1216C47A", "im4gn": "L-1216C47A", "z1d": "L-1216C47A", "a1": "L-1216C47A",
                   "hpc7g": "L-F7808C92", "hpc6a": "L-F7808C92", "dl2q": "L-6E869C2A", "inf2": "L-1945791B",
                   "inf1": "L-1945791B", "trn1": "L-2C3B7624", "trn1n": "L-2C3B7624", "trn2": "L-2C3B7624",
                   "g5": "L-DB2E81BA", "gr6": "L-DB2E81BA", "vt1": "L-DB2E81BA", "p5": "L-417A185B",
                   "p6-b200": "L-417A185B", "f2": "L-74FC7D96", "x2gd": "L-7295265B", "x8g": "L-7295265B",
                   "u-6tb1": "L-43DA4232", "u7i-12tb": "L-43DA4232", "u7in-32tb": "L-43DA4232"}
SPOT_CODES = {"c6i": "L-34B43A08", "hpc7g": None, "dl2q": "L-85EED4F7", "inf2": "L-B5D1601B",
              "trn1": "L-6B0D517C", "g5": "L-3819A6DF", "vt1": "L-3819A6DF", "p5": "L-7212CCBC",
              "f2": "L-88CF9481", "x2gd": "L-E3A00192", "u-6tb1": None}


def test_each_family_is_counted_by_its_own_quota() -> None:
    def code(family: str, capacity: str) -> str | None:
        quota = quota_for(f"{family}.xlarge", capacity)
        return quota.code if quota else None

    assert {family: code(family, "ondemand") for family in ON_DEMAND_CODES} == ON_DEMAND_CODES
    assert {family: code(family, "spot") for family in SPOT_CODES} == SPOT_CODES
    # Every family AWS lists has its quota; Mac instances run on Dedicated Hosts, counted by hosts, not vCPUs.
    families = {name.split(".")[0] for name in bundled_instance_specs().values}
    assert sorted(f for f in families if code(f, "ondemand") is None) == sorted(f for f in families
                                                                              if f.startswith("mac"))


def service_quotas(values: dict[str, float]) -> dict:
    """A ListServiceQuotas page as AWS sends it (only the fields the catalog reads, and the name)."""
    return {"Quotas": [{"ServiceCode": "ec2", "QuotaCode": code, "QuotaName": code, "Value": value,
                        "Unit": "None", "Adjustable": True, "GlobalQuota": False} for code, value in values.items()]}


def test_accelerator_hpc_and_gpu_spot_queues_are_counted_by_their_own_quotas(aws_catalog: Catalog) -> None:
    """moto 5.2.5's Service Quotas knows the VPC service's defaults only, so ListServiceQuotas for ec2 is stubbed,
    and the catalog parses it as it parses AWS's."""
    from tests.catalog.specs import make_spec

    page = service_quotas({"L-1216C47A": 8, "L-1945791B": 0, "L-2C3B7624": 64, "L-F7808C92": 256,
                           "L-3819A6DF": 4, "L-34B43A08": 1000})
    with Stubber(aws_catalog.session.client("service-quotas", REGION)) as stub:
        stub.add_response("list_service_quotas", page, {"ServiceCode": "ec2"})
        quotas = aws_catalog.vcpu_quotas(REGION)
    types = _types(("t3.medium", 2, "x86_64"), ("inf2.xlarge", 4, "x86_64"), ("trn1.32xlarge", 128, "x86_64"),
                   ("hpc7g.16xlarge", 64, "arm64"), ("g5.xlarge", 4, "x86_64"))
    spec = make_spec(queues=[{"name": "infer", "instance_types": ["inf2.xlarge"], "max_nodes": 2},
                             {"name": "train", "instance_types": ["trn1.32xlarge"], "max_nodes": 1},
                             {"name": "mpi", "instance_types": ["hpc7g.16xlarge"], "max_nodes": 4},
                             {"name": "render", "instance_types": ["g5.xlarge"], "capacity": "spot",
                              "max_nodes": 2}])
    need = {quota.code: vcpus for quota, vcpus in vcpus_at_max(spec, types).items()}
    # None of inf2, trn1 or hpc7g counts against Standard: the head node alone does.
    assert need == {"L-1216C47A": {"t3": 2}, "L-1945791B": {"inf2": 8}, "L-2C3B7624": {"trn1": 128},
                    "L-F7808C92": {"hpc7g": 256}, "L-3819A6DF": {"g5": 8}}
    findings = list(quota_findings(vcpus_at_max(spec, types), quotas, REGION))
    assert [f.code for f in findings] == ["QUOTA_EXCEEDED"] * 3, [f.message for f in findings]
    inf, trn, gpu_spot = (next(f for f in findings if code in f.fix) for code in
                          ("L-1945791B", "L-2C3B7624", "L-3819A6DF"))
    assert "Running On-Demand Inf instances" in inf.message and "inf2" in inf.message and "0" in inf.message
    assert "Running On-Demand Trn instances" in trn.message and "trn1" in trn.message and "128" in trn.message
    assert "All G and VT Spot Instance Requests" in gpu_spot.message and "g5" in gpu_spot.message
    # An unread quota is said as before: a warning naming it.
    unread = make_spec(queues=[{"name": "x", "instance_types": ["inf2.xlarge"], "capacity": "spot"}])
    [unknown] = quota_findings(vcpus_at_max(unread, types), quotas, REGION)
    assert unknown.code == "QUOTA_UNKNOWN" and "All Inf Spot Instance Requests (L-B5D1601B)" in unknown.message


def test_cost_from_pricing_api_prices_is_not_an_estimate(aws_catalog: Catalog) -> None:
    from clusterwiz.core.cost import estimate
    from tests.catalog.specs import make_spec

    t3_medium = recorded("get_products_c6i_xlarge_eu_west_2.json")
    t3_medium["PriceList"] = [t3_medium["PriceList"][0].replace("c6i.xlarge", "t3.medium")
                              .replace("0.2020000000", "0.0472000000")]
    spec = make_spec(queues=[{"name": "small", "instance_types": ["t3.medium"], "initial_nodes": 1,
                              "max_nodes": 3}])
    pricing = aws_catalog.session.client("pricing", PRICING_REGION)
    with Stubber(pricing) as stub:
        stub.add_response("get_products", t3_medium, {"ServiceCode": "AmazonEC2", "MaxResults": 10,
                                                      "Filters": instance_price_filters(REGION, "t3.medium")})
        stub.add_response("get_products", recorded("get_products_gp3_eu_west_2.json"),
                          {"ServiceCode": "AmazonEC2", "Filters": volume_price_filters(REGION, "gp3"),
                           "MaxResults": 10})
        cost = estimate(spec, aws_catalog)
    assert not cost.is_estimate and cost.as_of != load_snapshot().as_of
    stays = 140 * 0.0928 / 730  # the head's root volume and /shared
    node = 0.0472 + 0.005 + 40 * 0.0928 / 730  # type, public IPv4 address, root volume
    assert cost.per_hour_now == pytest.approx(0.0472 + 0.005 + stays + node, abs=1e-4)
    assert cost.per_hour_at_max == pytest.approx(0.0472 + 0.005 + stays + 3 * node, abs=1e-4)
    assert cost.storage_per_month == pytest.approx(140 * 0.0928, abs=0.01)
