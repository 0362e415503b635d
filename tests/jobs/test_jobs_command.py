"""`clusterwiz jobs run|status|cancel` as a user runs them, against real Slurm, real sshd and moto's S3."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from tests.jobs.conftest import CLUSTER, LocalCluster, script_job_file, write
from tests.support.cli import clusterwiz, clusterwiz_json


def test_run_follows_a_sequential_pipeline_to_the_end(local_cluster: LocalCluster, tmp_path: Path) -> None:
    job_file = script_job_file(tmp_path, "sequential", {
        "make": "#!/bin/sh\necho 42 > result.txt\necho made\n",
        "use": "#!/bin/sh\necho \"got $(cat ../make/result.txt)\"\n",
    })
    # Files seen in the wild write `name` for `handler`.
    job_file.write_text(job_file.read_text().replace("handler = make.sh", "name = make.sh"))
    result = clusterwiz(local_cluster.home, "jobs", "run", str(job_file), "--cluster", CLUSTER,
                        "--remote-dir", str(local_cluster.shared_dir))
    assert "writes `name` for `handler`" in result.stdout
    assert "make: COMPLETED" in result.stdout and "use: COMPLETED" in result.stdout
    assert "succeeded" in result.stdout
    status = clusterwiz_json(local_cluster.home, "jobs", "status", "--cluster", CLUSTER)
    assert status["status"] == "succeeded"
    assert [(job["name"], job["state"], job["output_tail"]) for job in status["jobs"]] == \
        [("make", "COMPLETED", "made"), ("use", "COMPLETED", "got 42")]
    assert Path(status["jobs"][1]["output_file"]).read_text() == "got 42\n"


def test_a_pipeline_outlives_clusterwiz_and_can_be_cancelled(local_cluster: LocalCluster, tmp_path: Path) -> None:
    job_file = script_job_file(tmp_path, "sequential", {"slow": "#!/bin/sh\nsleep 120\n",
                                                        "after": "#!/bin/sh\ntrue\n"}, wait_time=None)
    submitted = clusterwiz_json(local_cluster.home, "jobs", "run", str(job_file), "--cluster", CLUSTER,
                                "--remote-dir", str(local_cluster.shared_dir), "--no-wait")
    assert submitted["status"] == "running"
    local_cluster.slurm.wait_for_job(submitted["jobs"][0]["job_id"], "RUNNING")
    status = clusterwiz_json(local_cluster.home, "jobs", "status", submitted["pipeline"], "--cluster", CLUSTER)
    assert [(job["state"], job["reason"]) for job in status["jobs"]] == [("RUNNING", None),
                                                                        ("PENDING", "Dependency")]
    cancelled = clusterwiz_json(local_cluster.home, "jobs", "cancel", "--cluster", CLUSTER)
    assert cancelled["pipeline"] == submitted["pipeline"]
    assert cancelled["status"] == "cancelled"
    assert [job["state"] for job in cancelled["jobs"]] == ["CANCELLED", "CANCELLED"]
    for job in cancelled["jobs"]:
        assert local_cluster.slurm.job_state(job["job_id"]) == "CANCELLED"


def test_an_s3_folder_job_is_fetched_with_the_users_credentials(moto: str, local_cluster: LocalCluster,
                                                               tmp_path: Path) -> None:
    s3 = boto3.client("s3", region_name="eu-west-2")
    s3.create_bucket(Bucket="job-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    s3.put_object(Bucket="job-bucket", Key="projects/align/bin/align.sh",
                  Body=b"#!/bin/sh\necho \"aligned $(wc -l < data/reads.txt) reads\"\n")
    s3.put_object(Bucket="job-bucket", Key="projects/align/data/reads.txt", Body=b"ACGT\nTTGA\n")
    s3.put_object(Bucket="job-bucket", Key="projects/align-old/bin/align.sh", Body=b"#!/bin/sh\nexit 1\n")
    job_file = write(tmp_path / "s3.cfg", """\
        [order]
        parallel = align

        [job align]
        s3_uri = s3://job-bucket/projects/align/
        handler = bin/align.sh
        wait_time = 1
        """)
    result = clusterwiz(local_cluster.home, "--json", "jobs", "run", str(job_file), "--cluster", CLUSTER,
                        "--remote-dir", str(local_cluster.shared_dir))
    summary = json.loads(result.stdout)
    assert summary["status"] == "succeeded"
    assert summary["jobs"][0]["output_tail"] == "aligned 2 reads"
    remote = Path(summary["remote_root"]) / "align"
    assert sorted(str(path.relative_to(remote)) for path in remote.rglob("*") if path.is_file()
                  and not path.name.startswith("slurm-")) == ["bin/align.sh", "data/reads.txt"]

    missing = write(tmp_path / "missing.cfg", """\
        [order]
        parallel = align

        [job align]
        s3_uri = s3://job-bucket/projects/align
        handler = align.sh
        """)
    refused = clusterwiz(local_cluster.home, "jobs", "run", str(missing), "--cluster", CLUSTER, check=False)
    assert refused.returncode == 2
    assert "handler 'align.sh' is not in s3://job-bucket/projects/align (it holds bin/align.sh, data/reads.txt)" \
        in refused.stderr
