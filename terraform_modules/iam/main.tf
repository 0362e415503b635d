data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  tags        = merge(var.tags, { "clusterwiz:cluster" = var.cluster_name })
  account_arn = "${data.aws_partition.current.partition}:%s:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  # Group names start with the cluster name; the tag condition stops "demo-*" from matching cluster "demo-2".
  cluster_groups_arn = "arn:${format(local.account_arn, "autoscaling")}:autoScalingGroup:*:autoScalingGroupName/${var.cluster_name}-*"
  instances_arn      = "arn:${format(local.account_arn, "ec2")}:instance/*"
  # Nodes report their bootstrap progress (and a failed one its log's last lines) and may write no other tag.
  bootstrap_tag_only = { "ForAllValues:StringEquals" = { "aws:TagKeys" = ["clusterwiz:bootstrap", "clusterwiz:bootstrap-log"] } }
  # The one instance making the request: what a node may do to itself only.
  itself_only       = { "aws:ARN" = "$${ec2:SourceInstanceARN}" }
  this_cluster_only = { "aws:ResourceTag/clusterwiz:cluster" = var.cluster_name }

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.${data.aws_partition.current.dns_suffix}" }
      Action    = "sts:AssumeRole"
    }]
  })

  # The head node runs the scaler: it reads the fleet and changes only its own cluster's groups.
  head_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "ReadFleet"
        Effect = "Allow"
        Action = [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "ec2:DescribeInstances",
          "ec2:DescribeTags",
          "ec2:DescribeVolumes",
        ]
        # Describe actions take no resource-level permissions.
        Resource = "*"
      },
      {
        Sid       = "ScaleOwnGroups"
        Effect    = "Allow"
        Action    = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup"]
        Resource  = local.cluster_groups_arn
        Condition = { StringEquals = { for key, value in local.this_cluster_only : replace(key, "aws:", "autoscaling:") => value } }
      },
      {
        Sid       = "TagOwnNodesBootstrap"
        Effect    = "Allow"
        Action    = "ec2:CreateTags"
        Resource  = local.instances_arn
        Condition = merge({ StringEquals = local.this_cluster_only }, local.bootstrap_tag_only)
      },
      {
        # Idle stop: the head node stops itself once the fleet is at 0, saying why in one tag.
        Sid       = "StopItself"
        Effect    = "Allow"
        Action    = "ec2:StopInstances"
        Resource  = local.instances_arn
        Condition = { StringEquals = merge(local.this_cluster_only, local.itself_only) }
      },
      {
        # Why it stopped, and the spend its budget is counted against.
        Sid       = "TagItselfStopped"
        Effect    = "Allow"
        Action    = "ec2:CreateTags"
        Resource  = local.instances_arn
        Condition = { StringEquals = merge(local.this_cluster_only, local.itself_only), "ForAllValues:StringEquals" = { "aws:TagKeys" = ["clusterwiz:stopped-by", "clusterwiz:spend-usd"] } }
      },
    ]
  })

  # A compute node only reports its own bootstrap progress.
  compute_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "TagSelfBootstrap"
      Effect   = "Allow"
      Action   = "ec2:CreateTags"
      Resource = local.instances_arn
      Condition = merge(
        { StringEquals = merge(local.this_cluster_only, local.itself_only) },
        local.bootstrap_tag_only,
      )
    }]
  })

  roles = {
    head    = local.head_policy
    compute = local.compute_policy
  }
}

resource "aws_iam_role" "node" {
  for_each = local.roles

  # IAM names are global to the account: a prefix keeps same-named clusters in two regions apart.
  name_prefix        = substr("${var.cluster_name}-${each.key}-", 0, 38)
  description        = "clusterwiz ${var.cluster_name}: ${each.key} nodes"
  assume_role_policy = local.assume_role_policy

  tags = merge(local.tags, { Name = "${var.cluster_name}-${each.key}" })
}

resource "aws_iam_role_policy" "node" {
  for_each = local.roles

  name   = "clusterwiz-${each.key}"
  role   = aws_iam_role.node[each.key].id
  policy = each.value
}

resource "aws_iam_instance_profile" "node" {
  for_each = local.roles

  name_prefix = substr("${var.cluster_name}-${each.key}-", 0, 38)
  role        = aws_iam_role.node[each.key].name

  tags = merge(local.tags, { Name = "${var.cluster_name}-${each.key}" })
}
