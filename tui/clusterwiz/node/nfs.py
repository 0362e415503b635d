"""NFS between the head node (server) and compute nodes (clients): exports and systemd mount units."""

from __future__ import annotations

import string

from .params import ClusterParams

HOME = "/home"
# root on compute nodes reads the munge key from the root-only munge directory, so no root squash;
# clients are the cluster's own VPC only.
SHARED_OPTIONS = "rw,sync,no_subtree_check,no_root_squash"
AGENT_OPTIONS = "ro,sync,no_subtree_check,no_root_squash"
_UNESCAPED = set(string.ascii_letters + string.digits + ":_.")


def shared_dirs(head: ClusterParams) -> list[str]:
    """Every directory a compute node mounts from the head node, /home first."""
    return [HOME] + [volume.mount_dir for volume in head.shared_storage]


def render_exports(head: ClusterParams, agent_root: str) -> str:
    lines = ["# Written by clusterwiz: what the head node shares with the cluster's VPC."]
    lines += [f"{directory} {head.nodes_cidr}({SHARED_OPTIONS})" for directory in shared_dirs(head)]
    lines.append(f"{agent_root} {head.nodes_cidr}({AGENT_OPTIONS})")
    return "\n".join(lines) + "\n"


def systemd_escape_path(path: str) -> str:
    """The unit name systemd expects for a mount point (what `systemd-escape --path` prints)."""
    trimmed = path.strip("/")
    if not trimmed:
        return "-"
    out = []
    for index, char in enumerate(trimmed):
        if char == "/":
            out.append("-")
        elif char in _UNESCAPED and not (index == 0 and char == "."):
            out.append(char)
        else:
            out.append("".join(f"\\x{byte:02x}" for byte in char.encode()))
    return "".join(out)


def mount_unit_name(path: str) -> str:
    return systemd_escape_path(path) + ".mount"


def render_mount_unit(server: str, directory: str) -> str:
    return (
        "[Unit]\n"
        f"Description=clusterwiz shared {directory} from the head node\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        # systemd adds this to an NFS mount, but from the mount table: said here, the order holds whatever the
        # table shows (a twin's stand-in client shows a local file system).
        "Before=remote-fs.target\n"
        "\n"
        "[Mount]\n"
        f"What={server}:{directory}\n"
        f"Where={directory}\n"
        "Type=nfs\n"
        "Options=hard,_netdev,vers=4.1\n"
        "TimeoutSec=120\n"
        "\n"
        "[Install]\n"
        "WantedBy=remote-fs.target\n"
    )


def compute_mount_units(head: ClusterParams, server: str) -> dict[str, str]:
    """Unit file name -> content, for every shared directory."""
    return {mount_unit_name(directory): render_mount_unit(server, directory) for directory in shared_dirs(head)}
