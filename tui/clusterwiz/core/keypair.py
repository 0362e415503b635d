"""Create an EC2 key pair for a new cluster: the private key stays here (0600), AWS gets the public half.

The key pair carries the cluster's clusterwiz:cluster tag, as everything clusterwiz creates does: Terraform does not
manage it, so the tag is how the leftover check finds it, and how forgetting the cluster (which deletes the private
key) deletes it too (core.lifecycle.find_cluster_leftovers)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from clusterwiz.core.aws.inventory import CLUSTER_TAG
from clusterwiz.core.errors import AwsError, ClusterwizError
from clusterwiz.core.files import atomic_write_bytes, ensure_private_dir


def create_key_pair(session: Any, region: str, name: str, key_dir: Path, cluster: str) -> Path:
    """Generate an ed25519 key locally, import its public half as `name` tagged with the cluster, return the
    private key's path."""
    ssh_keygen = shutil.which("ssh-keygen")
    if ssh_keygen is None:
        raise ClusterwizError("ssh-keygen is not installed, so clusterwiz cannot make a key pair; install the "
                              "OpenSSH client (e.g. `apt install openssh-client`) or pick an existing key pair")
    ensure_private_dir(key_dir)
    with tempfile.TemporaryDirectory(dir=key_dir) as scratch:
        private = Path(scratch) / "key"
        subprocess.run([ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-C", f"clusterwiz {name}", "-f",
                        str(private)], check=True, capture_output=True)
        public_key = (Path(scratch) / "key.pub").read_bytes()
        destination = key_dir / f"{name}.pem"
        atomic_write_bytes(destination, private.read_bytes())
    try:
        session.client("ec2", region).import_key_pair(
            KeyName=name, PublicKeyMaterial=public_key,
            TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": CLUSTER_TAG, "Value": cluster}]}])
    except Exception as error:  # botocore raises many types; the message is mapped for the user below
        destination.unlink(missing_ok=True)
        raise AwsError(f"AWS refused to import key pair {name!r} in {region} ({error}); pick an existing key "
                       "pair, or check that your credentials may call ec2:ImportKeyPair") from error
    return destination
