"""Readable names for the resources of a cluster's Terraform, grouped by the module that makes them.

Terraform speaks in addresses (`module.cluster.module.compute_fleet.aws_autoscaling_group.queue["gpu"]`);
a first-time user wants to read "compute queue gpu". The names follow the bundled modules in
terraform_modules/; an address this table does not know still gets a name from its resource type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ROOT_GROUP = "Cluster"

# Module name -> the group heading, in the order a cluster is built.
MODULE_GROUPS: dict[str, str] = {
    "network": "Network",
    "security": "Firewall",
    "iam": "Permissions",
    "storage": "Storage",
    "head_node": "Head node",
    "compute_fleet": "Compute fleet",
}

Namer = Callable[[str], str]

# (resource type, resource name) -> name, given the for_each/count key ("" when there is none); listed in the
# order a module builds them, which is the order the plan and run views show them in.
NAMES: dict[tuple[str, str], Namer] = {
    ("aws_vpc", "this"): lambda key: "VPC",
    ("aws_default_security_group", "this"): lambda key: "VPC's default firewall (closed)",
    ("aws_internet_gateway", "this"): lambda key: "internet gateway",
    ("aws_subnet", "public"): lambda key: "public subnet",
    ("aws_route_table", "public"): lambda key: "route table",
    ("aws_route", "internet"): lambda key: "route to the internet",
    ("aws_route_table_association", "public"): lambda key: "subnet uses the route table",
    ("aws_security_group", "head"): lambda key: "head node firewall (SSH in)",
    ("aws_security_group", "intra"): lambda key: "firewall between the nodes",
    ("aws_iam_role", "node"): lambda key: f"{key} node role",
    ("aws_iam_role_policy", "node"): lambda key: f"{key} node permissions",
    ("aws_iam_instance_profile", "node"): lambda key: f"{key} node profile",
    ("aws_ebs_volume", "new"): lambda key: f"shared volume {key}",
    ("aws_ebs_volume", "existing"): lambda key: f"existing volume {key}",
    ("aws_volume_attachment", "head"): lambda key: f"volume {key} attached to the head node",
    ("aws_instance", "head"): lambda key: "head node",
    ("aws_ami", "node"): lambda key: "node image",
    ("aws_launch_template", "queue"): lambda key: f"launch template of queue {key}",
    ("aws_autoscaling_group", "queue"): lambda key: f"compute queue {key}",
}

_MODULE = re.compile(r'module\.(?P<name>[A-Za-z0-9_-]+)(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.')
_RESOURCE = re.compile(r'(?P<data>data\.)?(?P<type>[A-Za-z0-9_-]+)\.(?P<name>[A-Za-z0-9_-]+)'
                       r'(?:\[(?:"(?P<text_key>(?:[^"\\]|\\.)*)"|(?P<number_key>\d+))\])?$')


@dataclass(frozen=True)
class ResourceName:
    address: str
    group: str  # heading of the module that makes it, e.g. "Storage"
    name: str  # e.g. "shared volume /data"
    resource_type: str
    is_data: bool = False  # a lookup, not something created
    rank: int = len(NAMES)  # its place in NAMES (build order); resources it does not know come after


def build_order(name: ResourceName) -> tuple[int, int, str]:
    """Where a resource comes in every list of them: by module in build order, then by resource in build order,
    then by address. Terraform reports resources in whatever order its parallel walk reached them, so a list in
    that order would change from one plan to the next."""
    order = [*MODULE_GROUPS.values(), ROOT_GROUP]
    group = order.index(name.group) if name.group in order else len(order)
    return group, name.rank, name.address


def describe(address: str) -> ResourceName:
    """The readable name and group of one resource address."""
    rest = address
    modules: list[str] = []
    while match := _MODULE.match(rest):
        modules.append(match["name"])
        rest = rest[match.end():]
    group = _group(modules)
    resource = _RESOURCE.match(rest)
    if resource is None:  # not an address Terraform would write; show it as it is
        return ResourceName(address=address, group=group, name=address, resource_type="")
    resource_type, is_data = resource["type"], bool(resource["data"])
    namer = NAMES.get((resource_type, resource["name"]))
    if resource["text_key"] is not None:
        key = resource["text_key"].replace('\\"', '"').replace("\\\\", "\\")
    else:  # a count index: our modules count 0 or 1 of a thing, so the index says nothing
        key = "" if namer or resource["number_key"] in (None, "0") else f"#{resource['number_key']}"
    name = namer(key) if namer else _generic_name(resource_type, resource["name"], key)
    if is_data:
        name = f"lookup: {name}"
    rank = _RANKS.get((resource_type, resource["name"]), len(NAMES))
    return ResourceName(address=address, group=group, name=name, resource_type=resource_type, is_data=is_data,
                        rank=rank)


_RANKS = {known: rank for rank, known in enumerate(NAMES)}


def group_by_module(addresses: Iterable[str]) -> dict[str, list[ResourceName]]:
    """Names grouped under their module's heading, groups and names in build order (build_order)."""
    groups: dict[str, list[ResourceName]] = {}
    for described in sorted(map(describe, addresses), key=build_order):
        groups.setdefault(described.group, []).append(described)
    return groups


def _group(modules: list[str]) -> str:
    for module in reversed(modules):
        if module in MODULE_GROUPS:
            return MODULE_GROUPS[module]
    if len(modules) > 1:
        return modules[-1].replace("_", " ").capitalize()
    return ROOT_GROUP


def _generic_name(resource_type: str, name: str, key: str) -> str:
    words = resource_type.removeprefix("aws_").replace("_", " ")
    label = words if name in ("this", "main", "default") else f"{words} {name.replace('_', ' ')}"
    return f"{label} {key}" if key else label
