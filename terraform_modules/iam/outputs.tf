output "head_instance_profile_name" {
  description = "Instance profile of the head node."
  # Through the policy too, so the node never boots without its permissions.
  value      = aws_iam_instance_profile.node["head"].name
  depends_on = [aws_iam_role_policy.node]
}

output "compute_instance_profile_name" {
  description = "Instance profile of every compute node."
  value       = aws_iam_instance_profile.node["compute"].name
  depends_on  = [aws_iam_role_policy.node]
}

output "role_arns" {
  description = "Role ARN by node kind: head and compute."
  value       = { for kind, role in aws_iam_role.node : kind => role.arn }
}
