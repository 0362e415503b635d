"""Job pipelines: a CfnCluster Step Functions job file run on a cluster's Slurm, over SSH."""
