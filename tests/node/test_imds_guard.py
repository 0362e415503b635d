"""Only root reaches IMDS on the head node: the guard's ruleset, loaded by the real nft in a network namespace of
the test's own, with a metadata stand-in listening on 169.254.169.254 inside it (the twins test the booted head)."""

from __future__ import annotations

import shlex
import subprocess
import textwrap
from pathlib import Path

from clusterwiz.node.generate import IMDS_GUARD_RULES, compute_files, head_files, write_tree
from clusterwiz.node.layout import Layout
from clusterwiz.node.params import ClusterParams

LAYOUT = Layout()
NOBODY = 65534

# Connects to the metadata address and prints what came back, or the error that stopped it.
PROBE = textwrap.dedent("""
    import socket
    try:
        with socket.create_connection(("169.254.169.254", 80), timeout=3) as connection:
            connection.sendall(b"ping")
            print("answered", connection.recv(16).decode())
    except OSError as error:
        print("refused", type(error).__name__)
""")
# Answers every connection with "pong" until killed.
STAND_IN = textwrap.dedent("""
    import socket
    server = socket.create_server(("169.254.169.254", 80))
    while True:
        connection, _ = server.accept()
        connection.recv(16)
        connection.sendall(b"pong")
        connection.close()
""")


def in_private_network(script: str) -> str:
    result = subprocess.run(["unshare", "--net", "bash", "-euc", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def guard_rules(head_params: ClusterParams, tmp_path: Path) -> Path:
    tree = head_files(head_params, LAYOUT, "h", "10.0.1.10")
    write_tree({IMDS_GUARD_RULES: tree[IMDS_GUARD_RULES]}, str(tmp_path))
    return tmp_path / IMDS_GUARD_RULES.lstrip("/")


def test_a_user_is_refused_and_root_is_answered(head_params: ClusterParams, tmp_path: Path) -> None:
    rules = guard_rules(head_params, tmp_path)
    # Inline, not files: the test's own directory is closed to the unprivileged user.
    probe, stand_in = shlex.quote(PROBE), shlex.quote(STAND_IN)
    output = in_private_network(f"""
        ip link set lo up
        ip addr add 169.254.169.254/32 dev lo
        python3 -c {stand_in} & trap "kill $!" EXIT
        for _ in $(seq 50); do python3 -c {probe} | grep -q answered && break; sleep 0.1; done
        nft -f {rules}
        nft -f {rules}  # a second bootstrap reloads it: still one table, same rules
        echo "tables $(nft list tables | grep -c clusterwiz_imds)"
        echo "root $(python3 -c {probe})"
        echo "user $(setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups python3 -c {probe})"
    """)
    assert output.splitlines() == ["tables 1", "root answered pong", "user refused ConnectionRefusedError"]


def test_compute_nodes_keep_their_metadata(head_params: ClusterParams, compute_params: ClusterParams) -> None:
    """A compute node's role may only tag the node itself (terraform_modules/iam), and jobs may need its metadata."""
    assert IMDS_GUARD_RULES not in compute_files(head_params, compute_params, LAYOUT, "i-0123456789abcdef0")
