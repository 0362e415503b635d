"""The shell the head node runs for a pipeline: sbatch chains, job queries, cancels, output tails.

Each function builds one POSIX sh script (every value quoted), so one SSH round trip does the
whole step; the matching parse_* function reads what it prints.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

# Job states after which Slurm never runs the job again (PREEMPTED may requeue, so it is not here).
FINISHED_STATES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                             "BOOT_FAIL", "DEADLINE"})
# Slurm forgets a finished job MinJobAge (300 s by default) after it ends; clusterwiz then says so.
FORGOTTEN = "FORGOTTEN"
_MARK = "@@clusterwiz"
_FIELD = r"\b{}=(\S*)"


@dataclass(frozen=True)
class Submission:
    """What sbatch needs for one job of the pipeline."""

    name: str
    directory: str  # absolute, on the head node
    handler: str  # relative to directory
    slurm_name: str
    after: str | None = None  # the name of the job this one waits for (afterok)


@dataclass(frozen=True)
class SlurmJob:
    job_id: str
    state: str
    exit_code: int | None
    signal: int | None
    reason: str | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES or self.state == FORGOTTEN


def output_file(directory: str, job_id: str) -> str:
    return f"{directory}/slurm-{job_id}.out"


def submit_script(submissions: Sequence[Submission]) -> str:
    """sbatch every job in order, each printing "<mark> name id"; stops at the first sbatch that fails.

    A job waiting on another uses afterok plus --kill-on-invalid-dep, so when its predecessor fails
    Slurm cancels it (and, in turn, its own dependents) whatever the cluster's DependencyParameters.
    """
    lines = ["set -e"]
    variables = {submission.name: f"job_{index}" for index, submission in enumerate(submissions)}
    for submission in submissions:
        variable = variables[submission.name]
        options = [
            "--parsable",
            f"--job-name={submission.slurm_name}",
            f"--chdir={submission.directory}",
            f"--output={submission.directory}/slurm-%j.out",
        ]
        command = " ".join(shlex.quote(option) for option in ["sbatch", *options])
        if submission.after is not None:
            command += f' --dependency="afterok:${{{variables[submission.after]}%%;*}}" --kill-on-invalid-dep=yes'
        handler = shlex.quote(f"{submission.directory}/{submission.handler}")
        lines += [f"chmod u+x {handler}",
                  f"{variable}=$({command} {handler})",
                  f'echo "{_MARK} {submission.name} ${{{variable}%%;*}}"']
    return "\n".join(lines) + "\n"


def parse_submissions(stdout: str) -> dict[str, str]:
    """Job name -> Slurm job id, for every job sbatch accepted."""
    submitted: dict[str, str] = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == _MARK and parts[2].isdigit():
            submitted[parts[1]] = parts[2]
    return submitted


def query_script(job_ids: Sequence[str]) -> str:
    """`scontrol show job` of each id, one record per line, each after a mark line naming the id."""
    ids = " ".join(shlex.quote(job_id) for job_id in job_ids)
    return (f"for id in {ids}; do echo \"{_MARK} $id\"; scontrol -o show job \"$id\" 2>&1 || true; done\n")


def parse_query(stdout: str) -> dict[str, SlurmJob]:
    """Job id -> its state; an id Slurm no longer knows is FORGOTTEN."""
    jobs: dict[str, SlurmJob] = {}
    current: str | None = None
    for line in stdout.splitlines():
        if line.startswith(_MARK + " "):
            current = line.split()[1]
            jobs[current] = SlurmJob(current, FORGOTTEN, None, None, "Slurm no longer knows this job")
        elif current is not None and f"JobId={current} " in line + " ":
            jobs[current] = _job_record(current, line)
    return jobs


def _job_record(job_id: str, line: str) -> SlurmJob:
    def field(name: str) -> str | None:
        match = re.search(_FIELD.format(name), line)
        return match.group(1) if match else None

    exit_code = signal = None
    exit_field = field("ExitCode")
    # A job that never started (e.g. cancelled for a failed dependency) has no BatchHost and a meaningless 0:0.
    if exit_field and ":" in exit_field and field("BatchHost"):
        code, _, number = exit_field.partition(":")
        exit_code, signal = int(code), int(number)
    reason = field("Reason")
    return SlurmJob(job_id=job_id, state=field("JobState") or "UNKNOWN", exit_code=exit_code, signal=signal,
                    reason=None if reason in (None, "None") else reason)


def cancel_script(job_ids: Sequence[str]) -> str:
    return "scancel " + " ".join(shlex.quote(job_id) for job_id in job_ids) + "\n"


def tail_script(path: str, max_bytes: int) -> str:
    """The last max_bytes of a file, or nothing when it does not exist (a job that never ran)."""
    quoted = shlex.quote(path)
    return f"if [ -f {quoted} ]; then tail -c {int(max_bytes)} {quoted}; fi\n"


def unpack_script(root: str) -> str:
    """Unpack the gzip tar on stdin into root (private to the user: jobs may hold secrets) and print
    root's absolute path; a relative root starts at the login directory (the user's shared home)."""
    quoted = shlex.quote(root)
    return f"set -e\numask 077\nmkdir -p {quoted}\ncd {quoted}\ntar -xzf -\npwd -P\n"
