"""clusterwiz: a guided path from an AWS account to a running Slurm cluster, and back to zero cost."""

__version__ = "0.1.0"
