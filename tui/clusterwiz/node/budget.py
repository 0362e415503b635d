"""Budget of the whole cluster, kept by the head node's scaler each pass.

The spend adds up, from the prices fixed when the cluster was rendered (params.json: $/h of each instance type with
its public IPv4 address, $/GiB-month of each volume type), the real run times of the cluster's running instances and
of its volumes, as EC2 describes them by their clusterwiz:cluster tag. The budget is the head node's own
`clusterwiz:budget-usd` tag (set by Terraform, changed in place by `clusterwiz budget`); the spend goes on its
`clusterwiz:spend-usd` tag, where status reads it. At 80% logged-in users are warned once; at 100% the nodes are
drained (no job starts, no node is added) and the cluster stops once its running jobs end or after GRACE_SECONDS.
"""

from __future__ import annotations

import time

from . import slurm_cli
from .idle import read_state, warn_users, write_state

BUDGET_TAG = "clusterwiz:budget-usd"
SPEND_TAG = "clusterwiz:spend-usd"
# Not under /run: the volumes bill while the head node is stopped, and the spend counts from the creation.
LEDGER_FILE = "/var/lib/clusterwiz/spend.json"
GRACE_SECONDS = 1800.0
WARN_SHARE = 0.8


def check_budget(config, fleet, head_instance_id, stop_cluster, log, now=None, ledger_file=LEDGER_FILE):
    """Add what the cluster cost since the last pass and tag it; warn at 80%, and at 100% drain the nodes and
    stop the cluster (returns "over" while it waits for running jobs, "stop" once it stopped it)."""
    current = time.time() if now is None else now
    ledger = read_state(ledger_file)
    spent = ledger.get("usd", 0) + sum(max(current - max(start.timestamp(), ledger.get("at", 0)), 0) / 3600 * rate
                                       for start, rate in fleet.billed(config.cluster_name, config.prices))
    ledger.update(at=current, usd=spent)
    fleet.tag(head_instance_id, SPEND_TAG, f"{spent:.2f}")
    try:
        budget = float(fleet.tag_of(head_instance_id, BUDGET_TAG) or "inf")
    except ValueError:
        budget = float("inf")  # never stop a cluster on an amount nobody can read
    spent_of = f"clusterwiz: this cluster spent ${spent:.2f} of its ${budget:g} budget"
    step = None
    if spent < budget:
        ledger.pop("over", None)  # a budget raised in time lets the cluster go on
        if spent >= WARN_SHARE * budget and not ledger.get("warned"):
            ledger["warned"] = True
            _say(f"{spent_of}; it stops at 100%", log)
    else:
        step = "over"
        if "over" not in ledger:
            ledger["over"] = current
            for node in slurm_cli.cluster_nodes(sorted(config.group_queues.values())):
                slurm_cli.set_node_state(node.name, "DRAIN", "clusterwiz-budget")
            _say(f"{spent_of}: no new job starts; it stops when running jobs end, in {GRACE_SECONDS / 60:g} min at "
                 "most", log)
        if not slurm_cli.job_count("R", "CG") or current - ledger["over"] >= GRACE_SECONDS:
            step = "stop"
            stop_cluster(f"budget: ${spent:.2f} spent of its ${budget:g} budget")
    write_state(ledger_file, ledger)
    return step


def _say(message, log):
    warn_users(message)
    log(message)
