"""What render needs beyond the spec, decided now from live data: AMI, architecture, AZ and SSH source range."""

from __future__ import annotations

import ipaddress
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.cost import agent_prices
from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.spec import ClusterSpec

CHECKIP_URL = "https://checkip.amazonaws.com"
CHECKIP_TIMEOUT_S = 3.0
LOOPBACK_CIDR = "127.0.0.1/32"


@dataclass(frozen=True)
class ResolvedInputs:
    ami_id: str
    architecture: str
    availability_zone: str
    ssh_cidr: str
    prices: dict[str, dict[str, float]] | None = None  # core.cost.agent_prices; None: the agent counts no spend


def caller_public_cidr(url: str = CHECKIP_URL, timeout: float = CHECKIP_TIMEOUT_S) -> str:
    """This machine's public IPv4 address as a /32, as AWS sees it."""
    fix = ("set network.ssh_cidr in the cluster spec to the address range you will SSH from "
           "(your public IP as a.b.c.d/32)")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - fixed https URL
            text = reply.read(64).decode("ascii", "replace").strip()
    except OSError as error:
        raise ClusterwizError(f"cannot find your public IP address ({url}: {error}); {fix}") from None
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        raise ClusterwizError(f"{url} answered {text!r}, not an IPv4 address; {fix}") from None
    return f"{address}/32"


def resolve(spec: ClusterSpec, catalog: Catalog,
            public_cidr: Callable[[], str] = caller_public_cidr) -> ResolvedInputs:
    region = spec.region
    head_type = catalog.instance_type(region, spec.head_node.instance_type)
    if head_type is None:
        raise ClusterwizError(f"instance type {spec.head_node.instance_type} does not exist in {region}; choose "
                              "another head_node.instance_type (run `clusterwiz validate` for details)")
    architecture = head_type.architecture
    return ResolvedInputs(ami_id=_ami(spec, catalog, architecture), architecture=architecture,
                          availability_zone=_availability_zone(spec, catalog),
                          ssh_cidr=_ssh_cidr(spec, catalog, public_cidr), prices=agent_prices(spec, catalog))


def image_for(spec: ClusterSpec, catalog: Catalog, architecture: str) -> str | None:
    """The AMI the nodes boot: the spec's ami_id, else the current image of its OS for the architecture."""
    if spec.ami_id:
        return spec.ami_id
    return next((image.ami_id for image in catalog.os_images(spec.region)
                 if image.os == spec.os and image.architecture == architecture), None)


def _ami(spec: ClusterSpec, catalog: Catalog, architecture: str) -> str:
    ami = image_for(spec, catalog, architecture)
    if ami is not None:
        return ami
    raise ClusterwizError(f"no current {spec.os} image for {architecture} was found in {spec.region}; choose "
                          "another os, a head node type of the other architecture, or set ami_id")


def common_zones(spec: ClusterSpec, catalog: Catalog) -> list[str]:
    """Available AZs of the region offering every instance type of the spec, in name order."""
    offered = catalog.offerings(spec.region)
    zones = [zone.name for zone in catalog.availability_zones(spec.region) if zone.state == "available"]
    return [zone for zone in zones if all(zone in offered.get(t, ()) for t in spec.instance_types)]


def existing_volume_zone(spec: ClusterSpec, catalog: Catalog) -> str | None:
    for volume in spec.shared_storage:
        if volume.volume_id:
            found = catalog.volume(spec.region, volume.volume_id)
            if found is not None:
                return found.availability_zone
    return None


def _availability_zone(spec: ClusterSpec, catalog: Catalog) -> str:
    network = spec.network
    if network.subnet_id:
        subnet = catalog.subnet(spec.region, network.subnet_id)
        if subnet is None:
            raise ClusterwizError(f"subnet {network.subnet_id} does not exist in {spec.region}; pick one from "
                                  "`clusterwiz validate` or the wizard's network step")
        return subnet.availability_zone
    if network.availability_zone:
        return network.availability_zone
    zone = existing_volume_zone(spec, catalog)
    if zone:
        return zone
    zones = common_zones(spec, catalog)
    if not zones:
        raise ClusterwizError(f"no availability zone of {spec.region} offers all of "
                              f"{', '.join(spec.instance_types)}; choose types offered together "
                              "(`clusterwiz validate` lists where each is offered)")
    return zones[0]


def _ssh_cidr(spec: ClusterSpec, catalog: Catalog, public_cidr: Callable[[], str]) -> str:
    if spec.network.ssh_cidr:
        return spec.network.ssh_cidr
    if catalog.session.is_emulated:
        # The sandbox's "instances" are reached from this machine only.
        return LOOPBACK_CIDR
    return public_cidr()
