"""user_data templates rendered by real Terraform, the shipped agent archive, and the shell layer."""

from __future__ import annotations

import ast
import base64
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clusterwiz.core.assets import terraform_modules_dir
from clusterwiz.core.node_agent import (
    NODE_PACKAGE_DIR,
    build_node_agent_archive,
    node_agent_files,
    shorten_locals,
    stripped_tree,
)
from clusterwiz.node.generate import compute_files, head_files
from clusterwiz.node.layout import Layout
from clusterwiz.node.params import parse_params
from tests.node.conftest import compute_params_data, head_params_data

EC2_USER_DATA_LIMIT = 16384
BOOTSTRAP = Path(__file__).resolve().parents[2] / "tui" / "clusterwiz" / "node" / "bootstrap.sh"


def largest_head_params() -> str:
    """params.json of a big but plausible cluster: 5 queues of 3 types each and 4 shared volumes."""
    queues = [{"name": f"queue-number-{n}", "instance_types": ["c6i.32xlarge", "m6i.32xlarge", "r6i.32xlarge"],
               "capacity": "spot", "min_nodes": 0, "max_nodes": 100,
               "group_name": f"a-thirty-one-char-cluster-name-queue-number-{n}"} for n in range(5)]
    volumes = [{"mount_dir": f"/shared/project-{n}", "volume_id": "vol-0123456789abcdef0",
                "device_name": f"/dev/sd{'fghi'[n]}"} for n in range(4)]
    prices = {"instance": {"t3.medium": 0.0466, "c6i.32xlarge": 5.445, "m6i.32xlarge": 6.149, "r6i.32xlarge": 8.069},
              "volume": {"gp3": 0.08, "io2": 0.125}}
    return json.dumps(head_params_data(cluster_name="a-thirty-one-char-cluster-name", queues=queues,
                                       shared_storage=volumes, prices=prices))


def render_template(module: str, template: str, variables: dict[str, str], workdir: Path) -> str:
    """templatefile() of a module's template, evaluated by Terraform itself."""
    arguments = []
    for name, value in variables.items():
        (workdir / f"{name}.txt").write_text(value)
        arguments.append(f'{name} = file("{workdir / name}.txt")')
    source = terraform_modules_dir() / module / "templates" / template
    (workdir / "main.tf").write_text(
        f'output "rendered" {{\n  value = templatefile("{source}", {{ {", ".join(arguments)} }})\n}}\n')
    subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=workdir, check=True,
                   capture_output=True)
    return subprocess.run(["terraform", "output", "-raw", "rendered"], cwd=workdir, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def head_user_data(terraform_cli_config: Path, tmp_path: Path) -> str:
    archive = base64.b64encode(build_node_agent_archive()).decode()
    return render_template("head_node", "cloud-init.yaml.tftpl",
                           {"params_json": largest_head_params(), "node_agent_archive": archive}, tmp_path)


def test_head_user_data_passes_cloud_init_schema(head_user_data: str, tmp_path: Path) -> None:
    path = tmp_path / "user-data.yaml"
    path.write_text(head_user_data)
    result = subprocess.run(["cloud-init", "schema", "--config-file", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid cloud-config" in result.stdout


def test_head_user_data_fits_ec2_limit_and_carries_params_and_agent(head_user_data: str) -> None:
    """EC2 limits user data to 16 KB in raw form, before base64 (AWS's "Run commands when you launch an EC2
    instance with user data"); the head_node module sends base64gzip(...), so the raw form is the gzip stream."""
    size = len(gzip.compress(head_user_data.encode()))
    print(f"head user_data: {size} bytes gzipped of {EC2_USER_DATA_LIMIT}")
    assert size < EC2_USER_DATA_LIMIT
    import yaml

    document = yaml.safe_load(head_user_data)
    files = {entry["path"]: entry for entry in document["write_files"]}
    assert json.loads(files["/opt/clusterwiz/params.json"]["content"]) == json.loads(largest_head_params())
    assert base64.b64decode(files["/opt/clusterwiz/agent.lzma"]["content"]) == build_node_agent_archive()
    assert "munge.key" not in head_user_data  # the key is made on the node, never carried here


def test_compute_user_data_passes_shellcheck(terraform_cli_config: Path, tmp_path: Path) -> None:
    params = json.dumps(compute_params_data("gpu-spot"))
    script = render_template("compute_fleet", "user-data.sh.tftpl", {"params_json": params}, tmp_path)
    assert f"\n{params}\n" in script
    path = tmp_path / "user-data.sh"
    path.write_text(script)
    subprocess.run(["shellcheck", str(path)], check=True)
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_bootstrap_passes_shellcheck() -> None:
    subprocess.run(["shellcheck", str(BOOTSTRAP)], check=True)


def unpack_as_the_head_node_does(head_user_data: str, directory: Path) -> Path:
    """Run the user data's own unpacking command, with this test's paths for the node's."""
    import yaml  # only these tests read YAML

    document = yaml.safe_load(head_user_data)
    unpack, bootstrap = document["runcmd"]
    assert unpack[-2:] == ["/opt/clusterwiz/agent.lzma", "/opt/clusterwiz/agent"]
    assert bootstrap == ["/opt/clusterwiz/agent/bootstrap.sh", "head"]
    archive = directory / "agent.lzma"
    archive.write_bytes(build_node_agent_archive())
    subprocess.run([sys.executable, *unpack[1:-2], str(archive), str(directory / "agent")], check=True)
    return directory / "agent"


def test_archive_is_deterministic_and_unpacks_to_the_agent(head_user_data: str, tmp_path: Path) -> None:
    assert build_node_agent_archive() == build_node_agent_archive()
    agent = unpack_as_the_head_node_does(head_user_data, tmp_path)
    unpacked = {str(path.relative_to(agent)): path for path in agent.rglob("*") if path.is_file()}
    assert sorted(unpacked) == [name for name, _ in node_agent_files()]
    assert all(unpacked[name].read_text(encoding="utf-8") == text for name, text in node_agent_files())
    assert {name: path.stat().st_mode & 0o777 for name, path in unpacked.items()} == {
        name: 0o755 if name == "bootstrap.sh" else 0o644 for name in unpacked}
    assert (agent / "clusterwiz_node").stat().st_mode & 0o777 == 0o755


def test_each_shipped_module_is_its_source_statement_for_statement() -> None:
    """The one-space indentation and lost docstrings change no statement of any module, run or not by a test."""
    shipped = {name.removeprefix("clusterwiz_node/"): text for name, text in node_agent_files() if name.endswith(".py")}
    assert shipped.keys() == {path.name for path in NODE_PACKAGE_DIR.glob("*.py")}
    for name, text in shipped.items():
        source = shorten_locals(stripped_tree((NODE_PACKAGE_DIR / name).read_text(encoding="utf-8")))
        assert ast.dump(ast.parse(text)) == ast.dump(ast.parse(ast.unparse(source))), name


def test_short_local_names_change_what_no_function_does() -> None:
    source = """
import os
total = 1
def outer(items, *, scale=2):
    value = [item * scale for item in items]
    try:
        found = os.sep
    except OSError as error:
        found = str(error)
    return value, found, total, outer.__name__
def kept():
    inner = 1
    return (lambda: inner)()
def counted():
    global total
    total = total + 1
    return total
"""
    shortened = ast.unparse(shorten_locals(ast.parse(source)))
    assert "def outer(items, *, scale=2):" in shortened and "value" not in shortened and "found" not in shortened
    assert "item " not in shortened and "error" not in shortened
    assert "inner = 1" in shortened and "total = total + 1" in shortened  # a closure, a global: left alone
    original, short = {}, {}
    exec(compile(source, "original", "exec"), original)  # noqa: S102 - the test's own source
    exec(compile(shortened, "short", "exec"), short)  # noqa: S102
    assert original["outer"]([1, 2]) == short["outer"]([1, 2])
    assert (original["kept"](), original["counted"]()) == (short["kept"](), short["counted"]())


def test_the_shipped_bootstrap_is_its_source_command_for_command(tmp_path: Path) -> None:
    """bash's own reading of both scripts (--pretty-print) is the same: no comment or indentation mattered."""
    shipped = tmp_path / "bootstrap.sh"
    shipped.write_text(dict(node_agent_files())["bootstrap.sh"])

    def as_bash_reads(script: Path) -> str:
        printed = subprocess.run(["bash", "--pretty-print", str(script)], check=True, capture_output=True,
                                 text=True).stdout
        return "\n".join(line for line in printed.splitlines() if line.strip())  # a comment leaves a blank line

    assert as_bash_reads(shipped) == as_bash_reads(BOOTSTRAP)
    assert "\n " not in shipped.read_text()


def test_the_shipped_agent_generates_what_the_source_generates(head_user_data: str, tmp_path: Path) -> None:
    """Unpacked as the head node unpacks it, the compacted agent writes the same files."""
    agent = unpack_as_the_head_node_does(head_user_data, tmp_path)
    subprocess.run(["shellcheck", str(agent / "bootstrap.sh")], check=True)
    head_path, node_path = tmp_path / "params.json", tmp_path / "node.json"
    head_path.write_text(json.dumps(head_params_data()))
    node_path.write_text(json.dumps(compute_params_data()))
    root = tmp_path / "root"
    env = {"PYTHONPATH": str(agent), "PATH": "/usr/bin:/bin"}
    for role, extra in (("head", ["--hostname", "ip-10-0-1-10", "--address", "10.0.1.10"]),
                        ("compute", ["--params", str(node_path), "--instance-id", "i-0123456789abcdef0"])):
        subprocess.run([sys.executable, "-m", "clusterwiz_node", "generate", role, "--head-params", str(head_path),
                        "--root", str(root), *extra], env=env, check=True, capture_output=True)
    head, node = parse_params(head_params_data()), parse_params(compute_params_data())
    expected = {**head_files(head, Layout(), "ip-10-0-1-10", "10.0.1.10"),
                **compute_files(head, node, Layout(), "i-0123456789abcdef0")}
    written = {"/" + str(path.relative_to(root)): path.read_text() for path in root.rglob("*") if path.is_file()}
    assert written == {path: file.content for path, file in expected.items()}
    rerun = subprocess.run([sys.executable, "-m", "clusterwiz_node", "generate", "head", "--head-params",
                            str(head_path), "--root", str(root), "--hostname", "ip-10-0-1-10", "--address",
                            "10.0.1.10"], env=env, check=True, capture_output=True, text=True)
    assert rerun.stdout == ""  # nothing changed, nothing rewritten
