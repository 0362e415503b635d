#!/bin/bash
# Turns a booted instance into the cluster's head node or a compute node: bootstrap.sh head|compute.
# Idempotent (a reboot or a re-run changes nothing); logs each step to the console and
# /var/log/clusterwiz-bootstrap.log; tags the instance clusterwiz:bootstrap=running:<step>|ready|failed:<step>.
# The files it writes come from the Python generator (clusterwiz_node); this layer only installs,
# formats blank volumes, mounts and starts services.
set -Eeuo pipefail

ROLE=${1:?usage: bootstrap.sh head|compute}
AGENT_ROOT=/opt/clusterwiz
AGENT_DIR=$AGENT_ROOT/agent
MUNGE_DIR=$AGENT_ROOT/munge
SLURM_CONF=$AGENT_ROOT/etc/slurm.conf
NODE_PARAMS=/etc/clusterwiz/node.json
LOG=/var/log/clusterwiz-bootstrap.log
DEVICE_WAIT_SECONDS=600
# Debian's and Ubuntu's slurm packages create this uid; the same on every node whatever its OS.
SLURM_UID=64030
STEP=start

# A compute node's user data already sends everything to the log; tee again and every line is there twice.
if [ "${CLUSTERWIZ_BOOTSTRAP_LOG:-}" != "$LOG" ]; then
    exec > >(tee -a "$LOG") 2>&1
    export CLUSTERWIZ_BOOTSTRAP_LOG=$LOG
fi

log() { printf '%s clusterwiz-bootstrap[%s] %s\n' "$(date -u +%FT%TZ)" "$STEP" "$*"; }
agent() { PYTHONPATH=$AGENT_DIR python3 -m clusterwiz_node "$@"; }
tag() { agent tag "$@" || log "readiness tag $1 not set (see above)"; }
step() { STEP=$1; log "step $1"; tag "running:$1"; }
on_error() {
    local status=$?
    trap - ERR
    log "FAILED at step $STEP (exit $status); see $LOG"
    tag "failed:$STEP" --log-tail-of "$LOG"
    exit "$status"
}
trap on_error ERR

os_family() {
    # shellcheck disable=SC1091
    . /etc/os-release
    case "$ID:${VERSION_ID%%.*}" in
        debian:13 | ubuntu:24) echo apt ;;
        rocky:9) echo dnf ;;
        *) log "unsupported operating system $ID $VERSION_ID (clusterwiz supports debian13, ubuntu2404 and rocky9)"; return 1 ;;
    esac
}

without_starting_daemons() {
    # Debian's packages start their daemons on install, before any has its configuration: slurmd (Type=notify on
    # Debian 13 and Ubuntu 24.04) then looks for a controller it cannot find and holds the install for its 90 s
    # start timeout. A policy-rc.d (Debian's invoke-rc.d policy) that forbids starts keeps them stopped while the
    # command runs; the bootstrap starts each once it is configured. An image's own policy-rc.d is left alone.
    local policy=/usr/sbin/policy-rc.d own_policy="" status=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    "$@" || status=$?
    if [ -n "$own_policy" ]; then
        rm -f "$policy"
    fi
    return "$status"
}

install_packages() {
    local family=$1; shift
    local missing=()
    local command
    for command in "$@"; do
        command -v "$command" >/dev/null || missing+=("$command")
    done
    if [ "${#missing[@]}" -eq 0 ] && python3 -c 'import boto3' 2>/dev/null; then
        log "packages already installed"
        return 0
    fi
    if [ "$family" = apt ]; then
        export DEBIAN_FRONTEND=noninteractive
        # A fresh Ubuntu image's unattended-upgrades holds the dpkg lock for minutes at first boot: wait for it.
        # Mirror hiccups are retried; an index that still cannot be fetched is an error, not a warning.
        local apt_options=(-q -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3)
        apt-get "${apt_options[@]}" --error-on=any update
        if [ "$ROLE" = head ]; then
            without_starting_daemons apt-get "${apt_options[@]}" install -y --no-install-recommends slurmctld slurm-client munge nfs-kernel-server nftables python3-boto3
        else
            without_starting_daemons apt-get "${apt_options[@]}" install -y --no-install-recommends slurmd slurm-client munge nfs-common python3-boto3
        fi
    else
        # EPEL's own instructions for EL9: its packages need CodeReady Builder enabled first.
        local dnf_options=(-y -q --setopt=retries=5)
        dnf install "${dnf_options[@]}" dnf-plugins-core
        dnf config-manager --set-enabled crb
        dnf install "${dnf_options[@]}" epel-release
        if [ "$ROLE" = head ]; then
            dnf install "${dnf_options[@]}" slurm slurm-slurmctld munge nfs-utils nftables python3-boto3
        else
            dnf install "${dnf_options[@]}" slurm slurm-slurmd munge nfs-utils python3-boto3
        fi
    fi
}

ensure_slurm_user() {
    # EPEL's slurm creates no user, and SlurmUser=slurm makes the daemons refuse their configuration without one.
    if ! getent group slurm >/dev/null; then
        groupadd --system --gid "$SLURM_UID" slurm
    fi
    if ! getent passwd slurm >/dev/null; then
        log "creating the slurm user (uid $SLURM_UID)"
        useradd --system --uid "$SLURM_UID" --gid slurm --home-dir /var/lib/slurm --no-create-home \
            --shell /usr/sbin/nologin slurm
    fi
}

volume_device() {
    # Nitro instances show EBS volumes as NVMe disks named after the volume id; Xen ones as xvdX.
    local volume_id=$1 device_name=$2 waited=0 candidate
    while [ "$waited" -lt "$DEVICE_WAIT_SECONDS" ]; do
        for candidate in "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume_id//-/}" \
                         "$device_name" "/dev/xvd${device_name#/dev/sd}"; do
            if [ -b "$candidate" ]; then
                readlink -f "$candidate"
                return 0
            fi
        done
        sleep 5
        waited=$((waited + 5))
    done
    log "volume $volume_id did not appear as $device_name within ${DEVICE_WAIT_SECONDS}s"
    return 1
}

mount_volume() {
    local volume_id=$1 device_name=$2 mount_dir=$3 device probe status uuid
    device=$(volume_device "$volume_id" "$device_name")
    status=0
    probe=$(blkid -p "$device") || status=$?
    if [ "$status" -eq 2 ]; then
        # blkid found neither a filesystem nor a partition table: a new, blank volume.
        log "formatting blank volume $volume_id ($device) as ext4"
        mkfs.ext4 -q -L "$(basename "$mount_dir" | cut -c1-16)" "$device"
    elif [ "$status" -ne 0 ]; then
        log "cannot probe $device (blkid exit $status); refusing to touch volume $volume_id"
        return 1
    elif [[ "$probe" != *' TYPE="'* ]]; then
        log "volume $volume_id has partitions but no filesystem on the whole disk; clusterwiz mounts whole-disk filesystems"
        return 1
    else
        log "volume $volume_id already has a filesystem; keeping its data"
    fi
    uuid=$(blkid -s UUID -o value "$device")
    mkdir -p "$mount_dir"
    if ! grep -q "^UUID=$uuid " /etc/fstab; then
        echo "UUID=$uuid $mount_dir auto defaults,nofail 0 2" >> /etc/fstab
    fi
    mountpoint -q "$mount_dir" || mount "$mount_dir"
}

restart_if_changed() {
    # Restart a service only when its configuration changed, so a re-run disturbs no running job.
    local service=$1 changed=$2
    systemctl enable "$service"
    if [ -n "$changed" ]; then
        systemctl restart "$service"
    else
        systemctl start "$service"
    fi
}

head_node() {
    local family changed volume_id device_name mount_dir
    step packages
    family=$(os_family)
    install_packages "$family" slurmctld munged exportfs nft
    ensure_slurm_user

    step volumes
    while read -r volume_id device_name mount_dir; do
        mount_volume "$volume_id" "$device_name" "$mount_dir"
    done < <(agent volumes)

    step munge
    install -d -m 0700 -o root -g root "$MUNGE_DIR"
    if [ ! -s "$MUNGE_DIR/munge.key" ]; then
        log "generating the cluster's munge key"
        dd if=/dev/urandom of="$MUNGE_DIR/munge.key.new" bs=1024 count=1 status=none
        chmod 0400 "$MUNGE_DIR/munge.key.new"
        mv "$MUNGE_DIR/munge.key.new" "$MUNGE_DIR/munge.key"
    fi
    changed=$(cmp -s "$MUNGE_DIR/munge.key" /etc/munge/munge.key || echo yes)
    install -m 0400 -o munge -g munge "$MUNGE_DIR/munge.key" /etc/munge/munge.key
    restart_if_changed munge "$changed"

    step config
    changed=$(agent generate head --hostname "$(hostname -s)" --address "$(agent metadata local-ipv4)")
    log "${changed:-configuration unchanged}"
    mkdir -p /etc/slurm /var/spool/slurmctld /var/log/slurm
    chown slurm: /var/spool/slurmctld /var/log/slurm
    ln -sfn "$SLURM_CONF" /etc/slurm/slurm.conf
    systemctl daemon-reload

    step imds
    restart_if_changed clusterwiz-imds-guard "$changed"

    step nfs
    if [ "$family" = apt ]; then restart_if_changed nfs-kernel-server "$changed"; else restart_if_changed nfs-server "$changed"; fi
    exportfs -ra

    step slurmctld
    restart_if_changed slurmctld "$changed"

    step scaler
    systemctl enable --now clusterwiz-scaler.timer
}

compute_node() {
    local family changed directory instance_id
    step packages
    family=$(os_family)
    install_packages "$family" slurmd munged mount.nfs
    ensure_slurm_user

    step mounts
    instance_id=$(agent metadata instance-id)
    changed=$(agent generate compute --params "$NODE_PARAMS" --instance-id "$instance_id")
    log "${changed:-configuration unchanged}"
    systemctl daemon-reload
    for directory in /home $(agent volumes | cut -d' ' -f3); do
        mkdir -p "$directory"
        systemctl enable --now "$(systemd-escape --path --suffix=mount "$directory")"
    done

    step munge
    local key_changed
    key_changed=$(cmp -s "$MUNGE_DIR/munge.key" /etc/munge/munge.key || echo yes)
    install -m 0400 -o munge -g munge "$MUNGE_DIR/munge.key" /etc/munge/munge.key
    restart_if_changed munge "$key_changed"

    step slurmd
    mkdir -p /etc/slurm /var/spool/slurmd /var/log/slurm
    ln -sfn "$SLURM_CONF" /etc/slurm/slurm.conf
    restart_if_changed slurmd "$changed"
}

case "$ROLE" in
    head) head_node ;;
    compute) compute_node ;;
    *) log "unknown role $ROLE; use head or compute"; exit 2 ;;
esac
STEP=finish
tag ready
log "bootstrap finished: node is ready"
