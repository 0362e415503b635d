"""The twins' machine image: a Debian 13 root as Debian's AMI boots it, and a local mirror of what the bootstrap
installs.

Built once per machine and kept under CACHE_DIR, in a folder named by a hash of everything that goes into it, so a
change to this file or to the bootstrap's package lists builds a new one (`python -m tests.twins.image` builds it
ahead, as .ci/run does). What differs from Debian's own AMI, and why, is in STAND_INS below and in README.md.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.twins.tls import TwinAuthority

SUITE = "trixie"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
CACHE_DIR = Path(os.environ.get("CLUSTERWIZ_TWIN_CACHE", "/var/cache/clusterwiz-twins"))
STAND_INS_DIR = Path(__file__).with_name("stand_ins")
BOOTSTRAP = Path(__file__).parents[2] / "tui" / "clusterwiz" / "node" / "bootstrap.sh"

# What Debian's cloud images carry that the bootstrap relies on (cloud-init, python3, sshd, sudo, ...).
AMI_PACKAGES = ("systemd", "systemd-sysv", "dbus", "cloud-init", "python3", "iproute2", "netbase", "openssh-server",
                "sudo", "xz-utils", "e2fsprogs", "procps", "ca-certificates")
# Twin-only: the user-space NFS server that stands in for the kernel's nfsd, and libnfs's client tools.
STAND_IN_PACKAGES = ("nfs-ganesha", "nfs-ganesha-vfs", "libnfs-utils")


@dataclass(frozen=True)
class TwinImage:
    directory: Path

    @property
    def root(self) -> Path:
        return self.directory / "root"

    @property
    def mirror(self) -> Path:
        """A flat apt repository of every package the bootstrap installs that the image lacks."""
        return self.directory / "mirror"

    @property
    def authority(self) -> TwinAuthority:
        return TwinAuthority(self.directory / "ca")


def bootstrap_packages() -> list[str]:
    """Every Debian package name bootstrap.sh's apt-get lines install, for the mirror."""
    names: list[str] = []
    for line in BOOTSTRAP.read_text().splitlines():
        words = line.split()
        if "apt-get" in words[:2] and "install" in words:  # run as is, or through a wrapper such as sudo
            names += [word for word in words[words.index("install") + 1:] if not word.startswith("-")]
    if not names:
        raise RuntimeError(f"found no apt-get install line in {BOOTSTRAP}")
    return sorted(set(names))


def image_key() -> str:
    digest = hashlib.sha256()
    for part in (SUITE, *AMI_PACKAGES, *STAND_IN_PACKAGES, *bootstrap_packages()):
        digest.update(part.encode() + b"\0")
    for path in sorted([Path(__file__), *STAND_INS_DIR.rglob("*")]):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _run(arguments: list[str], log: Path) -> None:
    with log.open("ab") as output:
        output.write(f"\n$ {' '.join(arguments)}\n".encode())
        output.flush()
        completed = subprocess.run(arguments, stdout=output, stderr=subprocess.STDOUT)
    if completed.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{arguments[0]} failed (exit {completed.returncode}); the end of {log}:\n{tail}")


def _in_root(root: Path, script: str, log: Path) -> None:
    """Run a shell script inside the root with the host's network (apt reaches the configured mirror)."""
    _run(["systemd-nspawn", "--quiet", "--keep-unit", "--register=no", "-D", str(root),
          "-E", "DEBIAN_FRONTEND=noninteractive", "/bin/sh", "-euc", script], log)


def _install_stand_ins(root: Path) -> None:
    """Copy stand_ins/ over the root (paths inside it are paths in the image), keeping modes."""
    for source in sorted(STAND_INS_DIR.rglob("*")):
        target = root / source.relative_to(STAND_INS_DIR)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            shutil.copy2(source, target)


def build(directory: Path, mirror_url: str) -> None:
    log = directory / "build.log"
    root = directory / "root"
    _run(["debootstrap", "--variant=minbase", "--include=systemd,systemd-sysv,dbus", SUITE, str(root), mirror_url],
         log)
    packages = " ".join(AMI_PACKAGES + STAND_IN_PACKAGES)
    needed = " ".join(bootstrap_packages())
    _in_root(root, f"""
        apt-get update -q
        apt-get install -y -q --no-install-recommends {packages}
        # The kernel NFS client is absent here: mount.nfs gives way to the stand-in (README.md).
        dpkg-divert --local --rename --divert /usr/sbin/mount.nfs.kernel --add /usr/sbin/mount.nfs
        mkdir -p /var/tmp/mirror
        apt-get install -y -q --no-install-recommends --download-only -o Dir::Cache::archives=/var/tmp/mirror {needed}
        rm -rf /var/tmp/mirror/partial /var/tmp/mirror/lock /var/lib/apt/lists/*
        systemctl disable nfs-ganesha.service nfs-ganesha-lock.service rpcbind.service rpcbind.socket || true
        # The kernel has no rpc_pipefs (no NFS at all); nothing here needs it.
        systemctl mask run-rpc_pipefs.mount
        rm -f /etc/apt/sources.list.d/debian.sources
    """, log)
    shutil.move(root / "var/tmp/mirror", directory / "mirror")
    with (directory / "mirror" / "Packages").open("wb") as index:
        subprocess.run(["apt-ftparchive", "packages", "."], cwd=directory / "mirror", stdout=index, check=True)
    release = subprocess.run(["apt-ftparchive", "release", "."], cwd=directory / "mirror", capture_output=True,
                             check=True).stdout
    (directory / "mirror" / "Release").write_bytes(release)
    _install_stand_ins(root)
    authority = TwinAuthority(directory / "ca")
    authority.create()
    certificates = root / "usr/local/share/ca-certificates"
    certificates.mkdir(parents=True, exist_ok=True)
    shutil.copy(authority.certificate, certificates / "clusterwiz-twin.crt")
    _in_root(root, """
        update-ca-certificates
        : > /etc/machine-id
    """, log)


def _remove_older_images(keep: Path) -> None:
    """Images of earlier contents are ~450 MB each and nothing uses them once a new one is built."""
    for path in CACHE_DIR.iterdir():
        if path.is_dir() and path != keep and (path / "ready").exists():
            shutil.rmtree(path, ignore_errors=True)


def ensure_image(mirror_url: str | None = None) -> TwinImage:
    """The cached image for what goes into it now, built first if missing (one builder at a time)."""
    directory = CACHE_DIR / image_key()
    if (directory / "ready").exists():
        return TwinImage(directory)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "ready").exists():
            building = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=CACHE_DIR))
            try:
                build(building, mirror_url or os.environ.get("CLUSTERWIZ_TWIN_MIRROR", DEFAULT_MIRROR))
                (building / "ready").write_text("")
                shutil.rmtree(directory, ignore_errors=True)
                building.rename(directory)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
            _remove_older_images(keep=directory)
    return TwinImage(directory)


if __name__ == "__main__":
    image = ensure_image()
    print(f"twin image ready: {image.directory}", file=sys.stderr)
