"""What a forgotten cluster costs: from its last job until it has stopped itself, and over a weekend.

A cluster of the spec's defaults (head node t3.medium, one queue of c5.large that scales from 0 to 4, idle stop
after the default idle_stop_minutes) is priced by the same estimate every screen shows (core/cost.py: instances,
public IPv4, volumes), from the bundled price snapshot (moto's server, started here, has no Pricing API). After its
last job the nodes that ran it idle out after scaledown_idle_minutes, the head node stops the cluster after
idle_stop_minutes, and from then on only the volumes bill. The same cluster left running bills its head node and
volumes for the whole weekend. Run: python benchmarks/forgotten_cluster.py [nodes_busy_at_the_last_job]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tui"), str(ROOT)]

from tests.support.moto_server import UNSET_VARIABLES, aws_environment, running_moto_server  # noqa: E402

from clusterwiz.core.aws.catalog import Catalog  # noqa: E402
from clusterwiz.core.aws.session import AwsSession  # noqa: E402
from clusterwiz.core.cost import estimate  # noqa: E402
from clusterwiz.core.spec import ClusterSpec  # noqa: E402

WEEKEND_HOURS = 64  # Friday 17:00 to Monday 09:00


def default_spec() -> ClusterSpec:
    return ClusterSpec.model_validate({"name": "forgotten", "region": "eu-west-2",
                                       "queues": [{"name": "compute", "instance_types": ["c5.large"],
                                                   "max_nodes": 4}]})


def main() -> None:
    busy_nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    for key in UNSET_VARIABLES:
        os.environ.pop(key, None)
    with running_moto_server() as endpoint:
        os.environ.update(aws_environment(endpoint))
        spec = default_spec()
        catalog = Catalog(AwsSession())
        idle = estimate(spec, catalog)  # head node and volumes: the queue starts at 0 nodes
        one_node = estimate(spec.model_copy(update={"queues": [spec.queues[0].model_copy(
            update={"initial_nodes": 1, "min_nodes": 1})]}), catalog)
    node_per_hour = one_node.per_hour_now - idle.per_hour_now
    idle_hours = spec.idle_stop_minutes / 60
    scaledown_hours = spec.scaledown_idle_minutes / 60
    to_stopped = (idle.per_hour_now * idle_hours + busy_nodes * node_per_hour * scaledown_hours)
    weekend_with_stop = to_stopped + idle.per_hour_stopped * (WEEKEND_HOURS - idle_hours)
    weekend_running = idle.per_hour_now * WEEKEND_HOURS + busy_nodes * node_per_hour * scaledown_hours
    print(f"default cluster in {spec.region}: head node {spec.head_node.instance_type}, queue of "
          f"{spec.queues[0].instance_types[0]} (0 to {spec.queues[0].max_nodes}), prices as of {idle.as_of}")
    print(f"  head node and volumes ${idle.per_hour_now:.4f}/h; each node ${node_per_hour:.4f}/h; "
          f"stopped ${idle.per_hour_stopped:.4f}/h")
    print(f"  last job ({busy_nodes} nodes) -> nodes gone after {spec.scaledown_idle_minutes} min -> cluster "
          f"stopped after {spec.idle_stop_minutes} min: ${to_stopped:.2f}")
    print(f"  a forgotten weekend ({WEEKEND_HOURS} h) with idle stop: ${weekend_with_stop:.2f}; "
          f"left running: ${weekend_running:.2f}")


if __name__ == "__main__":
    main()
