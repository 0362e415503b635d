"""Where things live on a node: paths, ports and users that differ between a real node and a test."""

from __future__ import annotations

from dataclasses import dataclass

AGENT_ROOT = "/opt/clusterwiz"


@dataclass(frozen=True)
class Layout:
    """Paths are absolute on the node; tests point them into a temporary directory."""

    agent_root: str = AGENT_ROOT
    slurm_user: str = "slurm"
    state_dir: str = "/var/spool/slurmctld"
    spool_dir: str = "/var/spool/slurmd"
    log_dir: str = "/var/log/slurm"
    pid_dir: str = "/run"
    munge_socket: str | None = None  # None: munge's default socket
    slurmctld_port: int = 6817
    slurmd_port: int = 6818
    python: str = "/usr/bin/python3"

    @property
    def slurm_conf(self) -> str:
        """Shared with compute nodes over NFS, like the munge key, so they never need it in user_data."""
        return self.agent_root + "/etc/slurm.conf"

    @property
    def munge_dir(self) -> str:
        return self.agent_root + "/munge"

    @property
    def head_params(self) -> str:
        return self.agent_root + "/params.json"
