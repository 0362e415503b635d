"""Run a job file on a cluster: copy the jobs to the head node, sbatch them, follow them, fetch their output.

Sequential jobs are chained with afterok, so Slurm itself holds each job until the one before it
succeeded and cancels the rest when one fails: the pipeline goes on (or stops) on the cluster even
when clusterwiz is not running. clusterwiz only watches, and records what it saw in the registry.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clusterwiz.core.jobs.head import HeadCommandFailed, HeadNode
from clusterwiz.core.jobs.jobfile import JobFile
from clusterwiz.core.jobs.packaging import package_jobs
from clusterwiz.core.jobs.pipeline import JobRun, Pipeline, PipelineStore, new_pipeline_id
from clusterwiz.core.jobs.slurm_commands import (
    Submission,
    cancel_script,
    output_file,
    parse_query,
    parse_submissions,
    query_script,
    submit_script,
    tail_script,
    unpack_script,
)

REMOTE_ROOT = "clusterwiz-jobs"  # under the login user's home, which every node shares over NFS
OUTPUT_LIMIT_BYTES = 10 * 1024 * 1024  # the end of a larger output is fetched; the rest stays on the cluster
TAIL_LINES = 20

JobChanged = Callable[[Pipeline, JobRun], None]


class PipelineRunner:
    def __init__(self, head: HeadNode, store: PipelineStore):
        self.head = head
        self.store = store

    # -- start -------------------------------------------------------------------------------

    def start(self, job_file: JobFile, cluster: str, s3_client: Any | None = None,
              remote_dir: str | None = None) -> Pipeline:
        """Copy every job to the head node and submit them all; the pipeline is saved at each step."""
        pipeline_id = new_pipeline_id(job_file.path)
        names = [job.name for job in job_file.jobs]
        jobs = [JobRun(name=job.name, handler=job.handler, wait_time=job.wait_time,
                       after=names[index - 1] if job_file.order == "sequential" and index else None)
                for index, job in enumerate(job_file.jobs)]
        root = f"{_remote_base(remote_dir)}/{pipeline_id}"
        pipeline = Pipeline(pipeline_id=pipeline_id, cluster=cluster, job_file=str(job_file.path),
                            order=job_file.order, remote_root=root, jobs=jobs)
        self.store.save(pipeline)
        try:
            with tempfile.TemporaryDirectory(prefix="clusterwiz-jobs-") as scratch:
                archive = Path(scratch) / "jobs.tar.gz"
                package_jobs(job_file, archive, s3_client)
                pipeline.remote_root = self.head.check(unpack_script(root), "copying the jobs",
                                                       stdin=archive).strip().splitlines()[-1]
            self.store.save(pipeline)
            self._submit(pipeline)
        except BaseException as error:
            pipeline.error = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.store.save(pipeline)
            raise
        return pipeline

    def _submit(self, pipeline: Pipeline) -> None:
        submissions = [Submission(name=job.name, directory=f"{pipeline.remote_root}/{job.name}",
                                  handler=job.handler, slurm_name=f"{pipeline.cluster}-{job.name}", after=job.after)
                       for job in pipeline.jobs]
        result = self.head.run(submit_script(submissions))
        for name, job_id in parse_submissions(result.stdout).items():
            job = pipeline.job(name)
            job.job_id, job.state = job_id, "PENDING"
        self.store.save(pipeline)
        if result.exit_code != 0:
            submitted = [job.job_id for job in pipeline.jobs if job.job_id]
            if submitted:
                # Half a pipeline would run jobs whose successors never come: take it all back.
                self.head.run(cancel_script(submitted))
                pipeline.cancelled = True
            said = (result.stderr.strip() or "no message").splitlines()[-5:]
            raise HeadCommandFailed("sbatch refused a job (exit {}): {}\nCheck the handler's #SBATCH options "
                                    "and the cluster's partitions (`sinfo` over `clusterwiz ssh`)."
                                    .format(result.exit_code, "\n  ".join(said)))

    # -- follow ------------------------------------------------------------------------------

    def refresh(self, pipeline: Pipeline, names: list[str] | None = None,
                on_change: JobChanged | None = None) -> list[JobRun]:
        """Ask Slurm about the unfinished jobs (all, or those named); fetch the output of jobs that ended."""
        watched = [job for job in pipeline.jobs if job.job_id and not job.finished
                   and (names is None or job.name in names)]
        changed: list[JobRun] = []
        if watched:
            records = parse_query(self.head.check(query_script([str(job.job_id) for job in watched]),
                                                  "asking Slurm about the jobs"))
            for job in watched:
                record = records.get(str(job.job_id))
                if record is None:
                    continue
                before = (job.state, job.exit_code, job.reason)
                job.state, job.exit_code, job.signal, job.reason = (record.state, record.exit_code, record.signal,
                                                                    record.reason)
                if (job.state, job.exit_code, job.reason) != before:
                    changed.append(job)
        for job in pipeline.jobs:
            if job.finished and not job.output_fetched:
                self.fetch_output(pipeline, job)
        self.store.save(pipeline)
        for job in changed:
            if on_change is not None:
                on_change(pipeline, job)
        return changed

    def follow(self, pipeline: Pipeline, on_change: JobChanged | None = None,
               sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> Pipeline:
        """Poll each unfinished job every its wait_time until the whole pipeline has ended."""
        due = dict.fromkeys((job.name for job in pipeline.jobs), clock())
        while not pipeline.finished:
            now = clock()
            names = [job.name for job in pipeline.jobs if not job.finished and due[job.name] <= now]
            if names:
                self.refresh(pipeline, names, on_change)
                for name in names:
                    due[name] = now + pipeline.job(name).wait_time
                continue
            waiting = [due[job.name] for job in pipeline.jobs if not job.finished]
            sleep(max(0.0, min(waiting) - now))
        return pipeline

    def cancel(self, pipeline: Pipeline, on_change: JobChanged | None = None) -> Pipeline:
        """scancel every job that has not ended; the pipeline is recorded as cancelled."""
        pending = [str(job.job_id) for job in pipeline.jobs if job.job_id and not job.finished]
        if pending:
            self.head.check(cancel_script(pending), "cancelling the jobs")
        pipeline.cancelled = True
        self.store.save(pipeline)
        self.refresh(pipeline, on_change=on_change)
        return pipeline

    # -- output ------------------------------------------------------------------------------

    def fetch_output(self, pipeline: Pipeline, job: JobRun) -> None:
        """Copy the job's output (its last OUTPUT_LIMIT_BYTES) into the pipeline's registry directory."""
        if job.job_id is not None:
            remote = output_file(f"{pipeline.remote_root}/{job.name}", job.job_id)
            text = self.head.check(tail_script(remote, OUTPUT_LIMIT_BYTES), f"fetching the output of {job.name}")
            from clusterwiz.core.files import atomic_write_text

            atomic_write_text(self.store.output_path(pipeline, job), text)
        job.output_fetched = True


def output_tail(store: PipelineStore, pipeline: Pipeline, job: JobRun, lines: int = TAIL_LINES) -> str:
    """The last lines of a job's fetched output ("" before it was fetched, or when the job never ran)."""
    path = store.output_path(pipeline, job)
    if not path.is_file():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _remote_base(remote_dir: str | None) -> str:
    # "~/x" would reach the remote shell quoted (unexpanded); a relative path starts at home anyway.
    base = (remote_dir or REMOTE_ROOT).rstrip("/") or "/"
    if base == "~":
        return "."
    return base[2:] if base.startswith("~/") else base
