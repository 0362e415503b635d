"""Pricing and Service Quotas, which moto lacks: recorded real responses through botocore's Stubber,
and the fallback to the bundled price snapshot when the Pricing API does not answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.stub import Stubber

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.pricing import instance_price_filters, load_snapshot, volume_price_filters
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
    assert (quotas.on_demand_standard, quotas.on_demand_g, quotas.on_demand_p, quotas.spot) == (32, 0, None, 64)


def test_unreadable_quotas_are_unknown_not_an_error(aws_catalog: Catalog) -> None:
    quotas_client = aws_catalog.session.client("service-quotas", REGION)
    with Stubber(quotas_client) as stub:
        stub.add_client_error("list_service_quotas", "AccessDeniedException", "denied", 400)
        quotas = aws_catalog.vcpu_quotas(REGION)
    assert quotas.on_demand_standard is None and quotas.spot is None
    # What the pre-flight check then says: a warning with the permission that would let it read them.
    [finding] = quota_findings({"standard": 8}, quotas, REGION)
    assert finding.code == "QUOTA_UNKNOWN" and finding.level == "warning"
    assert "servicequotas:ListServiceQuotas" in finding.fix


def _types(*rows):
    from clusterwiz.core.aws.records import InstanceTypeInfo

    return {name: InstanceTypeInfo(name, vcpus, 1024, (arch,), 0, "", True, False, True)
            for name, vcpus, arch in rows}


def test_quota_check_fires_beyond_the_recorded_limit_and_stays_quiet_within(aws_catalog: Catalog) -> None:
    from tests.catalog.specs import make_spec

    quotas = recorded_quotas(aws_catalog)
    types = _types(("t3.medium", 2, "x86_64"), ("c6i.xlarge", 4, "x86_64"), ("g5.xlarge", 4, "x86_64"))
    big = make_spec(queues=[{"name": "compute", "instance_types": ["c6i.xlarge"], "max_nodes": 8}])
    assert vcpus_at_max(big, types) == {"standard": 34}
    exceeded = list(quota_findings(vcpus_at_max(big, types), quotas, REGION))
    assert [f.code for f in exceeded] == ["QUOTA_EXCEEDED"] and "34" in exceeded[0].message
    small = make_spec(queues=[{"name": "compute", "instance_types": ["c6i.xlarge"], "max_nodes": 7}])
    assert list(quota_findings(vcpus_at_max(small, types), quotas, REGION)) == []
    spot_gpu = make_spec(queues=[{"name": "spot", "instance_types": ["c6i.xlarge"], "capacity": "spot",
                                  "max_nodes": 16},
                                 {"name": "gpu", "instance_types": ["g5.xlarge"], "max_nodes": 1}])
    codes = [f.code for f in quota_findings(vcpus_at_max(spot_gpu, types), quotas, REGION)]
    assert codes == ["QUOTA_EXCEEDED"], "G quota is 0; spot (64) holds 64 vCPUs"


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
    assert (cost.per_hour_now, cost.per_hour_at_max) == (pytest.approx(2 * 0.0472), pytest.approx(4 * 0.0472))
    assert cost.storage_per_month == pytest.approx(140 * 0.0928, abs=0.01)
