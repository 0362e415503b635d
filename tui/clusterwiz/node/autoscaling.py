"""The fleet's auto scaling groups through boto3 (python3-boto3 on the head node)."""

from __future__ import annotations

from typing import Any

from .scaling import GroupState

GONE_STATES = ("Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated")


class Fleet:
    def __init__(self, region: str, client: Any = None):
        if client is None:
            import boto3  # only the head node's scaler needs boto3

            client = boto3.client("autoscaling", region_name=region)
        self.client = client

    def groups(self, group_queues: dict[str, str]) -> list[GroupState]:
        """The state of each group named in group_queues (group name -> queue name)."""
        response = self.client.describe_auto_scaling_groups(AutoScalingGroupNames=sorted(group_queues))
        states = []
        for group in response["AutoScalingGroups"]:
            name = group["AutoScalingGroupName"]
            members = tuple(sorted(instance["InstanceId"] for instance in group.get("Instances", ())
                                   if instance.get("LifecycleState") not in GONE_STATES))
            states.append(GroupState(queue=group_queues[name], name=name, min_size=group["MinSize"],
                                     max_size=group["MaxSize"], desired=group["DesiredCapacity"],
                                     instance_ids=members))
        return sorted(states, key=lambda state: state.name)

    def set_desired(self, group: str, desired: int) -> None:
        self.client.set_desired_capacity(AutoScalingGroupName=group, DesiredCapacity=desired, HonorCooldown=False)

    def terminate(self, instance_id: str) -> None:
        self.client.terminate_instance_in_auto_scaling_group(InstanceId=instance_id,
                                                             ShouldDecrementDesiredCapacity=True)
