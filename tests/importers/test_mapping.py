"""Each tool's semantics, on real corpus files and small made-up ones."""

import json
from pathlib import Path

import pytest

from clusterwiz.core.importers import ImportFailed, ImportNeedsDecision, ImportOptions, import_config

from .support import CORPUS


def items_by_source(result):
    return {item.source: item for item in result.report.items}


def test_v2_multi_queue_template_chosen_with_template_option():
    result = import_config(CORPUS / "pcluster2/umccr-3templates-4queues-aligned.ini",
                           ImportOptions(template="tothill"))
    spec = result.spec
    assert [q.name for q in spec.queues] == ["compute", "compute-long", "copy", "long"]
    assert spec.queues[0].instance_types == ["c5.4xlarge", "m5.4xlarge"]
    assert [q.capacity for q in spec.queues] == ["spot", "ondemand", "spot", "ondemand"]
    assert spec.region == "ap-southeast-2" and spec.os == "rocky9" and spec.ami_id is None
    assert spec.head_node.root_volume_gib == 45
    assert spec.network.vpc_id == "vpc-06daaa8ca8e5c853e"
    assert spec.network.subnet_id == "subnet-061d824f3056967b5"


def test_missing_cluster_template_among_several_asks_for_template():
    with pytest.raises(ImportFailed, match="tothill, umccr_dev, umccr_dev_fsx. Pass --template NAME"):
        import_config(CORPUS / "pcluster2/umccr-3templates-4queues-aligned.ini")


def test_v2_single_queue_sizes_spot_and_maintain_initial_size():
    spec = import_config(CORPUS / "pcluster2/strongjz-unlabeled-cluster-section.ini").spec
    queue, = spec.queues
    assert (queue.capacity, queue.min_nodes, queue.initial_nodes, queue.max_nodes) == ("spot", 1, 1, 15)
    # Truncated ids ('vpc-', 'subnet') leave clusterwiz to create the VPC.
    assert spec.network.vpc_id is None


def test_placeholders_and_impossible_ids_are_decisions_not_spec_values():
    result = import_config(CORPUS / "pcluster2/kosey-diststat-spot-ebs.ini")
    items = items_by_source(result)
    assert items["[cluster test] key_name"].status == "decision"
    assert items["[ebs helloebs] ebs_snapshot_id"].status == "decision"
    assert result.spec.key_pair is None
    assert result.spec.shared_storage[0].snapshot_id is None and result.spec.shared_storage[0].size_gib == 40
    assert items["[scaling custom] scaling_idletime"].note.endswith("(did you mean scaledown_idletime?); ignored")


def test_old_single_volume_shared_dir_and_snapshot():
    spec = import_config(CORPUS / "cfncluster/cloudmaven-md-extract-cluster-shared-dir.cfg").spec
    volume, = spec.shared_storage
    assert (volume.mount_dir, volume.snapshot_id) == ("/hello", "snap-f67581a4")


def test_gp2_is_kept_unless_the_user_asks_for_gp3():
    path = CORPUS / "cfncluster/yhwu-inline-comments.cfg"
    kept = import_config(path)
    assert kept.spec.shared_storage[0].volume_type == "gp2"
    assert "--upgrade-gp2" in items_by_source(kept)["[ebs custom] volume_type"].note
    upgraded = import_config(path, ImportOptions(upgrade_gp2=True))
    assert upgraded.spec.shared_storage[0].volume_type == "gp3"
    assert items_by_source(upgraded)["[ebs custom] volume_type"].status == "changed"


def test_two_volumes_on_one_directory_get_their_own():
    spec = import_config(CORPUS / "pcluster2/upstream-fixture-slurm-full.ini").spec
    assert [v.mount_dir for v in spec.shared_storage] == ["/shared_dir1", "/shared_dir1-2"]


def test_region_placeholder_blocks_until_region_is_given():
    path = CORPUS / "cfncluster/shiratori-bracket-placeholders.cfg"
    with pytest.raises(ImportNeedsDecision, match=r"'\[Region\]' is a placeholder"):
        import_config(path)
    spec = import_config(path, ImportOptions(region="eu-west-1")).spec
    assert spec.region == "eu-west-1" and spec.name == "t2-singularity"


def test_credentials_never_reach_the_report_or_the_spec():
    result = import_config(CORPUS / "starcluster/aferr-multi-template.cfg")
    everything = json.dumps(result.report.to_json()) + result.spec.to_yaml()
    for secret in ("AKIAEXAMPLEREDACTED1", "REDACTED_SECRET_ACCESS_KEY_PLACEHOLDER_01", "0000-0000-0001"):
        assert secret not in everything
    assert "rotate" in items_by_source(result)["[aws info] AWS_SECRET_ACCESS_KEY"].note


def test_starcluster_extends_inherits_and_overrides():
    result = import_config(CORPUS / "starcluster/rustandruin-extends-lowercase.cfg",
                           ImportOptions(template="generate-ami"))
    spec = result.spec
    assert spec.queues[0].initial_nodes == 2  # CLUSTER_SIZE 3 inherited from raw-vivid, minus the master
    assert spec.key_pair == "NorthVirginia" and spec.ssh_key_file == "~/.ssh/NorthVirginia.rsa"
    assert items_by_source(result)["[cluster generate-ami] extends"].status == "mapped"


def test_starcluster_volumes_that_would_hide_the_system_move():
    spec = import_config(CORPUS / "starcluster/seunglab-chunkflow.cfg").spec
    volume, = spec.shared_storage
    assert (volume.volume_id, volume.mount_dir) == ("vol-cd1272d6", "/data")
    assert spec.network.vpc_id is None  # SUBNET_ID alone, without its VPC


def test_starcluster_include_is_read_from_the_user_home(tmp_path, monkeypatch):
    (tmp_path / ".starcluster").mkdir()
    main = tmp_path / "config"
    main.write_bytes((CORPUS / "starcluster/karstdiver-dupkey-include.cfg").read_bytes())
    (tmp_path / ".starcluster/aws.ini").write_bytes((CORPUS / "starcluster/karstdiver-included-aws-info.cfg")
                                                    .read_bytes())
    monkeypatch.setenv("HOME", str(tmp_path))
    result = import_config(main)
    items = items_by_source(result)
    assert items["[global] INCLUDE"].status == "mapped"
    assert items["[aws info] AWS_SECRET_ACCESS_KEY"].value == "(hidden)"
    assert items["[cluster smallcluster] NODE_IMAGE_ID"].value in ("ami-3393a45a", "ami-6b211202")


def test_starcluster_extends_loop_names_the_line(tmp_path):
    path = tmp_path / "loop.cfg"
    path.write_text("[cluster a]\nEXTENDS = b\nNODE_INSTANCE_TYPE = m5.large\n[cluster b]\nEXTENDS = a\n")
    with pytest.raises(ImportFailed, match="makes a loop") as caught:
        import_config(path, ImportOptions(template="a", region="eu-west-2"))
    assert caught.value.line == 5


def test_pcluster3_brace_placeholders_are_read_as_written():
    result = import_config(CORPUS / "pcluster3/miyamoto-relion-brace-placeholders.yaml",
                           ImportOptions(region="us-east-1"))
    items = items_by_source(result)
    assert items["Region"].value == "{REGION}" and items["HeadNode.Ssh.KeyName"].status == "decision"
    assert [q.name for q in result.spec.queues][:2] == ["g4dn-2xlarge", "g4dn-12xlarge"]


def test_pcluster3_queues_merge_compute_resources():
    spec = import_config(CORPUS / "pcluster3/gmarciani-storage-loginnodes.yaml").spec
    assert spec.ami_id is None  # built on Amazon Linux 2, which clusterwiz does not run
    assert spec.queues[1].instance_types == ["t3.large", "c5.large", "m5.large"]
    assert (spec.queues[0].min_nodes, spec.queues[0].max_nodes) == (1, 10)


def test_an_os_clusterwiz_does_not_know_is_a_decision_naming_the_supported_ones(tmp_path):
    path = tmp_path / "cluster.yaml"
    path.write_text("Region: eu-west-2\nImage: {Os: windows2019}\nHeadNode: {InstanceType: t3.medium}\n"
                    "Scheduling:\n  Scheduler: slurm\n  SlurmQueues:\n    - Name: q\n      ComputeResources:\n"
                    "        - {Name: c, InstanceType: c5.large, MaxCount: 4}\n")
    result = import_config(path)
    item = items_by_source(result)["Image.Os"]
    assert item.status == "decision" and "choose debian13 or ubuntu2404 or rocky9" in item.note
    assert result.spec.os == "ubuntu2404"


def test_pcluster3_yaml_errors_name_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("Region: eu-west-2\nHeadNode:\n  InstanceType: [t3.medium\n")
    with pytest.raises(ImportFailed, match="not valid YAML") as caught:
        import_config(path)
    assert caught.value.line is not None


@pytest.mark.parametrize(("relative", "expected"), [
    ("pcluster2/azzaea-scalability.ini", "pcluster2"), ("cfncluster/yhwu-inline-comments.cfg", "cfncluster"),
    ("starcluster/scidb-fragment-dupkey.cfg", "starcluster"), ("pcluster3/gmarciani-awsbatch.yaml", "pcluster3"),
])
def test_format_is_detected(relative, expected):
    assert import_config(CORPUS / relative, ImportOptions(region="eu-west-2")).format == expected


def test_a_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ImportFailed, match="does not exist"):
        import_config(tmp_path / "nope.ini")
