"""clusterwiz jobs run|status|cancel: a job file's pipeline on a cluster's Slurm."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clusterwiz.core.jobs.pipeline import JobRun, Pipeline, PipelineStore
    from clusterwiz.core.jobs.runner import PipelineRunner
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.settings import Settings

EXIT_PIPELINE_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    from clusterwiz.cli import add_global_options

    jobs = subparsers.add_parser("jobs", help="run a job file (sequential or parallel jobs) on a cluster")
    actions = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    run = actions.add_parser("run", help="copy the jobs to the head node, submit them and follow them")
    run.add_argument("file", metavar="FILE", help="the job file ([order] and [job NAME] sections)")
    run.add_argument("--cluster", required=True, metavar="NAME", help="the cluster to run on")
    run.add_argument("--create", action="store_true", help="create the cluster first if it has no resources")
    run.add_argument("--config", metavar="FILE", help="with --create: the cluster.yaml of a new cluster")
    run.add_argument("--force", action="store_true", help="with --create: create despite pre-flight errors")
    run.add_argument("--teardown-after", action="store_true",
                     help="destroy the cluster when the pipeline ends (also after a failure)")
    run.add_argument("--keep-on-failure", action="store_true",
                     help="with --teardown-after: keep the cluster when a job failed, to look into it")
    run.add_argument("--remote-dir", metavar="DIR",
                     help="where the jobs go on the head node (default: clusterwiz-jobs in the login user's home, "
                          "which every node shares); it must be shared with the compute nodes")
    run.add_argument("--no-wait", action="store_true",
                     help="return once submitted; follow with `clusterwiz jobs status`")
    run.set_defaults(handler=run_jobs)

    for name, handler, help_text in (("status", run_status, "show where a pipeline's jobs stand (asks Slurm)"),
                                     ("cancel", run_cancel, "cancel the jobs of a pipeline that have not ended")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("pipeline", nargs="?", metavar="PIPELINE", help="pipeline id (default: the latest)")
        action.add_argument("--cluster", required=True, metavar="NAME", help="the cluster the pipeline runs on")
        action.set_defaults(handler=handler)
    # The CLI adds the global options (--json, --home...) to `jobs`; its actions take them too.
    for action in actions.choices.values():
        add_global_options(action, suppress_defaults=True)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _store(workspace: Workspace, cluster: str) -> PipelineStore:
    from clusterwiz.core.jobs.pipeline import PipelineStore

    return PipelineStore(workspace.registry.get(cluster).directory)


def _runner(workspace: Workspace, cluster: str) -> PipelineRunner:
    from clusterwiz.core.jobs.head import connect
    from clusterwiz.core.jobs.runner import PipelineRunner

    return PipelineRunner(connect(workspace, cluster), _store(workspace, cluster))


def _job_line(job: JobRun) -> str:
    exit_text = f", exit {job.exit_code}" if job.exit_code is not None and job.state != "COMPLETED" else ""
    reason = f" ({job.reason})" if job.reason and job.state not in ("RUNNING", "COMPLETED") else ""
    return f"{job.name}: {job.state}{exit_text}{reason}" + (f" [slurm job {job.job_id}]" if job.job_id else "")


def _summary(store: PipelineStore, pipeline: Pipeline) -> dict[str, Any]:
    from clusterwiz.core.jobs.runner import output_tail

    return {
        "pipeline": pipeline.pipeline_id, "cluster": pipeline.cluster, "status": pipeline.status,
        "order": pipeline.order, "remote_root": pipeline.remote_root, "error": pipeline.error,
        "jobs": [{"name": job.name, "job_id": job.job_id, "state": job.state, "exit_code": job.exit_code,
                  "reason": job.reason, "after": job.after,
                  "output_file": str(store.output_path(pipeline, job)) if job.output_fetched else None,
                  "output_tail": output_tail(store, pipeline, job) if job.output_fetched else None}
                 for job in pipeline.jobs],
    }


def _report(settings: Settings, store: PipelineStore, pipeline: Pipeline) -> None:
    import json

    summary = _summary(store, pipeline)
    if settings.json:
        # One line, like the Terraform events --create/--teardown-after print before and after it.
        print(json.dumps(summary))
        return
    from rich.table import Table

    console = _console()
    table = Table("job", "slurm id", "state", "exit", "output", title=f"pipeline {pipeline.pipeline_id} "
                  f"({pipeline.order}) on {pipeline.cluster}: {pipeline.status}")
    for job in summary["jobs"]:
        table.add_row(job["name"], job["job_id"] or "-", job["state"],
                      "" if job["exit_code"] is None else str(job["exit_code"]), job["output_file"] or "")
    console.print(table)
    for job in pipeline.jobs:
        if job.finished and not job.succeeded and summary_tail(summary, job.name):
            console.print(f"[bold red]{job.name}[/] ended {job.state}; the end of its output:", highlight=False)
            console.print(summary_tail(summary, job.name), markup=False, highlight=False)
    if pipeline.error:
        console.print(f"[red]stopped:[/] {pipeline.error}")


def summary_tail(summary: dict[str, Any], name: str) -> str:
    return next(job["output_tail"] or "" for job in summary["jobs"] if job["name"] == name)


def run_jobs(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from clusterwiz.core.errors import ClusterwizError
    from clusterwiz.core.jobs.jobfile import S3Source, load_job_file
    from clusterwiz.core.lifecycle import Workspace

    if args.keep_on_failure and not args.teardown_after:
        raise ClusterwizError("--keep-on-failure only makes sense with --teardown-after; add it or drop "
                              "--keep-on-failure")
    job_file = load_job_file(args.file)
    console = _console()
    for warning in job_file.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)
    workspace = Workspace.open(settings)
    if args.create:
        _create(workspace, args, settings, Path(args.config) if args.config else None)
    runner = _runner(workspace, args.cluster)
    needs_s3 = any(isinstance(job.source, S3Source) for job in job_file.jobs)
    s3_client = workspace.session.client("s3") if needs_s3 else None
    pipeline = runner.start(job_file, args.cluster, s3_client=s3_client, remote_dir=args.remote_dir)
    if not settings.json:
        console.print(f"Submitted pipeline [bold]{pipeline.pipeline_id}[/] ({len(pipeline.jobs)} {pipeline.order} "
                      f"jobs) into {pipeline.remote_root} on {args.cluster}.")
    if args.no_wait:
        if settings.json:
            _report(settings, runner.store, pipeline)
        else:
            console.print(f"Follow it with [bold]clusterwiz jobs status --cluster {args.cluster}[/]; it runs on "
                          "even with clusterwiz closed.")
        return 0
    on_change = None if settings.json else (lambda _p, job: console.print(_job_line(job), highlight=False))
    try:
        runner.follow(pipeline, on_change=on_change)
    except KeyboardInterrupt:
        console.print(f"\nStopped following; the jobs keep running on {args.cluster}. See them with "
                      f"[bold]clusterwiz jobs status --cluster {args.cluster}[/], stop them with "
                      f"[bold]clusterwiz jobs cancel --cluster {args.cluster}[/]"
                      + (" (the cluster is NOT torn down)." if args.teardown_after else "."))
        return 130
    if not settings.json:
        _report(settings, runner.store, pipeline)
    succeeded = pipeline.status == "succeeded"
    if args.teardown_after and (succeeded or not args.keep_on_failure):
        _teardown(workspace, args.cluster, settings)
    elif args.teardown_after and not settings.json:
        console.print(f"A job failed, so cluster {args.cluster} is kept (--keep-on-failure); destroy it when "
                      f"done with [bold]clusterwiz destroy {args.cluster}[/] — it bills until then.")
    if settings.json:  # last, so a script finds the summary on the last line
        _report(settings, runner.store, pipeline)
    return 0 if succeeded else EXIT_PIPELINE_FAILED


def _create(workspace: Workspace, args: argparse.Namespace, settings: Settings, config: Any) -> None:
    from clusterwiz.core.jobs.cluster import create_cluster, wait_until_head_ready
    from clusterwiz.progress import JsonEvents, TerminalProgress

    display = JsonEvents() if settings.json else TerminalProgress(_console(), f"create {args.cluster}")
    with display:
        created = create_cluster(workspace, args.cluster, config, args.force, on_event=display)
    if not settings.json:
        _console().print(f"Cluster {args.cluster} {'created' if created else 'already exists'}; waiting for its "
                         "head node to be ready…")
    wait_until_head_ready(workspace, args.cluster)


def _teardown(workspace: Workspace, cluster: str, settings: Settings) -> None:
    from clusterwiz.core.errors import ClusterwizError
    from clusterwiz.core.jobs.cluster import teardown_cluster
    from clusterwiz.progress import JsonEvents, TerminalProgress

    display = JsonEvents() if settings.json else TerminalProgress(_console(), f"destroy {cluster}")
    with display:
        remaining = teardown_cluster(workspace, cluster, on_event=display)
    if remaining:
        listing = "\n".join(f"  - {arn}" for arn in remaining)
        raise ClusterwizError(f"cluster {cluster} was destroyed, but these resources tagged with it remain (and "
                              f"may still bill):\n{listing}\nRemove them in the AWS console.")
    if not settings.json:
        _console().print(f"Cluster {cluster} is torn down; the pipeline's record and outputs stay in clusterwiz "
                         f"(`clusterwiz destroy {cluster}` forgets them).")


def _follow_up(args: argparse.Namespace, settings: Settings, cancel: bool) -> int:
    """Show (or cancel) a pipeline; the head node is asked only while the pipeline has not ended, so the
    record of a finished pipeline stays readable after its cluster is gone."""
    from clusterwiz.core.lifecycle import Workspace

    workspace = Workspace.open(settings)
    store = _store(workspace, args.cluster)
    pipeline = store.load(args.pipeline) if args.pipeline else store.latest(args.cluster)
    if not pipeline.finished:
        runner = _runner(workspace, args.cluster)
        if cancel:
            runner.cancel(pipeline)
        else:
            runner.refresh(pipeline)
    _report(settings, store, pipeline)
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    return _follow_up(args, settings, cancel=False)


def run_cancel(args: argparse.Namespace, settings: Settings) -> int:
    return _follow_up(args, settings, cancel=True)
