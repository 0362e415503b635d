"""What exists in AWS for a cluster, found by its clusterwiz:cluster tag alone."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from clusterwiz.core.aws.errors import translate

CLUSTER_TAG = "clusterwiz:cluster"
GONE_INSTANCE_STATES = frozenset({"terminated", "shutting-down"})


def tagged_resources(session: Any, region: str, cluster: str) -> list[str]:
    """ARNs (or names) of every live resource tagged with the cluster, sorted.

    The tagging API also returns terminated instances, which cost nothing and vanish by themselves;
    auto scaling groups and IAM roles are looked up in their own APIs, which the tagging API may not cover.
    """
    try:
        found = set(_from_tagging_api(session, region, cluster))
        found -= _gone_instances(session, region, found)
        found |= set(_groups(session, region, cluster))
        found |= set(_launch_templates(session, region, cluster))
        found |= set(_iam(session, cluster))
    except (BotoCoreError, ClientError) as error:
        raise translate(error, "tag:GetResources, autoscaling:DescribeAutoScalingGroups, "
                        "ec2:DescribeLaunchTemplates, iam:ListRoles",
                        region) from error
    return sorted(found)


def _from_tagging_api(session: Any, region: str, cluster: str) -> list[str]:
    client = session.client("resourcegroupstaggingapi", region)
    arns = []
    for page in client.get_paginator("get_resources").paginate(TagFilters=[{"Key": CLUSTER_TAG, "Values": [cluster]}]):
        arns.extend(item["ResourceARN"] for item in page.get("ResourceTagMappingList", []))
    return arns


def _gone_instances(session: Any, region: str, arns: set[str]) -> set[str]:
    by_id = {arn.rsplit("/", 1)[-1]: arn for arn in arns if ":instance/" in arn}
    if not by_id:
        return set()
    client = session.client("ec2", region)
    gone = set()
    for page in client.get_paginator("describe_instances").paginate(InstanceIds=sorted(by_id)):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["State"]["Name"] in GONE_INSTANCE_STATES:
                    gone.add(by_id[instance["InstanceId"]])
    return gone


def _groups(session: Any, region: str, cluster: str) -> list[str]:
    client = session.client("autoscaling", region)
    filters = [{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster]}]
    names = []
    for page in client.get_paginator("describe_auto_scaling_groups").paginate(Filters=filters):
        names.extend(group["AutoScalingGroupARN"] for group in page["AutoScalingGroups"])
    return names


def _launch_templates(session: Any, region: str, cluster: str) -> list[str]:
    """Launch templates, which moto's tagging API (the sandbox's) leaves out."""
    client = session.client("ec2", region)
    filters = [{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster]}]
    arns = []
    for page in client.get_paginator("describe_launch_templates").paginate(Filters=filters):
        for template in page["LaunchTemplates"]:
            # CreatedBy is the creator's ARN: it gives the partition and account the template's ARN needs.
            _, partition, _, _, account, _ = template["CreatedBy"].split(":", 5)
            arns.append(f"arn:{partition}:ec2:{region}:{account}:launch-template/{template['LaunchTemplateId']}")
    return arns


def _iam(session: Any, cluster: str) -> list[str]:
    client = session.client("iam")
    found = []
    for page in client.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if not role["RoleName"].startswith(cluster):
                continue
            tags = client.list_role_tags(RoleName=role["RoleName"])["Tags"]
            if any(tag["Key"] == CLUSTER_TAG and tag["Value"] == cluster for tag in tags):
                found.append(role["Arn"])
    for page in client.get_paginator("list_instance_profiles").paginate():
        for profile in page["InstanceProfiles"]:
            if profile["InstanceProfileName"].startswith(cluster) and any(
                tag["Key"] == CLUSTER_TAG and tag["Value"] == cluster for tag in profile.get("Tags", [])
            ):
                found.append(profile["Arn"])
    return found
