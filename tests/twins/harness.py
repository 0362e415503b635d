"""The twin harness: every instance the emulator runs is booted as a twin, and halted when it stops or ends.

It watches the emulator as EC2's hypervisors would: a running instance gets a twin booted from the user data
Terraform sent (the head node's own, a group member's from its launch template), a stopped one is powered off with
its disk kept, a terminated one is powered off and its disk dropped. Attached volumes appear in the twin as block
devices at the device name they were attached with (a loop device over a sparse file per volume, kept until the
harness closes, so a volume keeps its data across instances).
"""

from __future__ import annotations

import base64
import binascii
import os
import subprocess
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import boto3

from tests.twins.image import TwinImage
from tests.twins.imds import InstanceIdentity, MetadataService
from tests.twins.machine import Twin, TwinSpec
from tests.twins.netns import Fabric
from tests.twins.relay import Relay

CLUSTER_TAG = "clusterwiz:cluster"
POLL_SECONDS = 1.0
# A volume's backing file is sparse; its size is capped so a 100 GiB volume costs this machine nothing.
VOLUME_FILE_MAX_BYTES = 2 * 1024**3
VOLUME_DEVICES_IN_COMPUTE = "/dev/clusterwiz-twin"
FABRIC_IN_TWIN = "/run/clusterwiz-twin/nfs"
AWS_SERVICES = ("ec2", "autoscaling", "sts", "ssm", "iam", "logs", "s3")


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 1.0,
               describe: Callable[[], str] = lambda: "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{describe()}")
        time.sleep(interval)


@dataclass
class TwinRecord:
    twin: Twin
    namespace: str
    metadata: MetadataService
    role: str
    cluster: str
    queue: str
    started_at: float = field(default_factory=time.monotonic)


class TwinHarness:
    def __init__(self, image: TwinImage, endpoint: str, workdir: Path, region: str):
        self.image = image
        self.endpoint = endpoint
        self.workdir = workdir
        self.region = region
        self.prefix = f"cw{os.getpid() % 10000:04d}"
        self.fabric = Fabric(self.prefix)
        self.relay: Relay | None = None
        self.twins: dict[str, TwinRecord] = {}
        self.stopped: dict[str, TwinRecord] = {}  # stopped instances: their disks, for a start
        self.loops: dict[str, str] = {}  # volume id -> loop device
        self.without_mirror: set[str] = set()  # queues whose nodes find no package mirror
        self.errors: list[str] = []
        self.events: list[tuple[float, str, str]] = []  # (monotonic time, instance id, what happened)
        self.timings: dict[str, float] = {}  # what tests measured, for the benchmark
        self.group_templates: dict[str, dict] = {}  # group name -> the launch template it was first seen with
        self.closing = threading.Event()
        self.watcher = threading.Thread(target=self._watch, name="twin-harness", daemon=True)
        self.lock = threading.RLock()
        self.ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint)
        self.autoscaling = boto3.client("autoscaling", region_name=region, endpoint_url=endpoint)
        self.iam = boto3.client("iam", region_name=region, endpoint_url=endpoint)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> TwinHarness:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.fabric.create()
        port = urlsplit(self.endpoint).port
        assert port is not None and urlsplit(self.endpoint).hostname == "127.0.0.1", self.endpoint
        self.relay = Relay(self.fabric.namespace, self.image.authority, port, self.image.mirror)
        self.watcher.start()
        return self

    def close(self) -> None:
        self.closing.set()
        self.watcher.join(timeout=30)
        with self.lock:
            for record in [*self.twins.values(), *self.stopped.values()]:
                self._drop(record)
            self.twins.clear()
            self.stopped.clear()
            if self.relay is not None:
                self.relay.close()
            self.fabric.destroy()
            for loop in self.loops.values():
                subprocess.run(["losetup", "-d", loop], check=False)
            self.loops.clear()

    def _drop(self, record: TwinRecord) -> None:
        try:
            record.twin.discard()
        finally:
            record.metadata.close()
            self.fabric.detach(record.namespace)

    def __enter__(self) -> TwinHarness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- watching the emulator -------------------------------------------------------------------

    def _watch(self) -> None:
        while not self.closing.is_set():
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - kept for the test to report; the watch goes on
                self.errors.append(traceback.format_exc())
            self.closing.wait(POLL_SECONDS)

    def _instances(self) -> list[dict]:
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "tag-key", "Values": [CLUSTER_TAG]}])
        return [instance for page in pages for reservation in page["Reservations"]
                for instance in reservation["Instances"]]

    def poll(self) -> None:
        with self.lock:
            for instance in self._instances():
                instance_id, state = instance["InstanceId"], instance["State"]["Name"]
                if state in ("pending", "running"):
                    if instance_id not in self.twins:
                        self._boot(instance)
                elif state in ("stopping", "stopped"):
                    if instance_id in self.twins:
                        self._stop(instance_id)
                elif instance_id in self.twins or instance_id in self.stopped:
                    self._terminate(instance_id)
            self._present_volumes()

    def _note(self, instance_id: str, what: str) -> None:
        self.events.append((time.monotonic(), instance_id, what))

    def _stop(self, instance_id: str) -> None:
        record = self.twins.pop(instance_id)
        record.twin.halt()
        record.twin.release_disk()
        record.metadata.close()
        self.fabric.detach(record.namespace)
        self.stopped[instance_id] = record
        self._note(instance_id, "stopped")

    def _terminate(self, instance_id: str) -> None:
        record = self.twins.pop(instance_id, None) or self.stopped.pop(instance_id)
        self._drop(record)
        self._note(instance_id, "terminated")

    # -- booting ---------------------------------------------------------------------------------

    def _tags(self, instance: dict) -> dict[str, str]:
        return {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}

    def _launch_template_data(self, instance: dict) -> dict | None:
        """The launch template version a group member was launched from (None for an instance of its own)."""
        group = self._tags(instance).get("aws:autoscaling:groupName")
        if not group:
            return None
        (described,) = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"]
        # moto drops a group's MixedInstancesPolicy on an UpdateAutoScalingGroup that does not repeat it (a stop
        # and start of the fleet sends only sizes); AWS keeps it. The template first seen stands for it then.
        specification = (described.get("MixedInstancesPolicy", {}).get("LaunchTemplate", {})
                         .get("LaunchTemplateSpecification") or described.get("LaunchTemplate")
                         or self.group_templates[group])
        self.group_templates.setdefault(group, specification)
        versions = self.ec2.describe_launch_template_versions(
            LaunchTemplateId=specification["LaunchTemplateId"],
            Versions=[str(specification.get("Version", "$Latest"))])["LaunchTemplateVersions"]
        return versions[0]["LaunchTemplateData"]

    def _user_data(self, instance: dict, template: dict | None) -> bytes:
        """What Terraform sent: the head's own user data, or a group member's launch template's."""
        if template is not None:
            encoded = template.get("UserData", "")
        else:
            encoded = self.ec2.describe_instance_attribute(InstanceId=instance["InstanceId"], Attribute="userData")[
                "UserData"].get("Value", "")
        try:
            return base64.b64decode(encoded)
        except binascii.Error as error:
            raise AssertionError(f"user data of {instance['InstanceId']} is not base64: {error}") from error

    def _public_keys(self, instance: dict) -> list[str]:
        name = instance.get("KeyName")
        if not name:
            return []
        pairs = self.ec2.describe_key_pairs(KeyNames=[name], IncludePublicKey=True)["KeyPairs"]
        return [pair["PublicKey"].strip() for pair in pairs if pair.get("PublicKey")]

    def _role_name(self, instance: dict, template: dict | None) -> str:
        """The role of the instance's profile; a group member's comes from its launch template, as on EC2 (moto's
        groups launch without it)."""
        profile = instance.get("IamInstanceProfile") or (template or {}).get("IamInstanceProfile") or {}
        name = profile.get("Name") or profile.get("Arn", "").rsplit("/", 1)[-1]
        if not name:
            return ""
        roles = self.iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]
        return roles[0]["RoleName"] if roles else ""

    def _boot(self, instance: dict) -> None:
        instance_id = instance["InstanceId"]
        tags = self._tags(instance)
        private_ip = instance["PrivateIpAddress"]
        subnet = self.ec2.describe_subnets(SubnetIds=[instance["SubnetId"]])["Subnets"][0]
        namespace = f"{self.prefix}i{instance_id[-6:]}"
        # Every lookup before the namespace is made: one that fails leaves nothing half-made for the next poll.
        template = self._launch_template_data(instance)
        gateway = self.fabric.attach(namespace, private_ip, subnet["CidrBlock"], instance.get("PublicIpAddress"))
        names = [f"{service}.{self.region}.amazonaws.com" for service in AWS_SERVICES] + ["sts.amazonaws.com",
                                                                                          "iam.amazonaws.com"]
        queue = tags.get("clusterwiz:queue", "")
        if queue not in self.without_mirror:
            names.append("deb.debian.org")
        role = tags.get("clusterwiz:role", "")
        binds = {}
        if role == "compute":
            head = self.head_of(tags[CLUSTER_TAG])
            if head is not None:
                binds[str(head.twin.merged)] = f"{FABRIC_IN_TWIN}/{head.twin.spec.private_ip}/root"
        spec = TwinSpec(instance_id=instance_id, private_ip=private_ip,
                        hostname="ip-" + private_ip.replace(".", "-"), user_data=self._user_data(instance, template),
                        public_keys=self._public_keys(instance), hosts={gateway: names}, binds=binds)
        identity = InstanceIdentity(instance_id=instance_id, private_ip=private_ip, region=self.region,
                                    availability_zone=instance["Placement"]["AvailabilityZone"],
                                    instance_type=instance["InstanceType"],
                                    role_name=self._role_name(instance, template))
        metadata = MetadataService(identity, namespace)
        previous = self.stopped.pop(instance_id, None)
        twin = previous.twin if previous else Twin(spec, self.image.root, self.workdir / instance_id, namespace)
        twin.spec, twin.namespace = spec, namespace
        record = TwinRecord(twin=twin, namespace=namespace, metadata=metadata, role=role, cluster=tags[CLUSTER_TAG],
                            queue=queue)
        self.twins[instance_id] = record
        twin.start()
        self._note(instance_id, "booted")

    def head_of(self, cluster: str) -> TwinRecord | None:
        return next((record for record in self.twins.values() if record.cluster == cluster and record.role == "head"),
                    None)

    # -- volumes ---------------------------------------------------------------------------------

    def volume_file(self, volume_id: str, size_gib: int) -> Path:
        """The sparse file behind a volume (a test may fill it first: an existing volume with data)."""
        path = self.workdir / "volumes" / f"{volume_id}.img"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                handle.truncate(min(size_gib * 1024**3, VOLUME_FILE_MAX_BYTES))
        return path

    def _loop(self, volume: dict) -> str:
        volume_id = volume["VolumeId"]
        if volume_id not in self.loops:
            backing = self.volume_file(volume_id, volume["Size"])
            self.loops[volume_id] = subprocess.run(["losetup", "--find", "--show", str(backing)], check=True,
                                                   capture_output=True, text=True).stdout.strip()
        return self.loops[volume_id]

    def _present_volumes(self) -> None:
        running = {instance_id: record for instance_id, record in self.twins.items() if record.twin.leader()}
        if not running:
            return
        for volume in self.ec2.describe_volumes()["Volumes"]:
            for attachment in volume.get("Attachments", []):
                record = running.get(attachment["InstanceId"])
                if record is None or attachment.get("State") not in ("attaching", "attached"):
                    continue
                loop = self._loop(volume)
                record.twin.present_device(attachment["Device"], loop)
                # Compute nodes of the cluster reach it through the NFS stand-in (tests/twins/README.md).
                for other in running.values():
                    if other.cluster == record.cluster and other.role == "compute":
                        other.twin.present_device(f"{VOLUME_DEVICES_IN_COMPUTE}/{volume['VolumeId']}", loop)

    # -- what tests ask --------------------------------------------------------------------------

    def twin(self, instance_id: str) -> Twin:
        return self.twins[instance_id].twin

    def check(self) -> None:
        """Fail the test with what went wrong in the watcher, if anything did."""
        if self.errors:
            raise AssertionError("the twin harness failed:\n" + "\n".join(self.errors))

    def describe(self) -> str:
        """Each twin's bootstrap log tail and failed units, for a failing test's message."""
        parts = [*self.errors, "events: " + ", ".join(f"{instance_id} {what}" for _, instance_id, what in self.events)]
        for instance_id, record in self.twins.items():
            log = record.twin.path("/var/log/clusterwiz-bootstrap.log")
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:]) if log.exists() else "(no log)"
            failed = record.twin.run("sh", "-c", "systemctl --failed --no-legend; systemctl list-jobs --after "
                                                 "--no-pager | head -40", check=False).stdout \
                if record.twin.leader() else "(not running)"
            parts.append(f"--- {record.role} {instance_id} ---\n{tail}\nfailed units:\n{failed}")
            if record.twin.leader():
                daemon = "slurmctld" if record.role == "head" else "slurmd"
                script = (f"systemctl is-active {daemon}; journalctl -u {daemon} --no-pager -n 12 -o short; "
                          "sinfo -N 2>&1 | head -12")
                parts.append(f"{daemon}:\n" + record.twin.run("sh", "-c", script, check=False).stdout)
            if record.role == "head" and record.twin.leader():
                parts.append("scaler:\n" + record.twin.run("journalctl", "-u", "clusterwiz-scaler", "--no-pager", "-n",
                                                           "20", check=False).stdout)
        return "\n".join(parts)

