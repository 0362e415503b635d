"""The pure generator: cluster parameters -> every file a node needs, and an idempotent writer for them."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass

from .instance import IMDS_ADDRESS, IMDS_IPV6_ADDRESS
from .layout import Layout
from .nfs import compute_mount_units, render_exports
from .params import ClusterParams
from .slurm_conf import SLURMCTLD_RUNTIME_DIRECTORY, render_slurm_conf, slurmd_arguments

SYSTEMD_DIR = "/etc/systemd/system"
SCALER_CONFIG = "/etc/clusterwiz/scaler.json"
SCALER_UNIT = "clusterwiz-scaler"
SCALER_INTERVAL_SECONDS = 30
IMDS_GUARD_UNIT = "clusterwiz-imds-guard"
IMDS_GUARD_RULES = "/etc/clusterwiz/imds-guard.nft"
IMDS_GUARD_TABLE = "inet clusterwiz_imds"


@dataclass(frozen=True)
class GeneratedFile:
    content: str
    mode: int = 0o644


Tree = dict[str, GeneratedFile]  # absolute path on the node -> file


def scaler_config(head: ClusterParams, layout: Layout) -> str:
    config = {
        "cluster_name": head.cluster_name,
        "region": head.region,
        "scaledown_idle_minutes": head.scaledown_idle_minutes,
        "idle_stop_minutes": head.idle_stop_minutes,
        "prices": head.prices,
        "slurm_conf": layout.slurm_conf,
        "queues": [{"name": queue.name, "group_name": queue.group_name, "node_cpus": queue.node_cpus}
                   for queue in head.queues],
    }
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def _python_environment(layout: Layout) -> str:
    return f"Environment=PYTHONPATH={layout.agent_root}/agent SLURM_CONF={layout.slurm_conf}\n"


def scaler_units(layout: Layout) -> Tree:
    service = (
        "[Unit]\n"
        "Description=clusterwiz scaler: grows and shrinks the compute fleet from the Slurm queue\n"
        "After=slurmctld.service network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        + _python_environment(layout)
        + f"ExecStart={layout.python} -m clusterwiz_node scale --config {SCALER_CONFIG}\n"
    )
    timer = (
        "[Unit]\n"
        "Description=Run the clusterwiz scaler periodically\n"
        "\n"
        "[Timer]\n"
        "OnBootSec=60\n"
        f"OnUnitInactiveSec={SCALER_INTERVAL_SECONDS}\n"
        "AccuracySec=5\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {
        f"{SYSTEMD_DIR}/{SCALER_UNIT}.service": GeneratedFile(service),
        f"{SYSTEMD_DIR}/{SCALER_UNIT}.timer": GeneratedFile(timer),
    }


def imds_guard_files() -> Tree:
    """Only root reaches IMDS on the head node: its role's credentials can resize and terminate the cluster's
    nodes, and a hop limit of 1 stops containers, not a logged-in user (ParallelCluster guards its head the same)."""
    rules = (
        "# Written by clusterwiz: only root (the node agent, the scaler) may reach the instance metadata service;\n"
        "# every other user is refused at once instead of being handed the head node's instance role.\n"
        f"table {IMDS_GUARD_TABLE}\n"
        f"delete table {IMDS_GUARD_TABLE}\n"
        f"table {IMDS_GUARD_TABLE} {{\n"
        "    chain output {\n"
        "        type filter hook output priority filter; policy accept;\n"
        f"        ip daddr {IMDS_ADDRESS} meta skuid != 0 reject\n"
        f"        ip6 daddr {IMDS_IPV6_ADDRESS} meta skuid != 0 reject\n"
        "    }\n"
        "}\n"
    )
    # Before logins are allowed at boot; after the OS's own firewall services, whose rulesets may flush all tables.
    service = (
        "[Unit]\n"
        "Description=clusterwiz: only root may reach the instance metadata service\n"
        "After=nftables.service firewalld.service\n"
        "Before=systemd-user-sessions.service\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "RemainAfterExit=yes\n"
        f"ExecStart=/usr/sbin/nft -f {IMDS_GUARD_RULES}\n"
        f"ExecStop=/usr/sbin/nft delete table {IMDS_GUARD_TABLE}\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )
    return {
        IMDS_GUARD_RULES: GeneratedFile(rules),
        f"{SYSTEMD_DIR}/{IMDS_GUARD_UNIT}.service": GeneratedFile(service),
    }


def head_files(head: ClusterParams, layout: Layout, hostname: str, address: str) -> Tree:
    tree: Tree = {
        layout.slurm_conf: GeneratedFile(render_slurm_conf(head, layout, hostname, address)),
        "/etc/exports.d/clusterwiz.exports": GeneratedFile(render_exports(head, layout.agent_root)),
        SCALER_CONFIG: GeneratedFile(scaler_config(head, layout)),
        SLURMCTLD_DROPIN: GeneratedFile(slurmctld_dropin()),
    }
    tree.update(scaler_units(layout))
    tree.update(imds_guard_files())
    return tree


SLURMD_ENVIRONMENT = "/etc/clusterwiz/slurmd.env"
SLURMD_DROPIN = f"{SYSTEMD_DIR}/slurmd.service.d/clusterwiz.conf"
SLURMCTLD_DROPIN = f"{SYSTEMD_DIR}/slurmctld.service.d/clusterwiz.conf"


def slurmd_environment(layout: Layout, queue: str, instance_id: str) -> str:
    """SLURMD_OPTIONS for the package's own slurmd unit: every supported OS's unit passes it to slurmd."""
    return ("# Written by clusterwiz: this node joins its queue's partition as a dynamic node.\n"
            f"SLURMD_OPTIONS={' '.join(slurmd_arguments(layout, queue, instance_id))}\n")


def slurmd_dropin(layout: Layout) -> str:
    # The unit's own ExecStart stays: Slurm 23.11+ units are Type=notify and start `slurmd --systemd`, 22.05's
    # are Type=simple with `slurmd -D`; replacing it breaks one or the other. A later EnvironmentFile wins.
    return (
        "# Written by clusterwiz: slurmd starts once the head node's share is mounted, with clusterwiz's options.\n"
        "[Unit]\n"
        f"RequiresMountsFor={layout.agent_root}\n"
        "ConditionPathExists=\n"
        "\n"
        "[Service]\n"
        f"EnvironmentFile={SLURMD_ENVIRONMENT}\n"
    )


def slurmctld_dropin() -> str:
    # 23.11+ runs slurmctld as SlurmUser from the start: its pid file goes in a directory of its own, which
    # 22.05's unit does not create.
    return (
        "# Written by clusterwiz: a runtime directory slurmctld can write its pid file in, on every Slurm version.\n"
        "[Service]\n"
        f"RuntimeDirectory={SLURMCTLD_RUNTIME_DIRECTORY}\n"
        "RuntimeDirectoryMode=0755\n"
    )


def compute_files(head: ClusterParams, node: ClusterParams, layout: Layout, instance_id: str) -> Tree:
    tree: Tree = {
        f"{SYSTEMD_DIR}/{name}": GeneratedFile(unit)
        for name, unit in compute_mount_units(head, node.head_private_ip).items()
    }
    tree[SLURMD_DROPIN] = GeneratedFile(slurmd_dropin(layout))
    tree[SLURMD_ENVIRONMENT] = GeneratedFile(slurmd_environment(layout, node.queue, instance_id))
    return tree


def write_tree(tree: Tree, root: str = "/") -> list[str]:
    """Write each file under root unless it already holds that content and mode; return what changed."""
    changed = []
    for path in sorted(tree):
        wanted = tree[path]
        target = os.path.join(root, path.lstrip("/"))
        data = wanted.content.encode("utf-8")
        try:
            with open(target, "rb") as handle:
                same = handle.read() == data and (os.stat(target).st_mode & 0o777) == wanted.mode
        except FileNotFoundError:
            same = False
        if same:
            continue
        directory = os.path.dirname(target)
        os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".clusterwiz-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, wanted.mode)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        changed.append(path)
    return changed
