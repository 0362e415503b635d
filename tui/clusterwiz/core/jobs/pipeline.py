"""A pipeline's state on disk, in its cluster's registry directory, so it outlives the clusterwiz that started it.

<cluster dir>/pipelines/<pipeline id>/pipeline.json   what was submitted and where each job stands
<cluster dir>/pipelines/<pipeline id>/<job>.out       each job's output, fetched when it finished
Every write is atomic (temp file + rename), so `jobs status` in another terminal never reads a torn file.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.files import atomic_write_text, ensure_private_dir
from clusterwiz.core.jobs.slurm_commands import FINISHED_STATES, FORGOTTEN

PIPELINES_DIR = "pipelines"
STATE_FILE = "pipeline.json"
NOT_SUBMITTED = "NOT_SUBMITTED"
PipelineStatus = Literal["submitting", "running", "succeeded", "failed", "cancelled"]
_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[a-z0-9-]{1,40}-[0-9a-f]{4}$")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class JobRun:
    """One job of a pipeline as Slurm last reported it."""

    name: str
    handler: str
    wait_time: int
    after: str | None = None  # the job this one waits for (sequential pipelines)
    job_id: str | None = None
    state: str = NOT_SUBMITTED
    exit_code: int | None = None
    signal: int | None = None
    reason: str | None = None
    output_fetched: bool = False

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES or self.state == FORGOTTEN

    @property
    def succeeded(self) -> bool:
        return self.state == "COMPLETED" and not self.exit_code


@dataclass
class Pipeline:
    pipeline_id: str
    cluster: str
    job_file: str
    order: str
    remote_root: str  # absolute on the head node once the jobs are copied
    jobs: list[JobRun]
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    cancelled: bool = False
    error: str | None = None  # why submission stopped, when it did

    @property
    def status(self) -> PipelineStatus:
        if self.cancelled and all(job.finished or job.job_id is None for job in self.jobs):
            return "cancelled"
        if self.error is not None:
            return "failed"
        if any(job.job_id is None for job in self.jobs):
            return "submitting"
        if not all(job.finished for job in self.jobs):
            return "running"
        return "succeeded" if all(job.succeeded for job in self.jobs) else "failed"

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")

    def job(self, name: str) -> JobRun:
        return next(job for job in self.jobs if job.name == name)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Pipeline:
        job_fields = {item.name for item in fields(JobRun)}
        jobs = [JobRun(**{key: value for key, value in job.items() if key in job_fields}) for job in data["jobs"]]
        own = {item.name for item in fields(cls)} - {"jobs"}
        return cls(jobs=jobs, **{key: value for key, value in data.items() if key in own})


def new_pipeline_id(job_file: Path) -> str:
    """Sortable by start time, readable (the job file's name), unique (a random suffix)."""
    stem = re.sub(r"[^a-z0-9]+", "-", job_file.stem.lower()).strip("-")[:40] or "jobs"
    return f"{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{stem}-{secrets.token_hex(2)}"


class PipelineStore:
    """The pipelines of one cluster, under its registry directory."""

    def __init__(self, cluster_directory: Path):
        self.root = cluster_directory / PIPELINES_DIR

    def directory(self, pipeline_id: str) -> Path:
        if not _ID.match(pipeline_id):
            raise ClusterwizError(f"{pipeline_id!r} is not a pipeline id; see `clusterwiz jobs status --cluster "
                                  "NAME` for the ids of a cluster's pipelines")
        return self.root / pipeline_id

    def save(self, pipeline: Pipeline) -> None:
        pipeline.updated = _now()
        directory = self.directory(pipeline.pipeline_id)
        ensure_private_dir(directory)
        atomic_write_text(directory / STATE_FILE, pipeline.to_json())

    def load(self, pipeline_id: str) -> Pipeline:
        path = self.directory(pipeline_id) / STATE_FILE
        try:
            return Pipeline.from_mapping(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            known = ", ".join(self.ids()) or "none"
            raise ClusterwizError(f"there is no pipeline {pipeline_id!r} (known: {known})") from None
        except (ValueError, KeyError, TypeError) as error:
            raise ClusterwizError(f"{path} is damaged ({error}); the jobs themselves are untouched on the "
                                  "cluster: look at them with `squeue` over `clusterwiz ssh`") from error

    def ids(self) -> list[str]:
        """Pipeline ids, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir()
                      if _ID.match(entry.name) and (entry / STATE_FILE).is_file())

    def latest(self, cluster: str) -> Pipeline:
        ids = self.ids()
        if not ids:
            raise ClusterwizError(f"cluster {cluster!r} has run no pipeline yet; start one with `clusterwiz jobs "
                                  f"run JOBFILE --cluster {cluster}`")
        return self.load(ids[-1])

    def output_path(self, pipeline: Pipeline, job: JobRun) -> Path:
        return self.directory(pipeline.pipeline_id) / f"{job.name}.out"
