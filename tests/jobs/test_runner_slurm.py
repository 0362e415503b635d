"""The runner against real Slurm over real SSH: chains, failures, parallel jobs, folders, output."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterwiz.core.jobs.head import HeadNode, connect
from clusterwiz.core.jobs.jobfile import load_job_file
from clusterwiz.core.jobs.pipeline import PipelineStore
from clusterwiz.core.jobs.runner import PipelineRunner, output_tail
from clusterwiz.core.lifecycle import Workspace
from clusterwiz.core.settings import Settings
from tests.jobs.conftest import CLUSTER, LocalCluster, script_job_file, write


@pytest.fixture
def head(local_cluster: LocalCluster) -> HeadNode:
    workspace = Workspace.open(Settings(home=local_cluster.home, region="eu-west-2"))
    return connect(workspace, CLUSTER)


@pytest.fixture
def runner(local_cluster: LocalCluster, head: HeadNode) -> PipelineRunner:
    return PipelineRunner(head, PipelineStore(local_cluster.record.directory))


def test_a_failing_middle_job_stops_the_jobs_after_it(local_cluster: LocalCluster, runner: PipelineRunner,
                                                       tmp_path: Path) -> None:
    marker = local_cluster.shared_dir / "third-ran"
    job_file = script_job_file(tmp_path, "sequential", {
        "first": "#!/bin/sh\necho first done\n",
        "second": "#!/bin/sh\necho about to fail\necho on stderr >&2\nexit 3\n",
        "third": f"#!/bin/sh\ntouch {marker}\n",
    })
    seen: list[tuple[str, str]] = []
    pipeline = runner.start(load_job_file(job_file), CLUSTER, remote_dir=str(local_cluster.shared_dir))
    runner.follow(pipeline, on_change=lambda _pipeline, job: seen.append((job.name, job.state)))

    first, second, third = pipeline.jobs
    assert (first.state, first.exit_code) == ("COMPLETED", 0)
    assert (second.state, second.exit_code) == ("FAILED", 3)
    assert third.state == "CANCELLED" and third.reason == "DependencyNeverSatisfied"
    assert pipeline.status == "failed"
    assert not marker.exists()
    store = runner.store
    assert output_tail(store, pipeline, first) == "first done"
    assert output_tail(store, pipeline, second) == "about to fail\non stderr"
    assert output_tail(store, pipeline, third) == ""
    assert ("second", "FAILED") in seen and ("third", "CANCELLED") in seen
    # Slurm was told the chain: the third job waited on the second.
    assert local_cluster.slurm.job_field(str(third.job_id), "Dependency") == f"afterok:{second.job_id}(failed)"
    reloaded = store.load(pipeline.pipeline_id)
    assert [(job.name, job.state, job.exit_code) for job in reloaded.jobs] == \
        [("first", "COMPLETED", 0), ("second", "FAILED", 3), ("third", "CANCELLED", None)]
    assert reloaded.remote_root == f"{local_cluster.shared_dir}/{pipeline.pipeline_id}"


def test_parallel_jobs_run_side_by_side_and_a_folder_job_runs_its_nested_handler(
        local_cluster: LocalCluster, runner: PipelineRunner, tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project / "bin" / "run.sh", "#!/bin/sh\necho \"$(cat data/input.txt) from $(pwd)\"\n", mode=0o644)
    write(project / "data" / "input.txt", "payload\n")
    write(tmp_path / "fails.sh", "#!/bin/sh\nexit 7\n")
    write(tmp_path / "plain.sh", "#!/bin/sh\necho no exec bit\n", mode=0o644)
    job_file = write(tmp_path / "jobs.cfg", """\
        [order]
        parallel = folder, fails, plain

        [job folder]
        local_path = project
        handler = bin/run.sh
        wait_time = 1

        [job fails]
        local_path = fails.sh
        handler = fails.sh
        wait_time = 1

        [job plain]
        local_path = plain.sh
        handler = plain.sh
        wait_time = 2
        """)
    pipeline = runner.start(load_job_file(job_file), CLUSTER, remote_dir=str(local_cluster.shared_dir))
    runner.follow(pipeline)

    folder, fails, plain = pipeline.jobs
    assert all(job.after is None for job in pipeline.jobs)
    assert (fails.state, fails.exit_code) == ("FAILED", 7)
    assert (folder.state, folder.exit_code) == ("COMPLETED", 0)
    assert (plain.state, plain.exit_code) == ("COMPLETED", 0)
    assert output_tail(runner.store, pipeline, folder) == \
        f"payload from {local_cluster.shared_dir}/{pipeline.pipeline_id}/folder"
    assert output_tail(runner.store, pipeline, plain) == "no exec bit"
    assert pipeline.status == "failed"
