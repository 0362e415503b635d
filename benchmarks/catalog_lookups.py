"""Replay the AWS lookups of a complete wizard run against moto with 100 ms added to every AWS call.

Prints the number of AWS calls, the total wall time, and how long each wizard step waits for its
lookups, without prefetch (each step asks when it opens) and with prefetch as the wizard does it (the
next step's form is prepared while the user reads the current one; preparing the region step starts
everything about the preselected region, the cluster name's AWS check included), for two walks through
the wizard: every default taken, and the user's own VPC, volume and key pair. Run from the repository root:

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
from dataclasses import dataclass
from pathlib import Path

from tests.catalog.account import REGION, Account, build_account
from tests.catalog.specs import make_spec
from tests.support.moto_server import UNSET_VARIABLES, aws_environment, running_moto_server

from clusterwiz.core.aws.catalog import Catalog
from clusterwiz.core.aws.session import AwsSession
from clusterwiz.core.cost import ROOT_VOLUME_TYPE
from clusterwiz.core.review import build_review
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.screens.wizard import REFRESH_DELAY_S

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


Lookups = Callable[[Catalog], object]


@dataclass(frozen=True)
class Step:
    """What a wizard step looks up when it opens, and when the user rests the cursor on a pick that reshapes the
    form (a VPC: its DNS flags and subnets). The screen starts the pick's lookups as the cursor lands on it."""

    name: str
    on_open: Lookups | None = None
    on_pick: Lookups | None = None


@dataclass(frozen=True)
class Walk:
    title: str
    steps: list[Step]
    spec: ClusterSpec

    def calls_moto_cannot_answer(self) -> str:
        """What a real account is also asked, which moto does not implement (the catalog skips it there): the
        review's prices, one Pricing call per priced item, and the vCPU quotas."""
        volume_types = {ROOT_VOLUME_TYPE} | {v.volume_type for v in self.spec.shared_storage if not v.volume_id}
        priced = len(set(self.spec.instance_types)) + len(volume_types)
        return (f"on a real account also: Pricing GetProducts {priced} (one per instance and volume type priced), "
                "Service Quotas ListServiceQuotas 1 or more pages; moto implements neither")


def walks(account: Account) -> list[Walk]:
    """The steps as core/steps.py defines them, answered two ways; the review is core/review.build_review."""
    zone = f"{REGION}a"

    def types(architecture: str | None = None) -> Lookups:
        return lambda c: (c.instance_types(REGION, zone, architecture), c.offerings(REGION))

    def review(spec: ClusterSpec, creates_key: bool) -> Lookups:
        return lambda c: build_review(spec, c, creates_key=creates_key)

    def steps(network: Step, storage: Lookups | None, spec: ClusterSpec, creates_key: bool) -> list[Step]:
        return [
            Step("account", lambda c: c.caller_identity()),
            Step("name"),  # checked against the registry; AWS is asked in the review (prefetched)
            Step("region", lambda c: (c.regions(), c.availability_zones(REGION))),
            network,
            Step("os image", lambda c: c.os_images(REGION)),
            Step("head node", types()),
            Step("queues", lambda c: (types("x86_64")(c), c.vcpu_quotas(REGION))),
            Step("storage", storage),
            Step("key pair", lambda c: c.key_pairs(REGION)),
            Step("review", review(spec, creates_key)),
        ]

    defaults = make_spec(name=CLUSTER_NAME, key_pair=f"{CLUSTER_NAME}-key", shared_storage=[],
                         network={"availability_zone": zone, "ssh_cidr": None})
    existing = make_spec(name=CLUSTER_NAME, shared_storage=[{"mount_dir": "/shared", "volume_id": account.volume_a}],
                         network={"vpc_id": account.hpc_vpc, "subnet_id": account.subnet_a, "ssh_cidr": "1.2.3.4/32"})
    return [
        Walk("every default (new VPC, no extra volume, new key pair)", steps(
            Step("network", lambda c: (c.vpc_summaries(REGION), c.availability_zones(REGION))),
            None, defaults, creates_key=True), defaults),
        Walk("own VPC, subnet, volume and key pair", steps(
            Step("network", lambda c: c.vpc_summaries(REGION),
                 on_pick=lambda c: (c.vpc(REGION, account.hpc_vpc), c.subnets(REGION, account.hpc_vpc))),
            lambda c: c.volumes(REGION), existing, creates_key=False), existing),
    ]


def _timed(lookups: Lookups | None, catalog: Catalog) -> float:
    started = time.perf_counter()
    if lookups is not None:
        lookups(catalog)
    return time.perf_counter() - started


def run_wizard(endpoint: str, walk: Walk, latency_s: float, prefetch: bool, think_s: float,
               cache_dir: Path) -> tuple[list[tuple[str, float]], SlowAws, float]:
    slow = SlowAws(latency_s)
    session = AwsSession(region=REGION, endpoint_url=endpoint)
    session.boto_session.events.register("before-send", slow)
    catalog = Catalog(session, cache_dir=cache_dir)
    waits = []
    started = time.perf_counter()
    for index, step in enumerate(walk.steps):
        if prefetch and step.name == "name":
            # While the name step shows, the wizard prepares the region step ahead; preparing it (core/steps.py
            # prepare_step) starts everything about its preselected region, the name's AWS check included.
            catalog.prefetch_region(REGION, cluster_name=CLUSTER_NAME)
        if prefetch and index:
            time.sleep(think_s)  # the user reads the step; lookups run meanwhile
        wait = _timed(step.on_open, catalog)
        following = walk.steps[index + 1] if index + 1 < len(walk.steps) else None
        if prefetch and following is not None and following.on_open is not None:
            # The screen prepares the next step's form, hidden, as soon as this one shows (_prepare_next_step).
            threading.Thread(target=following.on_open, args=(catalog,), daemon=True).start()
        if step.on_pick is not None:
            if prefetch:
                # The cursor lands on the pick: its lookups start; the form is rebuilt once the cursor rests.
                threading.Thread(target=step.on_pick, args=(catalog,), daemon=True).start()
                time.sleep(REFRESH_DELAY_S)
            wait += _timed(step.on_pick, catalog)
        waits.append((step.name, wait))
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
    print(f"catalog lookups of one wizard run, moto + {args.latency_ms:.0f} ms per AWS call")
    with moto_in_another_process() as (endpoint, account), tempfile.TemporaryDirectory() as caches:
        os.environ.update(aws_environment(endpoint))
        for number, walk in enumerate(walks(account)):
            first, again, prefetched = (Path(caches, f"{number}-first"), Path(caches, f"{number}-first"),
                                        Path(caches, f"{number}-prefetch"))
            cold = run_wizard(endpoint, walk, latency, prefetch=False, think_s=0, cache_dir=first)
            # A second wizard run on this machine: instance types and offerings come from the disk cache.
            cached = run_wizard(endpoint, walk, latency, prefetch=False, think_s=0, cache_dir=again)
            warm = run_wizard(endpoint, walk, latency, prefetch=True, think_s=args.think_s, cache_dir=prefetched)
            report(walk, cold, cached, warm, args.think_s)


def report(walk: Walk, cold: tuple, cached: tuple, warm: tuple, think_s: float) -> None:
    (cold_waits, slow_cold, wall_cold), (again_waits, slow_again, _), (warm_waits, slow_warm, wall_warm) = (
        cold, cached, warm)
    print(f"\nwalk: {walk.title}")
    print(f"{'step':<12}{'no prefetch':>14}{'no prefetch,':>16}{'prefetch':>12}")
    print(f"{'':<12}{'cold cache':>14}{'disk cache':>16}{'cold cache':>12}")
    for (name, wait), (_, again), (_, prefetched) in zip(cold_waits, again_waits, warm_waits, strict=True):
        print(f"{name:<12}{wait * 1000:>11.0f} ms{again * 1000:>13.0f} ms{prefetched * 1000:>9.0f} ms")
    total_cold, total_warm = sum(w for _, w in cold_waits), sum(w for _, w in warm_waits)
    total_again = sum(w for _, w in again_waits)
    worst_warm = max(w for _, w in warm_waits[1:])  # the first step opens before anything can be prefetched
    print(f"{'total wait':<12}{total_cold * 1000:>11.0f} ms{total_again * 1000:>13.0f} ms{total_warm * 1000:>9.0f} ms")
    print(f"AWS calls: {len(slow_cold.calls)} cold without prefetch, {len(slow_again.calls)} with the disk cache, "
          f"{len(slow_warm.calls)} cold with prefetch (goal <= {GOAL_CALLS} cold)")
    print(f"wall time: {wall_cold:.2f} s without prefetch; {wall_warm:.2f} s with prefetch "
          f"(includes {think_s:.1f} s of user time per step)")
    print(f"slowest prefetched step after the first: {worst_warm * 1000:.0f} ms "
          f"(goal <= {GOAL_STEP_WAIT_S * 1000:.0f} ms); total wait with prefetch {total_warm:.2f} s, "
          f"without {total_cold:.2f} s (goal <= {GOAL_TOTAL_WAIT_S:.1f} s)")
    for label, calls in (("cold", slow_cold.calls), ("cold with prefetch", slow_warm.calls)):
        counts: dict[str, int] = {}
        for call in calls:
            counts[call] = counts.get(call, 0) + 1
        print(f"calls by operation, {label}: " + ", ".join(f"{op} {n}" for op, n in sorted(counts.items())))
    print(walk.calls_moto_cannot_answer())


if __name__ == "__main__":
    main()
