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
        instances = {arn.rsplit("/", 1)[-1]: arn for arn in found if ":instance/" in arn}
        found -= {instances[gone] for gone in _gone_instances(session, region, set(instances))}
        found |= set(_groups(session, region, cluster))
        found |= set(_launch_templates(session, region, cluster))
        found |= set(_key_pairs(session, region, cluster))
        found |= set(_iam(session, cluster))
    except (BotoCoreError, ClientError) as error:
        raise translate(error, "tag:GetResources, autoscaling:DescribeAutoScalingGroups, "
                        "ec2:DescribeLaunchTemplates, ec2:DescribeKeyPairs, iam:ListRoles, iam:ListInstanceProfiles, "
                        "iam:GetInstanceProfile, sts:GetCallerIdentity", region) from error
    return sorted(found)


def tagged_cluster_names(session: Any, region: str) -> set[str]:
    """The names on every clusterwiz:cluster tag in the region, whatever the cluster: what to ask
    tagged_resources about. Three listings, since each misses something: the tagging API (moto's leaves out
    launch templates and key pairs), EC2's tag index (which moto keeps for deleted resources) and auto scaling's.
    A name may belong to nothing live any more; tagged_resources says what lives."""
    tag_filter = [{"Name": "key", "Values": [CLUSTER_TAG]}]
    try:
        names = {tag["Value"] for page in session.client("resourcegroupstaggingapi", region).get_paginator(
            "get_resources").paginate(TagFilters=[{"Key": CLUSTER_TAG}])
            for item in page.get("ResourceTagMappingList", []) for tag in item.get("Tags", [])
            if tag["Key"] == CLUSTER_TAG}
        for service in ("ec2", "autoscaling"):
            names |= {tag["Value"] for page in session.client(service, region).get_paginator("describe_tags").paginate(
                Filters=tag_filter) for tag in page["Tags"]}
    except (BotoCoreError, ClientError) as error:
        raise translate(error, "tag:GetResources, ec2:DescribeTags, autoscaling:DescribeTags", region) from error
    return names


def _from_tagging_api(session: Any, region: str, cluster: str) -> list[str]:
    client = session.client("resourcegroupstaggingapi", region)
    arns = []
    for page in client.get_paginator("get_resources").paginate(TagFilters=[{"Key": CLUSTER_TAG, "Values": [cluster]}]):
        arns.extend(item["ResourceARN"] for item in page.get("ResourceTagMappingList", []))
    return arns


def _gone_instances(session: Any, region: str, instance_ids: set[str]) -> set[str]:
    """Those of the instances that are terminated or going: tag listings still show them for a while."""
    if not instance_ids:
        return set()
    client = session.client("ec2", region)
    gone = set()
    for page in client.get_paginator("describe_instances").paginate(InstanceIds=sorted(instance_ids)):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["State"]["Name"] in GONE_INSTANCE_STATES:
                    gone.add(instance["InstanceId"])
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


def _key_pairs(session: Any, region: str, cluster: str) -> list[str]:
    """The key pairs clusterwiz made for the cluster (core.keypair), which moto's tagging API leaves out."""
    client = session.client("ec2", region)
    pairs = client.describe_key_pairs(Filters=[{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster]}])["KeyPairs"]
    if not pairs:
        return []
    # A key pair's description has no ARN; the caller's own ARN gives the partition and account.
    _, partition, _, _, account, _ = session.client("sts", region).get_caller_identity()["Arn"].split(":", 5)
    return [f"arn:{partition}:ec2:{region}:{account}:key-pair/{pair['KeyPairId']}" for pair in pairs]


def _is_tagged(tags: list[dict], cluster: str) -> bool:
    return any(tag["Key"] == CLUSTER_TAG and tag["Value"] == cluster for tag in tags)


def _iam(session: Any, cluster: str) -> list[str]:
    client = session.client("iam")
    found = []
    for page in client.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if role["RoleName"].startswith(cluster) and _is_tagged(
                    client.list_role_tags(RoleName=role["RoleName"])["Tags"], cluster):
                found.append(role["Arn"])
    found.extend(profile["Arn"] for profile in _instance_profiles(client, cluster))
    return found


def _instance_profiles(client: Any, cluster: str) -> list[dict]:
    """The cluster's instance profiles, each with the roles in it."""
    found = []
    for page in client.get_paginator("list_instance_profiles").paginate():
        for profile in page["InstanceProfiles"]:
            name = profile["InstanceProfileName"]
            if not name.startswith(cluster):  # names start with the cluster's (name_prefix in the iam module)
                continue
            # AWS's listing leaves tags out (the emulator's does not): then the profile itself says.
            tags = profile["Tags"] if "Tags" in profile else client.get_instance_profile(
                InstanceProfileName=name)["InstanceProfile"].get("Tags", [])
            if _is_tagged(tags, cluster):
                found.append(profile)
    return found


def name_holders(session: Any, region: str, cluster: str) -> list[tuple[str, str]]:
    """(resource type, id or name) of the live resources that already carry a cluster name, from two calls.

    Enough to tell a new cluster that its name is taken, not to clean up (tagged_resources does that): EC2's
    tag index covers every EC2 kind a cluster creates, launch templates included; in IAM, which is global, a
    cluster of this name in any region has instance profiles, and they list their roles. A role left without
    its profile cannot clash (IAM names get a random suffix). Auto scaling groups are not asked for: a queue's
    group "<cluster>-<queue>" uses the launch template of the same name and tag (compute_fleet module), so
    Terraform destroys the group before the template, and a group never outlives the template that EC2's tag
    index already shows.
    """
    try:
        found = _ec2_tagged(session, region, cluster)
        gone = _gone_instances(session, region, {rid for kind, rid in found if kind == "instance"})
        found = [(kind, rid) for kind, rid in found if not (kind == "instance" and rid in gone)]
        if found:
            # moto (the sandbox's AWS) keeps the tags of deleted EC2 resources in this index: only what the live
            # listings still show counts. Two calls more, and only when the name looks taken.
            live = {arn.rsplit("/", 1)[-1] for arn in
                    _from_tagging_api(session, region, cluster) + _launch_templates(session, region, cluster)}
            found = [(kind, rid) for kind, rid in found if rid in live]
        for profile in _instance_profiles(session.client("iam"), cluster):
            found.append(("instance-profile", profile["InstanceProfileName"]))
            found += [("role", role["RoleName"]) for role in profile.get("Roles", [])]
    except (BotoCoreError, ClientError) as error:
        raise translate(error, "ec2:DescribeTags, ec2:DescribeInstances, tag:GetResources, "
                        "ec2:DescribeLaunchTemplates, iam:ListInstanceProfiles, iam:GetInstanceProfile",
                        region) from error
    return sorted(set(found))


def _ec2_tagged(session: Any, region: str, cluster: str) -> list[tuple[str, str]]:
    client = session.client("ec2", region)
    filters = [{"Name": "key", "Values": [CLUSTER_TAG]}, {"Name": "value", "Values": [cluster]}]
    return [(tag["ResourceType"], tag["ResourceId"])
            for page in client.get_paginator("describe_tags").paginate(Filters=filters) for tag in page["Tags"]]
