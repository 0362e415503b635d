"""What render gets beyond the spec (AMI, AZ, SSH range) and the cost estimate, against moto."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.pricing import load_snapshot
from clusterwiz.core.cost import estimate
from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.resolve import LOOPBACK_CIDR, caller_public_cidr, resolve
from tests.catalog.account import REGION, Account
from tests.catalog.specs import make_spec


def no_public_ip() -> str:
    raise AssertionError("the public IP must not be looked up here")


def test_ami_follows_the_head_node_architecture(catalog: Catalog, account: Account) -> None:
    intel = resolve(make_spec(), catalog, public_cidr=no_public_ip)
    assert (intel.ami_id, intel.architecture) == (account.images["ubuntu2404-x86"], "x86_64")
    assert resolve(make_spec(os="debian13"), catalog, public_cidr=no_public_ip).ami_id == account.images["debian13-x86"]
    graviton = resolve(make_spec(head_node={"instance_type": "t4g.medium"}, os="rocky9",
                                 queues=[{"name": "arm", "instance_types": ["c7g.xlarge"]}]), catalog,
                       public_cidr=no_public_ip)
    assert (graviton.ami_id, graviton.architecture) == (account.images["rocky9-arm"], "arm64")
    pinned = resolve(make_spec(ami_id=account.images["ubuntu2404-x86-old"]), catalog, public_cidr=no_public_ip)
    assert pinned.ami_id == account.images["ubuntu2404-x86-old"]


def test_availability_zone_choice(catalog: Catalog, account: Account) -> None:
    def zone(**overrides) -> str:
        return resolve(make_spec(**overrides), catalog, public_cidr=no_public_ip).availability_zone

    assert zone(network={"vpc_id": account.hpc_vpc, "subnet_id": account.subnet_b, "ssh_cidr": "1.2.3.4/32"}) \
        == f"{REGION}b"
    assert zone(network={"availability_zone": f"{REGION}c", "ssh_cidr": "1.2.3.4/32"}) == f"{REGION}c"
    assert zone(shared_storage=[{"mount_dir": "/data", "volume_id": account.volume_b}]) == f"{REGION}b"
    assert zone() == f"{REGION}a"
    with pytest.raises(ClusterwizError, match="no availability zone"):
        zone(head_node={"instance_type": "t4g.medium"}, queues=[{"name": "n", "instance_types": ["c7gn.xlarge"]}])


def test_emulator_gets_a_loopback_ssh_range_and_the_spec_range_wins(catalog: Catalog, account: Account) -> None:
    assert resolve(make_spec(network={}), catalog, public_cidr=no_public_ip).ssh_cidr == LOOPBACK_CIDR
    assert resolve(make_spec(), catalog, public_cidr=no_public_ip).ssh_cidr == "203.0.113.7/32"


def test_missing_os_image_is_a_clear_error(catalog: Catalog, account: Account) -> None:
    with pytest.raises(ClusterwizError, match="no current ubuntu2404 image for x86_64 was found in eu-west-1"):
        resolve(make_spec(region="eu-west-1"), catalog, public_cidr=no_public_ip)


@pytest.fixture
def checkip_server() -> Iterator[list[bytes]]:
    """A local stand-in for checkip.amazonaws.com answering whatever the test puts in the list."""
    answers: list[bytes] = [b"198.51.100.23\n"]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answers[0])

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    answers.append(f"http://127.0.0.1:{server.server_address[1]}/".encode())
    yield answers
    server.shutdown()


def test_caller_public_cidr(checkip_server: list[bytes]) -> None:
    url = checkip_server[1].decode()
    assert caller_public_cidr(url) == "198.51.100.23/32"
    checkip_server[0] = b"<html>captive portal</html>"
    with pytest.raises(ClusterwizError, match="network.ssh_cidr"):
        caller_public_cidr(url)
    with pytest.raises(ClusterwizError, match="cannot find your public IP address.*network.ssh_cidr"):
        caller_public_cidr("http://127.0.0.1:9/", timeout=1)


def test_cost_estimate_from_the_snapshot(catalog: Catalog, account: Account) -> None:
    snapshot = load_snapshot()
    factor = snapshot.region_factors[REGION]
    spec = make_spec(head_node={"instance_type": "t3.medium", "root_volume_gib": 40},
                     queues=[{"name": "compute", "instance_types": ["c6i.xlarge", "c6i.2xlarge"], "min_nodes": 1,
                              "initial_nodes": 2, "max_nodes": 4}],
                     shared_storage=[{"mount_dir": "/shared", "size_gib": 100, "volume_type": "gp3"}])
    cost = estimate(spec, catalog)
    head, small, large = 0.0416 * factor, 0.17 * factor, 0.34 * factor
    # Every node holds a public IPv4 address ($0.005/h since 2024-02-01, AWS News Blog "New – AWS Public IPv4
    # Address Charge + Public IP Insights"); each compute node a 40 GiB gp3 root volume; the head's root and
    # /shared (140 GiB) bill whether anything runs or not.
    address, node_root, stays = 0.005, 40 * 0.08 * factor / 730, 140 * 0.08 * factor / 730
    assert cost.per_hour_now == pytest.approx(head + address + stays + 2 * (small + address + node_root), abs=1e-4)
    assert cost.per_hour_at_max == pytest.approx(head + address + stays + 4 * (large + address + node_root),
                                                 abs=1e-4)
    assert cost.per_hour_stopped == pytest.approx(stays, abs=1e-4)
    assert cost.storage_per_month == pytest.approx(140 * 0.08 * factor, abs=0.01)
    assert cost.is_estimate and cost.as_of == snapshot.as_of and cost.unpriced == ()


def test_cost_estimate_notes_spot_existing_volumes_and_unpriced_types(catalog: Catalog, account: Account) -> None:
    spec = make_spec(queues=[{"name": "spot", "instance_types": ["c6i.xlarge"], "capacity": "spot"},
                             {"name": "mem", "instance_types": ["x2iedn.xlarge"], "max_nodes": 1}],
                     shared_storage=[{"mount_dir": "/old", "volume_id": account.volume_a},
                                     {"mount_dir": "/fast", "size_gib": 100, "iops": 6000, "throughput": 250},
                                     {"mount_dir": "/copy", "snapshot_id": account.snapshot}])
    cost = estimate(spec, catalog)
    assert cost.unpriced == ("x2iedn.xlarge",)
    assert any("spot" in note for note in cost.notes)
    assert any(account.volume_a in note for note in cost.notes)
    factor = load_snapshot().region_factors[REGION]
    gib = 40 + 100 + 50  # head root + new volume + volume from the 50 GiB snapshot
    extras = (3000 * 0.005 + 125 * 0.04) * factor
    assert cost.storage_per_month == pytest.approx(gib * 0.08 * factor + extras, abs=0.01)
