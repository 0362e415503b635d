"""The fleet's auto scaling groups through boto3 (python3-boto3 on the head node)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .instance import READINESS_TAG
from .scaling import GroupState, Member

GONE_STATES = ("Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated")


class Fleet:
    def __init__(self, region: str, client: Any = None, ec2: Any = None):
        if client is None or ec2 is None:
            import boto3  # only the head node's scaler needs boto3

            client = client or boto3.client("autoscaling", region_name=region)
            ec2 = ec2 or boto3.client("ec2", region_name=region)
        self.client = client
        self.ec2 = ec2

    def members(self, instance_ids: list[str]) -> dict[str, Member]:
        """Each instance's age and readiness tag, as EC2 describes it."""
        if not instance_ids:
            return {}
        now = datetime.now(timezone.utc)
        found = {}
        pages = self.ec2.get_paginator("describe_instances").paginate(InstanceIds=instance_ids)
        for reservation in (reservation for page in pages for reservation in page["Reservations"]):
            for instance in reservation["Instances"]:
                tags = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", ())}
                found[instance["InstanceId"]] = Member(
                    instance_id=instance["InstanceId"], readiness=tags.get(READINESS_TAG, ""),
                    age_seconds=(now - instance["LaunchTime"]).total_seconds())
        return found

    def groups(self, group_queues: dict[str, str]) -> list[GroupState]:
        """The state of each group named in group_queues (group name -> queue name)."""
        response = self.client.describe_auto_scaling_groups(AutoScalingGroupNames=sorted(group_queues))
        groups = response["AutoScalingGroups"]
        in_service = {group["AutoScalingGroupName"]: tuple(sorted(
            instance["InstanceId"] for instance in group.get("Instances", ())
            if instance.get("LifecycleState") not in GONE_STATES)) for group in groups}
        described = self.members([instance for members in in_service.values() for instance in members])
        states = []
        for group in groups:
            name = group["AutoScalingGroupName"]
            states.append(GroupState(queue=group_queues[name], name=name, min_size=group["MinSize"],
                                     max_size=group["MaxSize"], desired=group["DesiredCapacity"],
                                     instance_ids=in_service[name],
                                     members=tuple(described[i] for i in in_service[name] if i in described)))
        return sorted(states, key=lambda state: state.name)

    def set_desired(self, group: str, desired: int) -> None:
        self.client.set_desired_capacity(AutoScalingGroupName=group, DesiredCapacity=desired, HonorCooldown=False)

    def terminate(self, instance_id: str, decrement: bool = True) -> None:
        self.client.terminate_instance_in_auto_scaling_group(InstanceId=instance_id,
                                                             ShouldDecrementDesiredCapacity=decrement)

    def stop_group(self, group: str) -> None:
        """Sizes 0/0/0: the group launches nothing until `clusterwiz start` restores its sizes."""
        self.client.update_auto_scaling_group(AutoScalingGroupName=group, MinSize=0, MaxSize=0, DesiredCapacity=0)

    def tag_of(self, instance_id: str, key: str) -> str | None:
        """One tag of an instance (the head node reads its own expiry this way: tags change in place)."""
        found = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance_id]},
                                                {"Name": "key", "Values": [key]}])["Tags"]
        return found[0]["Value"] if found else None

    def tag(self, instance_id: str, key: str, value: str) -> None:
        self.ec2.create_tags(Resources=[instance_id], Tags=[{"Key": key, "Value": value}])

    def billed(self, cluster: str, prices: dict) -> list[tuple[datetime, float]]:
        """Since when, and at how many $/h, each running instance and each volume of the cluster bills (prices:
        $/h of each instance type, $/GiB-month of each volume type, which AWS counts in months of 730 hours)."""
        tagged = [{"Name": "tag:clusterwiz:cluster", "Values": [cluster]}]
        running = self.ec2.describe_instances(Filters=[*tagged, {"Name": "instance-state-name", "Values": ["running"]}])
        return [(i["LaunchTime"], prices["instance"].get(i["InstanceType"], 0))
                for reservation in running["Reservations"] for i in reservation["Instances"]] + [
            (v["CreateTime"], v["Size"] * prices["volume"].get(v["VolumeType"], 0) / 730)
            for v in self.ec2.describe_volumes(Filters=tagged)["Volumes"]]

    def stop_head(self, instance_id: str, reason: str, reason_tag: str) -> None:
        """Stop this head node, its tag saying why first (the instance cannot tag itself once stopped)."""
        self.tag(instance_id, reason_tag, reason)
        self.ec2.stop_instances(InstanceIds=[instance_id])
