"""The job file of CfnCluster Step Functions: which jobs run, in which order, from where.

    [order]
    sequential = prepare, simulate      # or: parallel = a, b, c (never both)

    [job prepare]
    local_path = prepare                # relative to this file, or absolute; a file or a folder
    handler = run.sh                    # the script inside it that sbatch runs
    wait_time = 30                      # seconds between status checks, 1-240 (default 10)

    [job simulate]
    s3_uri = s3://bucket/project        # an object, or a prefix holding a folder
    handler = bin/simulate.sh

Every problem in the file is reported at once, each with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.importers.ini_reader import IniDocument, IniSection, parse_ini
from clusterwiz.core.importers.problems import ImportFailed
from clusterwiz.core.importers.source import SourceKey

Order = Literal["sequential", "parallel"]
DEFAULT_WAIT_TIME = 10
WAIT_TIME_RANGE = (1, 240)
JOB_KEYS = ("s3_uri", "local_path", "handler", "wait_time")
# Slurm job names and remote folder names are built from job names.
_JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<key>.*))?$")


class JobFileError(ClusterwizError):
    """The job file breaks the format; one line per problem, each naming its line."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{path} is not a valid job file ({len(problems)} problem(s)):\n{listing}\n"
                         "Fix these lines and run the command again.")


@dataclass(frozen=True)
class S3Source:
    bucket: str
    key: str  # "" for a whole bucket

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class LocalSource:
    path: Path  # absolute


@dataclass(frozen=True)
class JobDefinition:
    name: str
    source: S3Source | LocalSource
    handler: str  # a relative POSIX path inside the job's folder
    wait_time: int
    line: int  # of the [job NAME] header
    source_line: int  # of s3_uri or local_path


@dataclass(frozen=True)
class JobFile:
    path: Path
    order: Order
    jobs: tuple[JobDefinition, ...]  # in the order of [order]
    warnings: tuple[str, ...] = field(default=())


class _Problems:
    """Collects "file, line N: problem" messages so they are reported together."""

    def __init__(self, path: Path):
        self.name = path.name
        self.items: list[str] = []

    def add(self, line: int | None, message: str) -> None:
        self.items.append(f"{self.name}, line {line}: {message}" if line else f"{self.name}: {message}")


def load_job_file(path: Path | str) -> JobFile:
    """Parse the job file and check every local source exists and holds its handler."""
    return parse_job_file(path, check_local=True)


def parse_job_file(path: Path | str, check_local: bool = False) -> JobFile:
    """The file's structure; with check_local, also that local paths exist and hold their handlers."""
    path = Path(path).expanduser().resolve()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise JobFileError(path, ["the file does not exist; check the path"]) from None
    except OSError as error:
        raise JobFileError(path, [f"the file cannot be read ({error.strerror})"]) from None
    return parse_job_text(text, path, check_local)


def parse_job_text(text: str, path: Path, check_local: bool = False) -> JobFile:
    problems = _Problems(path)
    try:
        document = parse_ini(text, path)
    except ImportFailed as error:
        raise JobFileError(path, [f"{path.name}, line {error.line}: {error.problem}" if error.line
                                  else error.problem]) from None
    warnings: list[str] = []
    for section in document.sections:
        if section.kind not in ("order", "job"):
            problems.add(section.line, f"{section.title} is not a section of a job file; use [order] and "
                         "[job NAME]")
        for old, new in section.overridden:
            problems.add(new.line, f"{section.title} sets '{new.key}' twice (also line {old.line}); keep one")
    order, names = _read_order(document, problems)
    definitions = {section.label: section for section in document.of_kind("job") if section.label}
    for section in document.of_kind("job"):
        if section.label is None:
            problems.add(section.line, "[job] has no name; write [job NAME], e.g. [job prepare]")
        elif not _JOB_NAME.match(section.label):
            problems.add(section.line, f"job name {section.label!r} may hold only letters, digits, '_', '-' and "
                         "'.' (up to 64), starting with a letter or digit")
    jobs: list[JobDefinition] = []
    for name, line in names:
        section = definitions.get(name)
        if section is None:
            known = ", ".join(definitions) or "none"
            problems.add(line, f"[order] names job {name!r}, but there is no [job {name}] section (jobs in the "
                         f"file: {known}); add the section or fix the name")
            continue
        job = _read_job(section, path.parent, problems, warnings)
        if job is not None:
            jobs.append(job)
    ordered = {name for name, _ in names}
    for name, section in definitions.items():
        if name in ordered:
            continue
        if order is None:  # the order is broken, but the jobs' own problems are worth reporting now too
            _read_job(section, path.parent, problems, warnings)
        else:
            warnings.append(f"{path.name}, line {section.line}: [job {name}] is not in [order], so it will not run")
    job_file = JobFile(path=path, order=order or "sequential", jobs=tuple(jobs), warnings=tuple(warnings))
    if check_local:
        problems.items += local_source_problems(job_file)
    if problems.items:
        raise JobFileError(path, _by_line(problems.items))
    return job_file


def _by_line(problems: list[str]) -> list[str]:
    """Problems in the order of the file, as a reader goes through it."""
    def line_of(problem: str) -> int:
        match = re.search(r", line (\d+):", problem)
        return int(match.group(1)) if match else 0
    return sorted(problems, key=line_of)


def _read_order(document: IniDocument, problems: _Problems) -> tuple[Order | None, list[tuple[str, int]]]:
    sections = document.of_kind("order")
    if not sections:
        problems.add(None, "there is no [order] section; add one with `sequential = job1, job2` (run one after "
                     "another) or `parallel = job1, job2` (run side by side)")
        return None, []
    section = sections[0]
    if section.label is not None:
        problems.add(section.line, f"{section.title} takes no name; write [order]")
    for entry in section.settings():
        if entry.normalized_key not in ("sequential", "parallel"):
            problems.add(entry.line, f"[order] has no key '{entry.key}'; use `sequential` or `parallel`")
    sequential, parallel = section.get("sequential"), section.get("parallel")
    if sequential and parallel:
        problems.add(parallel.line, f"[order] sets both `sequential` (line {sequential.line}) and `parallel`; "
                     "keep one of them")
        return None, []
    chosen = sequential or parallel
    if chosen is None:
        problems.add(section.line, "[order] needs `sequential = job1, job2` or `parallel = job1, job2`")
        return None, []
    return ("sequential" if chosen is sequential else "parallel"), _job_names(chosen, problems)


def _job_names(entry: SourceKey, problems: _Problems) -> list[tuple[str, int]]:
    names: list[tuple[str, int]] = []
    raw = [item.strip() for item in entry.value.split(",")]
    if not any(raw):
        problems.add(entry.line, f"`{entry.key}` lists no jobs; name them separated by commas")
        return []
    if "" in raw:
        problems.add(entry.line, f"`{entry.key}` has an empty name between commas; remove the extra comma")
    for item in raw:
        if not item:
            continue
        if item in (name for name, _ in names):
            problems.add(entry.line, f"`{entry.key}` lists {item!r} twice; a job runs once per pipeline")
        else:
            names.append((item, entry.line))
    return names


def _read_job(section: IniSection, base: Path, problems: _Problems,
              warnings: list[str]) -> JobDefinition | None:
    before = len(problems.items)
    for entry in section.settings():
        if entry.normalized_key not in (*JOB_KEYS, "name"):
            problems.add(entry.line, f"{section.title} has no key '{entry.key}'; a job takes "
                         f"{', '.join(JOB_KEYS)}")
    handler = _read_handler(section, problems, warnings)
    source = _read_source(section, base, problems)
    wait_time = _read_wait_time(section, problems)
    if len(problems.items) > before or handler is None or source is None:
        return None
    source_entry = section.get("s3_uri") or section.get("local_path")
    return JobDefinition(name=str(section.label), source=source, handler=handler, wait_time=wait_time,
                         line=section.line, source_line=source_entry.line if source_entry else section.line)


def _read_handler(section: IniSection, problems: _Problems, warnings: list[str]) -> str | None:
    entry = section.get("handler")
    written_as_name = section.get("name")
    if written_as_name is not None:
        if entry is None:
            warnings.append(f"{problems.name}, line {written_as_name.line}: {section.title} writes `name` for "
                            "`handler`; read as the handler (rename it to `handler`)")
            entry = written_as_name
        else:
            warnings.append(f"{problems.name}, line {written_as_name.line}: {section.title} has both `handler` "
                            "and `name`; `name` is ignored")
    if entry is None or not entry.value:
        problems.add(section.line, f"{section.title} has no `handler`: name the script to run, e.g. "
                     "`handler = run.sh` (a path inside the job's folder)")
        return None
    handler = PurePosixPath(entry.value)
    if handler.is_absolute() or ".." in handler.parts or entry.value.endswith("/"):
        problems.add(entry.line, f"handler {entry.value!r} must be a file path inside the job's folder, "
                     "e.g. run.sh or bin/run.sh (no leading '/', no '..')")
        return None
    return str(handler)


def _read_source(section: IniSection, base: Path, problems: _Problems) -> S3Source | LocalSource | None:
    s3_uri, local_path = section.get("s3_uri"), section.get("local_path")
    if s3_uri and local_path:
        problems.add(local_path.line, f"{section.title} sets both `s3_uri` (line {s3_uri.line}) and "
                     "`local_path`; keep one of them")
        return None
    if s3_uri:
        match = _S3_URI.match(s3_uri.value)
        if match is None:
            problems.add(s3_uri.line, f"s3_uri {s3_uri.value!r} is not an S3 URI; write s3://BUCKET/KEY, "
                         "e.g. s3://my-bucket/jobs/run.sh")
            return None
        return S3Source(bucket=match["bucket"], key=(match["key"] or "").rstrip("/"))
    if local_path:
        if not local_path.value:
            problems.add(local_path.line, "local_path is empty; give a file or folder path")
            return None
        return LocalSource(path=(base / Path(local_path.value).expanduser()).resolve())
    problems.add(section.line, f"{section.title} needs `local_path` (a file or folder on this computer) or "
                 "`s3_uri` (s3://BUCKET/KEY)")
    return None


def _read_wait_time(section: IniSection, problems: _Problems) -> int:
    entry = section.get("wait_time")
    if entry is None:
        return DEFAULT_WAIT_TIME
    low, high = WAIT_TIME_RANGE
    try:
        value = int(entry.value)
    except ValueError:
        problems.add(entry.line, f"wait_time {entry.value!r} is not a whole number of seconds; use {low}-{high}")
        return DEFAULT_WAIT_TIME
    if not low <= value <= high:
        problems.add(entry.line, f"wait_time {value} is out of range; use {low}-{high} seconds")
    return value


def local_source_problems(job_file: JobFile) -> list[str]:
    """Every local job whose path is missing or whose folder lacks the handler, with its line."""
    problems = _Problems(job_file.path)
    for job in job_file.jobs:
        if not isinstance(job.source, LocalSource):
            continue
        path = job.source.path
        if path.is_dir():
            handler = path / job.handler
            if not handler.is_file():
                problems.add(job.source_line, f"[job {job.name}]: handler {job.handler!r} is not a file in {path}; fix "
                             "`handler` (a path inside the folder) or `local_path`")
        elif path.is_file():
            if job.handler != path.name:
                problems.add(job.source_line, f"[job {job.name}]: local_path is the single file {path.name}, so "
                             f"`handler` must be {path.name!r}, not {job.handler!r}")
        else:
            problems.add(job.source_line, f"[job {job.name}]: local_path {path} does not exist; fix the path (relative "
                         f"paths start at {job_file.path.parent})")
    return problems.items
