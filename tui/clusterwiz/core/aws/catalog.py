"""Live AWS lookups for the wizard and the pre-flight checks: typed records, fully paginated, cached.

Every lookup is memoised for the catalog's lifetime (one wizard run); slow, static data (instance types,
offerings, prices) is also kept on disk with a TTL; instance-type specs come from a bundled snapshot
(instance_specs.py), and only types AWS launched after it are described live. prefetch() starts lookups on a
thread pool so the next wizard step finds its answers waiting.
"""

from __future__ import annotations

import fnmatch
import functools
import inspect
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from clusterwiz.core.aws import images as image_sources
from clusterwiz.core.aws.cache import DAY_S, DiskCache, Memo
from clusterwiz.core.aws.errors import aws_errors, error_code
from clusterwiz.core.aws.instance_specs import InstanceSpecs, bundled_instance_specs, instance_type_rows
from clusterwiz.core.aws.inventory import name_holders
from clusterwiz.core.aws.permissions import PermissionAnswer, ask
from clusterwiz.core.aws.pool import DaemonPool
from clusterwiz.core.aws.pricing import (
    instance_price_filters,
    load_snapshot,
    on_demand_usd,
    volume_price_filters,
)
from clusterwiz.core.aws.quotas import UNKNOWN_QUOTAS, vcpu_quotas_from
from clusterwiz.core.aws.records import (
    AvailabilityZone,
    Identity,
    Image,
    InstanceTypeInfo,
    KeyPair,
    OsImage,
    Price,
    Region,
    RouteTable,
    Snapshot,
    Subnet,
    TaggedResource,
    VcpuQuotas,
    Volume,
    Vpc,
    VpcSummary,
)
from clusterwiz.core.aws.session import PRICING_REGION, AwsSession
from clusterwiz.core.errors import AwsError, ClusterwizError

T = TypeVar("T")
INSTANCE_TYPES_TTL_S = 7 * DAY_S
OFFERINGS_TTL_S = DAY_S
PRICES_TTL_S = 7 * DAY_S
ENABLED_OPT_IN = ("opt-in-not-required", "opted-in")
TAG_KEY = "clusterwiz:cluster"
DESCRIBE_TYPES_BATCH = 100  # the most InstanceTypes one DescribeInstanceTypes call takes
# The fields of a route that name where it leads, as DescribeRouteTables gives them.
ROUTE_TARGETS = ("GatewayId", "NatGatewayId", "TransitGatewayId", "NetworkInterfaceId", "InstanceId",
                 "VpcPeeringConnectionId", "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn")
MISSING_CODES = {"InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable",
                 "InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"}


def _name_tag(tags: list[dict] | None) -> str | None:
    return next((tag["Value"] for tag in tags or () if tag.get("Key") == "Name"), None)


class CatalogClosed(ClusterwizError):
    """A lookup asked of a closed catalog (clusterwiz is exiting)."""


class Catalog:
    def __init__(self, session: AwsSession, cache_dir: Path | None = None, max_workers: int = 8,
                 instance_specs: Callable[[], InstanceSpecs] = bundled_instance_specs):
        self.session = session
        # Called when a region's instance types are first asked for: the bundled snapshot is parsed then.
        self._instance_specs = instance_specs
        self._memo = Memo()
        self._disk = DiskCache(cache_dir)
        # Two pools: prefetched lookups may fan out into leaf calls; leaves never wait on the first pool.
        self._lookups = DaemonPool(max_workers, "catalog")
        self._leaves = DaemonPool(2 * max_workers, "catalog-call")
        self._closed = threading.Event()
        self._pricing_api_answers = not session.is_emulated
        self._endpoint_key = session.endpoint_url or "aws"

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self, wait: bool = False) -> None:
        """Stop the lookup threads; `wait` for those under way (else they end at their next AWS call, unread:
        a lookup of many pages must not hold up the exit)."""
        self._closed.set()
        self._lookups.shutdown(wait=wait, cancel_futures=True)
        self._leaves.shutdown(wait=wait, cancel_futures=True)

    # -- plumbing -----------------------------------------------------------------------------------

    def _call(self, service: str, region: str, operation: str, permission: str, **params: Any) -> dict:
        self._raise_if_closed()
        with aws_errors(permission, region):
            return getattr(self.session.client(service, region), operation)(**params)

    def _pages(self, service: str, region: str, operation: str, result_key: str, permission: str,
               **params: Any) -> list[dict]:
        items: list[dict] = []
        with aws_errors(permission, region):
            paginator = self.session.client(service, region).get_paginator(operation)
            for page in paginator.paginate(**params):
                self._raise_if_closed()
                items.extend(page.get(result_key, []))
        return items

    def _raise_if_closed(self) -> None:
        if self._closed.is_set():
            raise CatalogClosed("the AWS lookups were stopped because clusterwiz is exiting; run it again")

    def _parallel(self, calls: Iterable[Callable[[], T]]) -> list[T]:
        futures = [self._leaves.submit(call) for call in calls]
        return [future.result() for future in futures]

    def _disk_key(self, region: str, what: str) -> str:
        return f"{self._endpoint_key}|{region}|{what}"

    # -- account and location -------------------------------------------------------------------------

    def caller_identity(self) -> Identity:
        def lookup() -> Identity:
            reply = self._call("sts", self.session.region, "get_caller_identity", "sts:GetCallerIdentity")
            return Identity(account=reply["Account"], arn=reply["Arn"], user_id=reply["UserId"])
        return self._memo.get(("identity",), lookup)

    def regions(self) -> list[Region]:
        def lookup() -> list[Region]:
            reply = self._call("ec2", self.session.region, "describe_regions", "ec2:DescribeRegions",
                               AllRegions=True)
            found = [Region(name=r["RegionName"], opt_in_status=r.get("OptInStatus", "opt-in-not-required"),
                            enabled=r.get("OptInStatus", "opt-in-not-required") in ENABLED_OPT_IN)
                     for r in reply["Regions"]]
            return sorted(found, key=lambda region: (not region.enabled, region.name))
        return self._memo.get(("regions",), lookup)

    def availability_zones(self, region: str) -> list[AvailabilityZone]:
        def lookup() -> list[AvailabilityZone]:
            reply = self._call("ec2", region, "describe_availability_zones", "ec2:DescribeAvailabilityZones")
            zones = [AvailabilityZone(name=z["ZoneName"], zone_id=z.get("ZoneId", ""), state=z["State"])
                     for z in reply["AvailabilityZones"] if z.get("ZoneType", "availability-zone")
                     == "availability-zone"]
            return sorted(zones, key=lambda zone: zone.name)
        return self._memo.get(("azs", region), lookup)

    # -- network ----------------------------------------------------------------------------------------

    def _raw_vpcs(self, region: str) -> list[dict]:
        return self._memo.get(("raw-vpcs", region), lambda: self._pages(
            "ec2", region, "describe_vpcs", "Vpcs", "ec2:DescribeVpcs"))

    def _vpc_attribute(self, region: str, vpc_id: str, name: str) -> bool:
        def lookup() -> bool:
            reply = self._call("ec2", region, "describe_vpc_attribute", "ec2:DescribeVpcAttribute",
                               VpcId=vpc_id, Attribute=name)
            return bool(reply[name[0].upper() + name[1:]]["Value"])
        return self._memo.get(("vpc-attribute", region, vpc_id, name), lookup)

    def _vpc_records(self, region: str, raw: list[dict]) -> list[Vpc]:
        # DNS flags cost two calls per VPC (AWS has no batch form): all of them run at once, one level deep,
        # so a leaf call never waits for another leaf.
        pairs = [(vpc["VpcId"], name) for vpc in raw for name in ("enableDnsSupport", "enableDnsHostnames")]
        flags = self._parallel((lambda pair=pair: self._vpc_attribute(region, *pair)) for pair in pairs)
        return [Vpc(vpc_id=vpc["VpcId"], name=_name_tag(vpc.get("Tags")), cidr=vpc["CidrBlock"],
                    is_default=bool(vpc.get("IsDefault")), dns_support=flags[2 * index],
                    dns_hostnames=flags[2 * index + 1])
                for index, vpc in enumerate(raw)]

    def vpcs(self, region: str) -> list[Vpc]:
        def lookup() -> list[Vpc]:
            vpcs = self._vpc_records(region, self._raw_vpcs(region))
            return sorted(vpcs, key=lambda vpc: (not vpc.is_default, vpc.name or "", vpc.vpc_id))
        return self._memo.get(("vpcs", region), lookup)

    def vpc_summaries(self, region: str) -> list[VpcSummary]:
        """Every VPC of a region from one call, without DNS flags (ask vpc() for the chosen one)."""
        found = [VpcSummary(vpc_id=vpc["VpcId"], name=_name_tag(vpc.get("Tags")), cidr=vpc["CidrBlock"],
                            is_default=bool(vpc.get("IsDefault"))) for vpc in self._raw_vpcs(region)]
        return sorted(found, key=lambda vpc: (not vpc.is_default, vpc.name or "", vpc.vpc_id))

    def vpc(self, region: str, vpc_id: str) -> Vpc | None:
        """One VPC with its DNS flags, without looking up the flags of every other VPC."""
        raw = [vpc for vpc in self._raw_vpcs(region) if vpc["VpcId"] == vpc_id]
        return self._vpc_records(region, raw)[0] if raw else None

    def _all_subnets(self, region: str) -> list[Subnet]:
        # One call serves every VPC the user looks at.
        def lookup() -> list[Subnet]:
            found = self._pages("ec2", region, "describe_subnets", "Subnets", "ec2:DescribeSubnets")
            subnets = [Subnet(subnet_id=s["SubnetId"], vpc_id=s["VpcId"], availability_zone=s["AvailabilityZone"],
                              cidr=s["CidrBlock"], free_ips=int(s.get("AvailableIpAddressCount", 0)),
                              public_ip_on_launch=bool(s.get("MapPublicIpOnLaunch")), name=_name_tag(s.get("Tags")))
                       for s in found]
            return sorted(subnets, key=lambda subnet: (subnet.availability_zone, subnet.name or "", subnet.subnet_id))
        return self._memo.get(("subnets", region), lookup)

    def subnets(self, region: str, vpc_id: str) -> list[Subnet]:
        return [subnet for subnet in self._all_subnets(region) if subnet.vpc_id == vpc_id]

    def subnet(self, region: str, subnet_id: str) -> Subnet | None:
        return next((s for s in self._all_subnets(region) if s.subnet_id == subnet_id), None)

    def route_tables(self, region: str, vpc_id: str) -> list[RouteTable]:
        def lookup() -> list[RouteTable]:
            found = self._pages("ec2", region, "describe_route_tables", "RouteTables", "ec2:DescribeRouteTables",
                                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
            tables = []
            for table in found:
                associations = table.get("Associations", [])
                tables.append(RouteTable(
                    route_table_id=table["RouteTableId"], main=any(a.get("Main") for a in associations),
                    subnet_ids=tuple(a["SubnetId"] for a in associations if "SubnetId" in a),
                    default_route=_default_route(table.get("Routes", []))))
            return tables
        return self._memo.get(("route-tables", region, vpc_id), lookup)

    def route_table_of(self, region: str, subnet: Subnet) -> RouteTable | None:
        """The table that routes the subnet's traffic: the one associated with it, else its VPC's main table."""
        tables = self.route_tables(region, subnet.vpc_id)
        return (next((t for t in tables if subnet.subnet_id in t.subnet_ids), None)
                or next((t for t in tables if t.main), None))

    def launch_permission(self, region: str, image_id: str, instance_type: str, subnet_id: str,
                          public_ipv4: bool) -> PermissionAnswer:
        """Would RunInstances launch this instance, with or without a public IPv4 address? A DryRun: the answer
        includes the service control policies and IAM conditions on ec2:AssociatePublicIpAddress."""
        def lookup() -> PermissionAnswer:
            self._raise_if_closed()
            ec2 = self.session.client("ec2", region)
            return ask(lambda: ec2.run_instances(
                ImageId=image_id, InstanceType=instance_type, MinCount=1, MaxCount=1, DryRun=True,
                NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet_id,
                                    "AssociatePublicIpAddress": public_ipv4}]))
        return self._memo.get(("launch", region, image_id, instance_type, subnet_id, public_ipv4), lookup)

    # -- images -------------------------------------------------------------------------------------------

    def os_images(self, region: str) -> list[OsImage]:
        """The current AMI of each supported OS and architecture: SSM parameters first, owner+name search else."""
        return self._memo.get(("os-images", region), lambda: self._find_os_images(region))

    def _find_os_images(self, region: str) -> list[OsImage]:
        sources = image_sources.IMAGE_SOURCES
        names = [s.ssm_parameter for s in sources if s.ssm_parameter]
        reply = self._call("ssm", region, "get_parameters", "ssm:GetParameters", Names=names)
        published = {parameter["Name"]: parameter["Value"] for parameter in reply.get("Parameters", [])}
        by_ssm = {s: published[s.ssm_parameter] for s in sources if s.ssm_parameter in published}
        to_search = [s for s in sources if s not in by_ssm]

        def describe_published() -> dict[str, dict]:
            if not by_ssm:
                return {}
            # A filter, unlike ImageIds=, does not fail the whole call when one id is missing.
            found = self._call("ec2", region, "describe_images", "ec2:DescribeImages",
                               Filters=[{"Name": "image-id", "Values": sorted(set(by_ssm.values()))}])
            return {image["ImageId"]: image for image in found["Images"]}

        def search() -> list[dict]:
            if not to_search:
                return []
            found = self._call("ec2", region, "describe_images", "ec2:DescribeImages",
                               Owners=sorted({s.owner for s in to_search}),
                               Filters=[{"Name": "name", "Values": sorted({s.name_pattern for s in to_search})},
                                        {"Name": "state", "Values": ["available"]}])
            return found["Images"]

        published_images, searched = self._parallel([describe_published, search])
        result = []
        for source in sources:
            if source in by_ssm and by_ssm[source] in published_images:
                image, how = published_images[by_ssm[source]], "ssm"
            else:
                image, how = image_sources.newest([
                    i for i in searched if i.get("OwnerId") == source.owner
                    and i.get("Architecture") == source.architecture
                    and fnmatch.fnmatchcase(i.get("Name", ""), source.name_pattern)]), "search"
            if image is not None:
                result.append(OsImage(os=source.os, architecture=source.architecture, ami_id=image["ImageId"],
                                      name=image.get("Name", ""), source=how))
        return result

    @staticmethod
    def _image_record(image: dict) -> Image:
        return Image(ami_id=image["ImageId"], name=image.get("Name", ""),
                     architecture=image.get("Architecture", "x86_64"),
                     root_device_type=image.get("RootDeviceType", ""), state=image.get("State", ""),
                     os_family=image_sources.os_family_of(image.get("Name", ""), image.get("Description", "")),
                     owner_id=image.get("OwnerId", ""))

    def image(self, region: str, ami_id: str) -> Image | None:
        def lookup() -> Image | None:
            try:
                found = self._call("ec2", region, "describe_images", "ec2:DescribeImages", ImageIds=[ami_id])
            except AwsError as error:
                if _is_missing(error):
                    return None
                raise
            return self._image_record(found["Images"][0]) if found["Images"] else None
        return self._memo.get(("image", region, ami_id), lookup)

    def own_images(self, region: str) -> list[Image]:
        def lookup() -> list[Image]:
            found = self._call("ec2", region, "describe_images", "ec2:DescribeImages", Owners=["self"])
            return sorted((self._image_record(i) for i in found["Images"]), key=lambda image: image.name)
        return self._memo.get(("own-images", region), lookup)

    # -- instance types ---------------------------------------------------------------------------------

    def _instance_type_table(self, region: str) -> dict[str, InstanceTypeInfo]:
        """The types the region offers (asked live), with their specs from the bundled snapshot; only the types
        launched after the snapshot are described live, and those rows are kept on disk."""
        def describe_batch(batch: list[str]) -> list[dict]:
            # Each reply is made into rows at once: replies held whole (moto's holds every type) parse into
            # tens of MB that the process keeps as RSS afterwards.
            return instance_type_rows(self._call("ec2", region, "describe_instance_types",
                                                 "ec2:DescribeInstanceTypes", InstanceTypes=batch)["InstanceTypes"])

        def describe(names: list[str]) -> list[dict]:
            # 100 (the API's most) per call, side by side.
            batches = [names[start:start + DESCRIBE_TYPES_BATCH]
                       for start in range(0, len(names), DESCRIBE_TYPES_BATCH)]
            return [row for rows in self._parallel(functools.partial(describe_batch, batch) for batch in batches)
                    for row in rows]

        def lookup() -> dict[str, InstanceTypeInfo]:
            offered = sorted(self.offerings(region))
            specs = self._instance_specs()
            key = self._disk_key(region, "described-instance-types")
            described = {row["name"]: row for row in self._disk.get(key, INSTANCE_TYPES_TTL_S) or ()}
            unknown = [name for name in offered if name not in specs and name not in described]
            if unknown:
                described.update((row["name"], row) for row in describe(unknown))
                self._disk.put(key, list(described.values()))
            rows = (described.get(name) or specs.row(name) for name in offered)
            return {row["name"]: InstanceTypeInfo(**{**row, "architectures": tuple(row["architectures"])})
                    for row in rows if row is not None}
        return self._memo.get(("instance-types", region), lookup)

    def instance_type(self, region: str, name: str) -> InstanceTypeInfo | None:
        return self._instance_type_table(region).get(name)

    def instance_types(self, region: str, availability_zone: str | None = None,
                       architecture: str | None = None) -> list[InstanceTypeInfo]:
        types = list(self._instance_type_table(region).values())
        if availability_zone is not None:
            offered = self.offerings(region)
            types = [t for t in types if availability_zone in offered.get(t.name, ())]
        if architecture is not None:
            types = [t for t in types if architecture in t.architectures]
        return sorted(types, key=lambda t: (t.vcpus, t.memory_mib, t.name))

    def offerings(self, region: str) -> dict[str, frozenset[str]]:
        def fetch() -> dict[str, list[str]]:
            found = self._pages("ec2", region, "describe_instance_type_offerings", "InstanceTypeOfferings",
                                "ec2:DescribeInstanceTypeOfferings", LocationType="availability-zone")
            zones: dict[str, list[str]] = {}
            for offering in found:
                zones.setdefault(offering["InstanceType"], []).append(offering["Location"])
            return {name: sorted(azs) for name, azs in zones.items()}

        def lookup() -> dict[str, frozenset[str]]:
            table = self._disk.cached(self._disk_key(region, "offerings"), OFFERINGS_TTL_S, fetch)
            return {name: frozenset(azs) for name, azs in table.items()}
        return self._memo.get(("offerings", region), lookup)

    # -- prices -----------------------------------------------------------------------------------------

    def _priced(self, region: str, what: str, filters: list[dict], from_snapshot: Callable[[], float | None]
                ) -> Price:
        def from_api() -> dict | None:
            if not self._pricing_api_answers:
                return None
            try:
                reply = self._call("pricing", PRICING_REGION, "get_products", "pricing:GetProducts",
                                   ServiceCode="AmazonEC2", Filters=filters, MaxResults=10)
            except AwsError:
                # No Pricing API (emulator, denied, unreachable): the snapshot answers for the rest of the run.
                self._pricing_api_answers = False
                return None
            usd = on_demand_usd(reply.get("PriceList", []))
            return None if usd is None else {"usd": usd}

        def lookup() -> Price:
            key = self._disk_key(region, f"price|{what}")
            cached = self._disk.get(key, PRICES_TTL_S)
            if cached is None:
                cached = from_api()
                if cached is not None:
                    cached["as_of"] = _today()
                    self._disk.put(key, cached)
            if cached is not None:
                return Price(usd=cached["usd"], source="pricing-api", as_of=cached["as_of"])
            return Price(usd=from_snapshot(), source="snapshot", as_of=load_snapshot().as_of)
        return self._memo.get(("price", region, what), lookup)

    def price_per_hour(self, region: str, instance_type: str) -> Price:
        """On-demand Linux $/hour; from the Pricing API, else the bundled snapshot (an estimate)."""
        return self._priced(region, f"instance|{instance_type}", instance_price_filters(region, instance_type),
                            lambda: load_snapshot().instance(region, instance_type))

    def ebs_price_per_gb_month(self, region: str, volume_type: str) -> Price:
        return self._priced(region, f"volume|{volume_type}", volume_price_filters(region, volume_type),
                            lambda: load_snapshot().volume(region, volume_type))

    def prices(self, region: str, instance_types: Iterable[str]) -> dict[str, Price]:
        """Several prices at once, looked up concurrently."""
        names = list(dict.fromkeys(instance_types))
        return dict(zip(names, self._parallel(
            (lambda n=name: self.price_per_hour(region, n)) for name in names), strict=True))

    # -- keys, storage, quotas, existing resources --------------------------------------------------------

    def key_pairs(self, region: str) -> list[KeyPair]:
        def lookup() -> list[KeyPair]:
            reply = self._call("ec2", region, "describe_key_pairs", "ec2:DescribeKeyPairs")
            return sorted((KeyPair(name=k["KeyName"], key_type=k.get("KeyType", "rsa"),
                                   key_pair_id=k.get("KeyPairId", "")) for k in reply["KeyPairs"]),
                          key=lambda key: key.name)
        return self._memo.get(("key-pairs", region), lookup)

    def volumes(self, region: str) -> list[Volume]:
        def lookup() -> list[Volume]:
            found = self._pages("ec2", region, "describe_volumes", "Volumes", "ec2:DescribeVolumes")
            return sorted((Volume(volume_id=v["VolumeId"], availability_zone=v["AvailabilityZone"],
                                  size_gib=int(v["Size"]), volume_type=v.get("VolumeType", "standard"),
                                  state=v["State"], name=_name_tag(v.get("Tags")),
                                  encrypted=bool(v.get("Encrypted"))) for v in found),
                          key=lambda volume: (volume.state != "available", volume.name or "", volume.volume_id))
        return self._memo.get(("volumes", region), lookup)

    def volume(self, region: str, volume_id: str) -> Volume | None:
        return next((v for v in self.volumes(region) if v.volume_id == volume_id), None)

    def snapshot(self, region: str, snapshot_id: str) -> Snapshot | None:
        def lookup() -> Snapshot | None:
            try:
                reply = self._call("ec2", region, "describe_snapshots", "ec2:DescribeSnapshots",
                                   SnapshotIds=[snapshot_id])
            except AwsError as error:
                if _is_missing(error):
                    return None
                raise
            found = reply["Snapshots"]
            if not found:
                return None
            s = found[0]
            return Snapshot(snapshot_id=s["SnapshotId"], size_gib=int(s["VolumeSize"]), state=s["State"],
                            encrypted=bool(s.get("Encrypted")))
        return self._memo.get(("snapshot", region, snapshot_id), lookup)

    def vcpu_quotas(self, region: str) -> VcpuQuotas:
        """vCPU limits from Service Quotas; unknown (None) where the API does not answer, never an error."""
        def lookup() -> VcpuQuotas:
            if self.session.is_emulated:
                return UNKNOWN_QUOTAS
            try:
                quotas = self._pages("service-quotas", region, "list_service_quotas", "Quotas",
                                     "servicequotas:ListServiceQuotas", ServiceCode="ec2")
            except AwsError:
                return UNKNOWN_QUOTAS
            return vcpu_quotas_from(quotas)
        return self._memo.get(("quotas", region), lookup)

    def tagged_resources(self, region: str, cluster_name: str) -> list[TaggedResource]:
        """Live resources tagged clusterwiz:cluster=<name>: the ones that make a new cluster's name taken."""
        def lookup() -> list[TaggedResource]:
            return [TaggedResource(resource_id=resource_id, resource_type=kind)
                    for kind, resource_id in name_holders(self.session, region, cluster_name)]
        return self._memo.get(("tagged", region, cluster_name), lookup)

    # -- concurrency --------------------------------------------------------------------------------------

    def prefetch(self, *lookups: str, **arguments: Any) -> dict[str, Future]:
        """Start lookups by method name on the thread pool, e.g. prefetch("vpcs", "key_pairs", region=r).

        Each lookup takes the arguments it names from `arguments`; failures surface when the caller later
        asks for the same lookup (and it runs again then).
        """
        futures = {}
        for name in lookups:
            method = getattr(self, name)
            accepted = inspect.signature(method).parameters
            futures[name] = self._lookups.submit(
                method, **{key: value for key, value in arguments.items() if key in accepted})
        return futures

    def prefetch_region(self, region: str, cluster_name: str | None = None) -> dict[str, Future]:
        """Everything the wizard asks about a region, started at once when the user picks it."""
        lookups = ["availability_zones", "_raw_vpcs", "_all_subnets", "os_images", "_instance_type_table", "offerings",
                   "key_pairs", "volumes", "vcpu_quotas"]
        if cluster_name:
            lookups.append("tagged_resources")
        return self.prefetch(*lookups, region=region, cluster_name=cluster_name)


def _today() -> str:
    return date.today().isoformat()


def _default_route(routes: list[dict]) -> str | None:
    """What the table's active 0.0.0.0/0 route leads to; a blackhole (its target deleted) leads nowhere."""
    route = next((r for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("State") == "active"),
                 None)
    if route is None:
        return None
    return next((route[key] for key in ROUTE_TARGETS if route.get(key)), None)


def _is_missing(error: AwsError) -> bool:
    """True when the AWS error behind `error` says the looked-up thing does not exist."""
    return error.__cause__ is not None and error_code(error.__cause__) in MISSING_CODES
