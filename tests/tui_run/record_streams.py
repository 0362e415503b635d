"""Records the Terraform `-json` streams the run-screen tests replay: run once, by hand, when the modules change.

    PYTHONPATH=tui:. python -m tests.tui_run.record_streams

Real Terraform applies real clusters against moto's server: a plan and apply that succeed (then their
destroy), an apply that fails (the existing volume it attaches is deleted between plan and apply), and
an apply interrupted after its first resources are done. Each Terraform command's stdout is kept
verbatim as streams/<name>.jsonl (plan-show.json holds `terraform show -json` of the plan);
streams/index.json says how each ended and, for the interrupted run, after which line the interrupt
was sent.
"""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import boto3
import yaml

from clusterwiz.core.events import ResourceDone
from clusterwiz.core.lifecycle import Workspace, render_cluster
from clusterwiz.core.settings import Settings
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.terraform import TerraformInterrupted, TerraformRunFailed, TerraformRunner
from tests.support.moto_server import UNSET_VARIABLES, aws_environment, running_moto_server
from tests.support.terraform_env import find_provider_mirror, write_cli_config

STREAMS = Path(__file__).parent / "streams"
REGION = "eu-west-2"
ZONE = "eu-west-2a"
LOG_HEADER = "=== "
STREAMED_COMMAND = " -json -input=false "
DONE_BEFORE_CANCEL = 4


def spec_text(name: str, ami_id: str, existing_volume: str | None = None) -> str:
    existing = f"  - mount_dir: /data\n    volume_id: {existing_volume}\n" if existing_volume else ""
    return textwrap.dedent(f"""\
        name: {name}
        region: {REGION}
        os: ubuntu2404
        ami_id: {ami_id}
        key_pair: workshop
        network:
          availability_zone: {ZONE}
          ssh_cidr: 203.0.113.7/32
        head_node:
          instance_type: t3.medium
        queues:
          - name: compute
            instance_types: [c5.large]
            max_nodes: 4
          - name: gpu
            instance_types: [g4dn.xlarge]
            capacity: spot
            max_nodes: 2
        shared_storage:
          - mount_dir: /shared
            size_gib: 20
        """) + existing


class Recorder:
    def __init__(self, workspace: Workspace, scratch: Path):
        self.workspace = workspace
        self.scratch = scratch
        self.index: dict[str, dict[str, object]] = {}

    def runner(self, name: str, stream: str) -> TerraformRunner:
        record = self.workspace.registry.get(name)
        return TerraformRunner(record.workdir, self.scratch / f"{stream}.log",
                               env=self.workspace.terraform_environment())

    def keep(self, stream: str, outcome: str, **extra: object) -> None:
        lines, streaming = [], False
        for line in (self.scratch / f"{stream}.log").read_text().splitlines(keepends=True):
            if line.startswith(LOG_HEADER):  # a command's header or its exit code: only -json runs are kept
                streaming = STREAMED_COMMAND in line
            elif streaming:
                lines.append(line)
        (STREAMS / f"{stream}.jsonl").write_text("".join(lines))
        self.index[stream] = {"outcome": outcome, **extra}

    def prepare(self, name: str, ami_id: str, existing_volume: str | None = None) -> None:
        spec = ClusterSpec.model_validate(yaml.safe_load(spec_text(name, ami_id, existing_volume)))
        record, _ = render_cluster(self.workspace, spec)
        TerraformRunner(record.workdir, self.scratch / f"{name}-init.log",
                        env=self.workspace.terraform_environment()).init()

    def success(self, ami_id: str) -> None:
        self.prepare("demo", ami_id)
        runner = self.runner("demo", "plan")
        plan = runner.plan()
        self.keep("plan", "ok")
        code, shown, _ = runner.run_captured([runner.binary, "show", "-json", str(plan.plan_file)])
        assert code == 0, "terraform show of the plan failed"
        (STREAMS / "plan-show.json").write_text(json.dumps(json.loads(shown), indent=1) + "\n")
        self.runner("demo", "apply-success").apply(plan)
        self.keep("apply-success", "ok")
        runner = self.runner("demo", "destroy-plan")
        destroy_plan = runner.plan(destroy=True)
        self.keep("destroy-plan", "ok")
        self.runner("demo", "destroy-apply").apply(destroy_plan)
        self.keep("destroy-apply", "ok")

    def failure(self, ami_id: str, ec2: Any) -> None:
        volume = ec2.create_volume(AvailabilityZone=ZONE, Size=10, VolumeType="gp3")["VolumeId"]
        self.prepare("broken", ami_id, volume)
        plan = self.runner("broken", "plan-failure").plan()
        ec2.delete_volume(VolumeId=volume)
        try:
            self.runner("broken", "apply-failure").apply(plan)
        except TerraformRunFailed:
            self.keep("apply-failure", "failed")
        else:
            raise SystemExit("the failing apply succeeded: pick another way to fail")
        # No cleanup: its destroy fails on the same missing volume, and this moto server is thrown away.

    def cancel(self, ami_id: str) -> None:
        self.prepare("halted", ami_id)
        plan = self.runner("halted", "plan-cancel").plan()
        runner = self.runner("halted", "apply-cancel")
        lines = {"read": 0, "cancel_after": None}
        done = []

        def watch(event: object) -> None:
            lines["read"] += 1
            if isinstance(event, ResourceDone):
                done.append(event.address)
                if len(done) == DONE_BEFORE_CANCEL and lines["cancel_after"] is None:
                    lines["cancel_after"] = lines["read"]
                    runner.cancel()

        try:
            runner.apply(plan, on_event=watch)
        except TerraformInterrupted:
            self.keep("apply-cancel", "interrupted", cancel_after=lines["cancel_after"])
        else:
            raise SystemExit("the apply ended before the interrupt: cancel earlier")
        self.runner("halted", "cleanup-halted").destroy()


def main() -> None:
    mirror = find_provider_mirror()
    if mirror is None:
        raise SystemExit("no Terraform provider mirror found; set CLUSTERWIZ_TF_PLUGIN_MIRROR")
    with tempfile.TemporaryDirectory() as scratch_dir, running_moto_server() as endpoint:
        scratch = Path(scratch_dir)
        for key in UNSET_VARIABLES:
            os.environ.pop(key, None)
        os.environ.update(aws_environment(endpoint))
        os.environ["TF_CLI_CONFIG_FILE"] = str(write_cli_config(scratch / "terraform", mirror))
        ec2 = boto3.client("ec2", region_name=REGION)
        ec2.create_key_pair(KeyName="workshop")
        ami_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        workspace = Workspace.open(Settings(home=scratch / "home", region=REGION, endpoint_url=endpoint))
        recorder = Recorder(workspace, scratch)
        STREAMS.mkdir(exist_ok=True)
        recorder.success(ami_id)
        recorder.failure(ami_id, ec2)
        recorder.cancel(ami_id)
        (STREAMS / "index.json").write_text(json.dumps(recorder.index, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
