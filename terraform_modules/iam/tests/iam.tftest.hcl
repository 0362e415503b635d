mock_provider "aws" {
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com" }
  }

  override_data {
    target = data.aws_region.current
    values = { name = "eu-west-2" }
  }

  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
}

variables {
  cluster_name = "demo"
}

run "one_role_and_profile_per_node_kind" {
  command = plan

  assert {
    condition     = keys(aws_iam_role.node) == ["compute", "head"] && keys(aws_iam_instance_profile.node) == ["compute", "head"]
    error_message = "Exactly a head and a compute role, each with an instance profile."
  }

  assert {
    condition     = jsondecode(aws_iam_role.node["head"].assume_role_policy).Statement[0].Principal.Service == "ec2.amazonaws.com"
    error_message = "Only EC2 may assume the node roles."
  }

  assert {
    condition     = aws_iam_role.node["head"].tags["clusterwiz:cluster"] == "demo"
    error_message = "Roles carry clusterwiz:cluster."
  }
}

run "head_scales_only_its_own_groups" {
  command = plan

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.node["head"].policy).Statement : s if s.Sid == "ScaleOwnGroups"]).Resource == (
    "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:*:autoScalingGroupName/demo-*")
    error_message = "Scaling is limited to groups named after the cluster."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.node["head"].policy).Statement : s if s.Sid == "ScaleOwnGroups"]).Condition.StringEquals == {
    "autoscaling:ResourceTag/clusterwiz:cluster" = "demo" }
    error_message = "Scaling is limited to groups tagged with this cluster."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.node["head"].policy).Statement : s if s.Sid == "TagOwnNodesBootstrap"]).Condition == {
      StringEquals                = { "aws:ResourceTag/clusterwiz:cluster" = "demo" }
      "ForAllValues:StringEquals" = { "aws:TagKeys" = ["clusterwiz:bootstrap", "clusterwiz:bootstrap-log"] }
    }
    error_message = "The head tags only its own cluster's instances, and only with its bootstrap tags."
  }
}

run "no_statement_allows_every_action_on_every_resource" {
  command = plan

  assert {
    condition = alltrue(flatten([for kind, policy in aws_iam_role_policy.node : [
      for s in jsondecode(policy.policy).Statement : !(s.Resource == "*" && anytrue([for a in flatten([s.Action]) : endswith(a, "*")]))
    ]]))
    error_message = "No wildcard action may apply to every resource."
  }

  assert {
    condition = alltrue(flatten([for kind, policy in aws_iam_role_policy.node : [
      for s in jsondecode(policy.policy).Statement : s.Resource == "*" ? alltrue([for a in flatten([s.Action]) : can(regex(":Describe", a))]) : true
    ]]))
    error_message = "Only Describe actions may apply to every resource."
  }
}

run "head_stops_and_tags_only_itself" {
  command = plan

  assert {
    condition = alltrue([for sid in ["StopItself", "TagItselfStopped"] :
      one([for s in jsondecode(aws_iam_role_policy.node["head"].policy).Statement : s if s.Sid == sid]).Condition.StringEquals == {
        "aws:ResourceTag/clusterwiz:cluster" = "demo"
        "aws:ARN"                            = "$${ec2:SourceInstanceARN}"
    }])
    error_message = "The head node may stop only itself, and say why only on itself."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.node["head"].policy).Statement : s if s.Sid == "TagItselfStopped"]).Condition["ForAllValues:StringEquals"] == {
    "aws:TagKeys" = ["clusterwiz:stopped-by", "clusterwiz:spend-usd"] }
    error_message = "Why it stopped and its spend are the only tags the head node writes on itself (never its budget)."
  }

  assert {
    condition     = contains(one([for s in jsondecode(aws_iam_role_policy.node["head"].policy).Statement : s if s.Sid == "ReadFleet"]).Action, "ec2:DescribeVolumes")
    error_message = "The head node reads the cluster's volumes, whose run time its budget counts."
  }
}

run "compute_tags_only_itself" {
  command = plan

  assert {
    condition     = length(jsondecode(aws_iam_role_policy.node["compute"].policy).Statement) == 1
    error_message = "The compute role holds one statement."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.node["compute"].policy).Statement[0].Condition.StringEquals == {
      "aws:ResourceTag/clusterwiz:cluster" = "demo"
      "aws:ARN"                            = "$${ec2:SourceInstanceARN}"
    }
    error_message = "A compute node may tag only itself."
  }
}

run "long_cluster_names_fit_iam_prefixes" {
  command = plan

  variables {
    cluster_name = "a-very-long-cluster-name-of-31c"
  }

  assert {
    condition     = alltrue([for role in aws_iam_role.node : length(role.name_prefix) <= 38])
    error_message = "IAM name prefixes are at most 38 characters."
  }
}

run "bad_cluster_name_is_rejected" {
  command = plan

  variables {
    cluster_name = "-demo"
  }

  expect_failures = [var.cluster_name]
}
