output "queue_groups" {
  description = "Auto scaling group name by queue name."
  value       = { for name, group in aws_autoscaling_group.queue : name => group.name }
}

output "launch_template_ids" {
  description = "Launch template id by queue name."
  value       = { for name, template in aws_launch_template.queue : name => template.id }
}
