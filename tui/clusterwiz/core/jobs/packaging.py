"""Pack every job of a job file into one gzip tar, a folder per job, ready to unpack on the head node.

Local jobs are read from disk; S3 jobs are downloaded here with the user's own credentials, so the
cluster's instances never need S3 permissions. Symbolic links are followed: the head node gets the
files they point at, not links that would dangle there.
"""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.jobs.jobfile import JobDefinition, JobFile, LocalSource, S3Source, local_source_problems


class JobPackagingError(ClusterwizError):
    """A job's files cannot be gathered: missing S3 objects, a handler that is not among them."""


def package_jobs(job_file: JobFile, archive: Path, s3_client: Any | None = None) -> None:
    """Write archive (gzip tar) holding <job name>/... for every job; s3_client is needed for S3 jobs."""
    problems = local_source_problems(job_file)
    if problems:
        raise JobPackagingError("some local jobs are not where the job file says:\n"
                                + "\n".join(f"  - {problem}" for problem in problems))
    with tempfile.TemporaryDirectory(prefix="clusterwiz-s3-") as staging, \
            tarfile.open(archive, "w:gz", dereference=True) as tar:
        for job in job_file.jobs:
            if isinstance(job.source, LocalSource):
                check_handler(job, _local_handler(job.source, job.handler))
                _add_local(tar, job, job.source)
            else:
                if s3_client is None:
                    raise ValueError("an S3 client is needed to package S3 jobs")
                folder = Path(staging) / job.name
                download_s3_job(s3_client, job, job.source, folder)
                check_handler(job, folder / job.handler)
                tar.add(folder, arcname=job.name)


def check_handler(job: JobDefinition, handler: Path) -> None:
    """sbatch only takes a script whose first line names its interpreter; say so before anything is copied."""
    with handler.open("rb") as script:
        if script.read(2) != b"#!":
            raise JobPackagingError(f"[job {job.name}]: handler {job.handler} does not start with '#!' (e.g. "
                                    "#!/bin/bash), and sbatch runs only scripts that name their interpreter on "
                                    "the first line; add one")


def _local_handler(source: LocalSource, handler: str) -> Path:
    return source.path / handler if source.path.is_dir() else source.path


def _add_local(tar: tarfile.TarFile, job: JobDefinition, source: LocalSource) -> None:
    if source.path.is_dir():
        tar.add(source.path, arcname=job.name)
    else:
        tar.add(source.path, arcname=f"{job.name}/{source.path.name}")


def download_s3_job(s3_client: Any, job: JobDefinition, source: S3Source, folder: Path) -> None:
    """Fetch the object (or every object under the prefix) into folder; the handler must be among them."""
    from botocore import exceptions as boto_errors

    from clusterwiz.core.aws.errors import aws_errors, error_code

    folder.mkdir(parents=True)
    if source.key:
        try:
            s3_client.head_object(Bucket=source.bucket, Key=source.key)
        except boto_errors.ClientError as error:
            if error_code(error) not in ("404", "NoSuchKey", "NotFound"):
                with aws_errors("s3:GetObject"):
                    raise
        else:
            name = PurePosixPath(source.key).name
            if job.handler != name:
                raise JobPackagingError(f"[job {job.name}]: {source.uri} is a single file, so `handler` must be "
                                        f"{name!r}, not {job.handler!r}; fix the job file")
            with aws_errors("s3:GetObject"):
                s3_client.download_file(source.bucket, source.key, str(folder / name))
            return
    prefix = f"{source.key}/" if source.key else ""
    keys: list[str] = []
    with aws_errors("s3:ListBucket"):
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=source.bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", []) if not item["Key"].endswith("/")]
    if not keys:
        raise JobPackagingError(f"[job {job.name}]: there is no object or folder at {source.uri}; check s3_uri "
                                "(and that your AWS profile can read it)")
    relative = {key: PurePosixPath(key[len(prefix):]) for key in keys}
    if PurePosixPath(job.handler) not in relative.values():
        raise JobPackagingError(f"[job {job.name}]: handler {job.handler!r} is not in {source.uri} (it holds "
                                f"{_sample(relative.values())}); fix `handler` or `s3_uri`")
    for key, path in relative.items():
        if path.is_absolute() or ".." in path.parts:
            continue  # a key such as "a/../../x" would write outside the job's folder
        target = folder.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with aws_errors("s3:GetObject"):
            s3_client.download_file(source.bucket, key, str(target))


def _sample(paths: Any, limit: int = 5) -> str:
    names = sorted(str(path) for path in paths)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")

