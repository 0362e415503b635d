"""Figures of the node agent on the local setup (real Slurm + moto's server), printed.

    python benchmarks/bootstrap_figures.py [--rounds N]

- job submission -> scaler decision: sbatch to an empty queue, then one scaler pass (Slurm queries,
  the decision, SetDesiredCapacity on moto) until the group's desired capacity is raised;
- slurmd start -> first job: a dynamic slurmd with the generated options starts while a job waits
  for its partition; time until that job runs on it.
- the node agent archive's size against EC2's 16 KiB user_data limit.
On AWS both latencies are dwarfed by an instance's boot and bootstrap (minutes), and the scaler
runs every 30 s from its systemd timer: these figures show what clusterwiz itself adds.
Needs root and Debian's slurmctld slurmd slurm-client munge (as the tests do).
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tui"), str(ROOT)]

import boto3  # noqa: E402
from tests.node.conftest import head_params_data  # noqa: E402
from tests.support.moto_server import UNSET_VARIABLES, aws_environment, reset_moto, running_moto_server  # noqa: E402
from tests.support.slurm import local_slurm  # noqa: E402

from clusterwiz.core.node_agent import build_node_agent_archive  # noqa: E402
from clusterwiz.node.autoscaling import Fleet  # noqa: E402
from clusterwiz.node.generate import head_files  # noqa: E402
from clusterwiz.node.params import parse_params  # noqa: E402
from clusterwiz.node.scaler import ScalerConfig, scale_once  # noqa: E402
from clusterwiz.node.slurm_conf import node_name, slurmd_arguments  # noqa: E402


def milliseconds(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms   min {min(values) * 1000:7.1f}   " \
           f"max {max(values) * 1000:7.1f}   (n={len(values)})"


def make_group(name: str, max_size: int) -> None:
    ec2 = boto3.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    template = ec2.create_launch_template(LaunchTemplateName=f"{name}-lt",
                                          LaunchTemplateData={"ImageId": image, "InstanceType": "c6i.xlarge"})
    boto3.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=0, MaxSize=max_size, DesiredCapacity=0,
        AvailabilityZones=[f"{os.environ['AWS_REGION']}a"],
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"]})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    params = parse_params(head_params_data())
    archive = base64.b64encode(build_node_agent_archive())
    print(f"node agent archive: {len(archive)} bytes base64 (EC2 user_data limit 16384, the rest is "
          "the cloud-init template and params.json)")
    decision, first_job = [], []
    with running_moto_server() as endpoint:
        for key in UNSET_VARIABLES:
            os.environ.pop(key, None)
        os.environ.update(aws_environment(endpoint))
        for round_number in range(rounds):
            reset_moto(endpoint)
            make_group("demo-compute", 4)
            with local_slurm() as slurm:
                os.environ["SLURM_CONF"] = str(slurm.conf_path)
                slurm.start_controller(head_files(params, slurm.layout, "localhost", "127.0.0.1")
                                       [slurm.layout.slurm_conf].content)
                config = ScalerConfig("demo", os.environ["AWS_REGION"], 600.0, {"demo-compute": "compute"})
                fleet = Fleet(config.region)
                started = time.monotonic()
                job = slurm.submit("-p", "compute", "--wrap", "true")
                scale_once(config, fleet, log=lambda line: None)
                decision.append(time.monotonic() - started)
                instance = f"i-0{round_number:016x}"
                slurmd_started = slurm.start_node(node_name("compute", instance),
                                                  slurmd_arguments(slurm.layout, "compute", instance), wait=False)
                slurm.wait_until(lambda job=job: slurm.job_state(job) in ("RUNNING", "COMPLETED"), 30, "the job")
                first_job.append(time.monotonic() - slurmd_started)
    print(f"job submission -> scaler decision applied:  {milliseconds(decision)}")
    print(f"slurmd start -> first job running:          {milliseconds(first_job)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
