"""Replay the AWS lookups of a complete wizard run against moto with 100 ms added to every AWS call.

Prints the number of AWS calls, the total wall time, and how long each wizard step waits for its
lookups, without prefetch (each step asks when it opens) and with prefetch (lookups start as soon as
the region is known, while the user reads and answers). Run from the repository root:

    PYTHONPATH=tui:. python benchmarks/catalog_lookups.py [--latency-ms 100] [--think-s 1.0]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.catalog.account import REGION, Account, build_account
from tests.catalog.specs import make_spec
from tests.support.moto_server import UNSET_VARIABLES, aws_environment, running_moto_server

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.cost import estimate
from clusterwiz.core.validate import validate

GOAL_CALLS, GOAL_TOTAL_WAIT_S, GOAL_STEP_WAIT_S = 15, 1.0, 0.050
CLUSTER_NAME = "demo"


class SlowAws:
    """Adds a fixed latency to every AWS request and counts them (botocore's before-send event)."""

    def __init__(self, latency_s: float):
        self.latency_s = latency_s
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, request, **_: object) -> None:
        with self._lock:
            self.calls.append(_operation(request))
        time.sleep(self.latency_s)


def _operation(request) -> str:
    body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
    for part in body.split("&"):
        if part.startswith("Action="):
            return part.removeprefix("Action=")
    return request.headers.get("X-Amz-Target", b"?").decode() if request.headers.get("X-Amz-Target") else "?"


def wizard_steps(account: Account) -> list[tuple[str, Callable[[Catalog], object]]]:
    """What each wizard step looks up when it opens, in the order a user meets them."""
    network = {"vpc_id": account.hpc_vpc, "subnet_id": account.subnet_a, "ssh_cidr": "1.2.3.4/32"}
    spec = make_spec(name=CLUSTER_NAME, network=network,
                     shared_storage=[{"mount_dir": "/shared", "volume_id": account.volume_a}])
    return [
        ("account", lambda c: c.caller_identity()),
        ("region", lambda c: c.regions()),
        ("zones", lambda c: c.availability_zones(REGION)),
        # The list without DNS flags; the flags of the chosen VPC only.
        ("network", lambda c: (c.vpc_summaries(REGION), c.vpc(REGION, account.hpc_vpc),
                               c.subnets(REGION, account.hpc_vpc))),
        ("os image", lambda c: c.os_images(REGION)),
        ("head node", lambda c: (c.instance_types(REGION, f"{REGION}a"), c.prices(REGION, ["t3.medium"]))),
        ("queues", lambda c: (c.instance_types(REGION, f"{REGION}a", "x86_64"), c.vcpu_quotas(REGION))),
        ("storage", lambda c: c.volumes(REGION)),
        ("key pair", lambda c: c.key_pairs(REGION)),
        ("review", lambda c: (estimate(spec, c), validate(spec, c))),
    ]


def run_wizard(endpoint: str, account: Account, latency_s: float, prefetch: bool, think_s: float,
               cache_dir: Path) -> tuple[list[tuple[str, float]], SlowAws, float]:
    slow = SlowAws(latency_s)
    session = AwsSession(region=REGION, endpoint_url=endpoint)
    session.boto_session.events.register("before-send", slow)
    catalog = Catalog(session, cache_dir=cache_dir)
    waits = []
    started = time.perf_counter()
    if prefetch:
        catalog.prefetch("caller_identity", "regions")
    for index, (name, lookups) in enumerate(wizard_steps(account)):
        if prefetch and name == "region":
            # The region step opens with the profile's region preselected: everything about it starts
            # now, while the user confirms it (a different answer would start another prefetch).
            catalog.prefetch_region(REGION, cluster_name=CLUSTER_NAME)
        if prefetch and index:
            time.sleep(think_s)  # the user reads the step and answers; lookups run meanwhile
        opened = time.perf_counter()
        lookups(catalog)
        waits.append((name, time.perf_counter() - opened))
    wall = time.perf_counter() - started
    catalog.close()
    return waits, slow, wall


def _serve_moto(ready: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    with running_moto_server() as endpoint:
        os.environ.update(aws_environment(endpoint))
        ready.put((endpoint, build_account()))
        stop.wait()


@contextmanager
def moto_in_another_process() -> Iterator[tuple[str, Account]]:
    """moto with a realistic account, in its own process: its work must not compete for our GIL."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve_moto, args=(ready, stop), daemon=True)
    server.start()
    try:
        yield ready.get(timeout=120)
    finally:
        stop.set()
        server.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--think-s", type=float, default=1.0, help="time a user spends on a step (prefetch run)")
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    for key in UNSET_VARIABLES:
        os.environ.pop(key, None)
    with moto_in_another_process() as (endpoint, account), tempfile.TemporaryDirectory() as caches:
        os.environ.update(aws_environment(endpoint))
        cold, slow_cold, wall_cold = run_wizard(endpoint, account, latency, prefetch=False, think_s=0,
                                                cache_dir=Path(caches, "first"))
        # A second wizard run on this machine: instance types and offerings come from the disk cache.
        again, slow_again, _ = run_wizard(endpoint, account, latency, prefetch=False, think_s=0,
                                          cache_dir=Path(caches, "first"))
        warm, slow_warm, wall_warm = run_wizard(endpoint, account, latency, prefetch=True, think_s=args.think_s,
                                                cache_dir=Path(caches, "prefetch"))

    print(f"catalog lookups of one wizard run, moto + {args.latency_ms:.0f} ms per AWS call, cold cache")
    print(f"{'step':<12}{'no prefetch':>14}{'no prefetch,':>16}{'prefetch':>12}")
    print(f"{'':<12}{'cold cache':>14}{'disk cache':>16}{'cold cache':>12}")
    for (name, wait), (_, cached), (_, prefetched) in zip(cold, again, warm, strict=True):
        print(f"{name:<12}{wait * 1000:>11.0f} ms{cached * 1000:>13.0f} ms{prefetched * 1000:>9.0f} ms")
    total_cold, total_warm = sum(w for _, w in cold), sum(w for _, w in warm)
    total_again = sum(w for _, w in again)
    worst_warm = max(w for _, w in warm[1:])  # the first step opens before anything can be prefetched
    print(f"{'total wait':<12}{total_cold * 1000:>11.0f} ms{total_again * 1000:>13.0f} ms{total_warm * 1000:>9.0f} ms")
    print(f"AWS calls: {len(slow_cold.calls)} cold without prefetch, {len(slow_again.calls)} with the disk cache, "
          f"{len(slow_warm.calls)} cold with prefetch (goal <= {GOAL_CALLS} cold)")
    print(f"wall time: {wall_cold:.2f} s without prefetch; {wall_warm:.2f} s with prefetch "
          f"(includes {args.think_s:.1f} s of user time per step)")
    print(f"slowest prefetched step after the first: {worst_warm * 1000:.0f} ms "
          f"(goal <= {GOAL_STEP_WAIT_S * 1000:.0f} ms); total wait with prefetch {total_warm:.2f} s, "
          f"without {total_cold:.2f} s (goal <= {GOAL_TOTAL_WAIT_S:.1f} s)")
    counts: dict[str, int] = {}
    for call in slow_cold.calls:
        counts[call] = counts.get(call, 0) + 1
    print("calls by operation: " + ", ".join(f"{op} {n}" for op, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
