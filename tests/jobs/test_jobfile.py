"""The job file format: every corpus file, and every violation reported at once with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from clusterwiz.core.jobs.jobfile import (
    JobFileError,
    LocalSource,
    S3Source,
    load_job_file,
    local_source_problems,
    parse_job_file,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "jobs"


def job_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs.cfg"
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(JobFileError) as raised:
        load_job_file(path)
    return raised.value.problems


def test_upstream_file_reads_as_a_sequential_pipeline_of_a_file_and_a_folder() -> None:
    parsed = parse_job_file(CORPUS / "upstream-stepfunctions-jobs.cfg")
    assert parsed.order == "sequential"
    assert [(job.name, job.handler, job.wait_time) for job in parsed.jobs] == \
        [("hello", "hello_world.sh", 30), ("folder", "sleep.sh", 10)]
    assert [job.source for job in parsed.jobs] == [LocalSource(CORPUS / "hello_world.sh"),
                                                   LocalSource(CORPUS / "example")]
    # The upstream repository's script files are not in the corpus: running it says which are missing, and where.
    assert local_source_problems(parsed) == [
        f"upstream-stepfunctions-jobs.cfg, line 6: [job hello]: local_path {CORPUS / 'hello_world.sh'} does not "
        f"exist; fix the path (relative paths start at {CORPUS})",
        f"upstream-stepfunctions-jobs.cfg, line 11: [job folder]: local_path {CORPUS / 'example'} does not "
        f"exist; fix the path (relative paths start at {CORPUS})",
    ]


def test_indented_docs_example_keeps_the_order_of_the_order_section() -> None:
    parsed = parse_job_file(CORPUS / "docs-example-indented.cfg")
    assert [job.name for job in parsed.jobs] == ["job1", "banana", "job2"]
    assert parsed.jobs[0].source == S3Source("bucket-to-use", "folder/path/to/project")
    assert parsed.jobs[1].wait_time == 240
    assert parsed.jobs[2].source == LocalSource(Path("/path/to/the/job/is-this-even-a-job"))


def test_name_for_handler_is_accepted_with_a_warning() -> None:
    parsed = parse_job_file(CORPUS / "readme-example-name-instead-of-handler.cfg")
    assert parsed.jobs[0].handler == "thejobtouse.sh"
    assert parsed.warnings == ("readme-example-name-instead-of-handler.cfg, line 5: [job job1] writes `name` for "
                               "`handler`; read as the handler (rename it to `handler`)",)


def test_order_naming_jobs_without_sections_names_each() -> None:
    with pytest.raises(JobFileError) as raised:
        parse_job_file(CORPUS / "readme-order-parallel-only.cfg")
    assert [problem.split(":")[0] for problem in raised.value.problems] == \
        ["readme-order-parallel-only.cfg, line 2"] * 3
    assert ["goodjob" in raised.value.problems[0], "badjob" in raised.value.problems[1],
            "otherjob" in raised.value.problems[2]] == [True, True, True]


def test_every_violation_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "other.sh").write_text("#!/bin/sh\n")
    path = job_file(tmp_path, """\
        [order]
        sequential = both, neither, slow, missing, folder
        parallel = both

        [job both]
        s3_uri = s3://bucket/key
        local_path = here
        handler = run.sh

        [job neither]
        handler = run.sh

        [job slow]
        local_path = project
        handler = other.sh
        wait_time = 241

        [job folder]
        local_path = project
        handler = bin/run.sh
        """)
    assert problems_of(path) == [
        "jobs.cfg, line 3: [order] sets both `sequential` (line 2) and `parallel`; keep one of them",
        "jobs.cfg, line 7: [job both] sets both `s3_uri` (line 6) and `local_path`; keep one of them",
        "jobs.cfg, line 10: [job neither] needs `local_path` (a file or folder on this computer) or `s3_uri` "
        "(s3://BUCKET/KEY)",
        "jobs.cfg, line 16: wait_time 241 is out of range; use 1-240 seconds",
    ]
    # With the order fixed, the unknown job and the handler missing from its folder are found too.
    path.write_text(path.read_text().replace("parallel = both\n", ""))
    problems = problems_of(path)
    assert "jobs.cfg, line 2: [order] names job 'missing', but there is no [job missing] section (jobs in the " \
           "file: both, neither, slow, folder); add the section or fix the name" in problems
    fixed = path.read_text().replace("local_path = here\n", "").replace("wait_time = 241", "wait_time = 240")
    fixed = fixed.replace("[job neither]\n", "[job neither]\nlocal_path = project\n").replace(", missing", "")
    path.write_text(fixed)
    assert problems_of(path) == [
        f"jobs.cfg, line 9: [job neither]: handler 'run.sh' is not a file in {tmp_path / 'project'}; fix "
        "`handler` (a path inside the folder) or `local_path`",
        f"jobs.cfg, line 18: [job folder]: handler 'bin/run.sh' is not a file in {tmp_path / 'project'}; fix "
        "`handler` (a path inside the folder) or `local_path`",
    ]


@pytest.mark.parametrize(("text", "problem"), [
    ("[job a]\nlocal_path = a.sh\nhandler = a.sh\n",
     "jobs.cfg: there is no [order] section; add one with `sequential = job1, job2` (run one after another) or "
     "`parallel = job1, job2` (run side by side)"),
    ("[order]\n[job a]\nlocal_path = a.sh\nhandler = a.sh\n",
     "jobs.cfg, line 1: [order] needs `sequential = job1, job2` or `parallel = job1, job2`"),
    ("[order]\nparallel = a,,\n[job a]\nlocal_path = a.sh\nhandler = a.sh\n",
     "jobs.cfg, line 2: `parallel` has an empty name between commas; remove the extra comma"),
    ("[order]\nparallel = a, a\n[job a]\nlocal_path = a.sh\nhandler = a.sh\n",
     "jobs.cfg, line 2: `parallel` lists 'a' twice; a job runs once per pipeline"),
    ("[order]\nparallel = a\n[job a]\nlocal_path = a.sh\n",
     "jobs.cfg, line 3: [job a] has no `handler`: name the script to run, e.g. `handler = run.sh` (a path inside "
     "the job's folder)"),
    ("[order]\nparallel = a\n[job a]\nlocal_path = a.sh\nhandler = ../a.sh\n",
     "jobs.cfg, line 5: handler '../a.sh' must be a file path inside the job's folder, e.g. run.sh or bin/run.sh "
     "(no leading '/', no '..')"),
    ("[order]\nparallel = a\n[job a]\ns3_uri = https://bucket/a.sh\nhandler = a.sh\n",
     "jobs.cfg, line 4: s3_uri 'https://bucket/a.sh' is not an S3 URI; write s3://BUCKET/KEY, e.g. "
     "s3://my-bucket/jobs/run.sh"),
    ("[order]\nparallel = a\n[job a]\nlocal_path = a.sh\nhandler = a.sh\nwait_time = soon\n",
     "jobs.cfg, line 6: wait_time 'soon' is not a whole number of seconds; use 1-240"),
    ("[order]\nparallel = a\n[job a]\nlocal_path = a.sh\nhandler = a.sh\nwait_time = 0\n",
     "jobs.cfg, line 6: wait_time 0 is out of range; use 1-240 seconds"),
    ("[order]\nparallel = a\n[job a]\nlocal_path = a.sh\nhandler = a.sh\nretries = 3\n",
     "jobs.cfg, line 6: [job a] has no key 'retries'; a job takes s3_uri, local_path, handler, wait_time"),
    ("[order]\nparallel = a\n[job a]\nlocal_path = a.sh\nhandler = a.sh\nhandler = a.sh\n",
     "jobs.cfg, line 6: [job a] sets 'handler' twice (also line 5); keep one"),
    ("[order]\nparallel = a\n[cluster default]\n[job a]\nlocal_path = a.sh\nhandler = a.sh\n",
     "jobs.cfg, line 3: [cluster default] is not a section of a job file; use [order] and [job NAME]"),
    ("[order]\nparallel = a\n[job a]\nlocal_path = a.sh\nhandler = b.sh\n",
     "jobs.cfg, line 4: [job a]: local_path is the single file a.sh, so `handler` must be 'a.sh', not 'b.sh'"),
    ("[order]\nparallel = a\nthis is not a setting\n",
     "jobs.cfg, line 3: 'this is not a setting' is neither a [section], a 'key = value' nor a comment; fix or "
     "remove the line"),
])
def test_each_violation_has_a_clear_message(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "a.sh").write_text("#!/bin/sh\n")
    assert problems_of(job_file(tmp_path, text)) == [problem]


def test_jobs_not_in_the_order_are_a_warning_and_inline_comments_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "a.sh").write_text("#!/bin/sh\n")
    parsed = load_job_file(job_file(tmp_path, """\
        [order]
        parallel = a   # only a for now

        [job a]
        local_path = a.sh ; the script
        handler = a.sh

        [job b]
        local_path = a.sh
        handler = a.sh
        """))
    assert [job.name for job in parsed.jobs] == ["a"]
    assert parsed.jobs[0].wait_time == 10
    assert parsed.warnings == ("jobs.cfg, line 8: [job b] is not in [order], so it will not run",)
