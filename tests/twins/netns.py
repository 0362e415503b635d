"""Network namespaces for the twins: one per instance, joined by a bridge in the fabric's own namespace.

No address inside them is routed from this machine except the head node's public address (a /32 towards the
fabric, for `clusterwiz ssh`). Listening sockets inside a namespace are made by a thread that enters it for the
moment of socket(2), so the harness serves IMDS and the relay from this process with no helper process.
"""

from __future__ import annotations

import ctypes
import ipaddress
import os
import socket
import subprocess
import threading
from collections.abc import Callable
from typing import TypeVar

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
_libc = ctypes.CDLL(None, use_errno=True)
T = TypeVar("T")


def ip(*arguments: str, namespace: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    prefix = ["ip", "-n", namespace] if namespace else ["ip"]
    return subprocess.run([*prefix, *arguments], capture_output=True, text=True, check=check)


def sysctl(namespace: str, setting: str) -> None:
    subprocess.run(["ip", "netns", "exec", namespace, "sysctl", "-q", "-w", setting], check=True)


def in_namespace(namespace: str, make: Callable[[], T]) -> T:
    """Call make() in a thread that has entered the namespace; what it makes (sockets) stays in it."""
    result: list[T] = []
    errors: list[BaseException] = []

    def enter() -> None:
        descriptor = os.open(os.path.join(NETNS_DIR, namespace), os.O_RDONLY)
        try:
            if _libc.setns(descriptor, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {namespace}")
            result.append(make())
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            errors.append(error)
        finally:
            os.close(descriptor)

    # The thread ends in the namespace it entered; threads are not reused, so nothing else runs there.
    thread = threading.Thread(target=enter, name=f"netns-{namespace}")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def listening_socket(namespace: str, address: str, port: int) -> socket.socket:
    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(64)
        return sock

    return in_namespace(namespace, make)


class Fabric:
    """The bridge the instances' namespaces hang on, with each subnet's router address, and a link to this host."""

    def __init__(self, prefix: str):
        self.prefix = prefix  # short and unique: interface names are limited to 15 characters
        self.namespace = f"{prefix}fab"
        self.gateways: set[str] = set()
        self.host_link = f"{prefix}h"
        self.host_address, self.fabric_address = self._link_addresses(prefix)
        self.public_routes: set[str] = set()
        self.instances: dict[str, str] = {}  # namespace -> veth name on the bridge

    @staticmethod
    def _link_addresses(prefix: str) -> tuple[str, str]:
        block = int.from_bytes(prefix.encode(), "big") % 16000
        base = ipaddress.ip_address("169.254.0.0") + 4 * block + 4
        return str(base + 1), str(base + 2)

    def create(self) -> None:
        ip("netns", "add", self.namespace)
        ip("link", "set", "lo", "up", namespace=self.namespace)
        ip("link", "add", "br0", "type", "bridge", namespace=self.namespace)
        ip("link", "set", "br0", "up", namespace=self.namespace)
        sysctl(self.namespace, "net.ipv4.ip_forward=1")
        ip("link", "add", self.host_link, "type", "veth", "peer", "name", "uplink", "netns", self.namespace)
        ip("addr", "add", f"{self.host_address}/30", "dev", self.host_link)
        ip("link", "set", self.host_link, "up")
        ip("addr", "add", f"{self.fabric_address}/30", "dev", "uplink", namespace=self.namespace)
        ip("link", "set", "uplink", "up", namespace=self.namespace)

    def add_subnet(self, cidr: str) -> str:
        """The subnet's router (its first address, as in a VPC) on the bridge; returns it."""
        network = ipaddress.ip_network(cidr)
        gateway = str(network.network_address + 1)
        if gateway not in self.gateways:
            ip("addr", "add", f"{gateway}/{network.prefixlen}", "dev", "br0", namespace=self.namespace)
            self.gateways.add(gateway)
        return gateway

    def attach(self, namespace: str, private_ip: str, cidr: str, public_ip: str | None) -> str:
        """A namespace for one instance, its eth0 on the bridge at private_ip; returns its router."""
        gateway = self.add_subnet(cidr)
        prefixlen = ipaddress.ip_network(cidr).prefixlen
        index = len(self.instances)
        bridge_end = f"{self.prefix}v{index}"
        ip("netns", "add", namespace)
        ip("link", "set", "lo", "up", namespace=namespace)
        ip("link", "add", bridge_end, "netns", self.namespace, "type", "veth", "peer", "name", "eth0",
           "netns", namespace)
        ip("link", "set", bridge_end, "master", "br0", "up", namespace=self.namespace)
        ip("addr", "add", f"{private_ip}/{prefixlen}", "dev", "eth0", namespace=namespace)
        ip("link", "set", "eth0", "up", namespace=namespace)
        ip("route", "add", "default", "via", gateway, namespace=namespace)
        # IMDS answers on its link-local address inside the instance's own namespace, as on EC2.
        ip("addr", "add", "169.254.169.254/32", "dev", "lo", namespace=namespace)
        if public_ip:
            # EC2 maps the public address to the private one outside the instance; here the head holds it.
            ip("addr", "add", f"{public_ip}/32", "dev", "eth0", namespace=namespace)
            ip("route", "replace", f"{public_ip}/32", "via", private_ip, namespace=self.namespace)
            ip("route", "replace", f"{public_ip}/32", "via", self.fabric_address)
            self.public_routes.add(public_ip)
        self.instances[namespace] = bridge_end
        return gateway

    def detach(self, namespace: str) -> None:
        bridge_end = self.instances.pop(namespace, None)
        if bridge_end:
            ip("link", "del", bridge_end, namespace=self.namespace, check=False)
        ip("netns", "del", namespace, check=False)

    def destroy(self) -> None:
        for namespace in list(self.instances):
            self.detach(namespace)
        for public_ip in self.public_routes:
            ip("route", "del", f"{public_ip}/32", check=False)
        ip("link", "del", self.host_link, check=False)
        ip("netns", "del", self.namespace, check=False)
