output "head_node_instance_id" {
  description = "Instance id of the head node."
  value       = module.head_node.instance_id
}

output "head_node_public_ip" {
  description = "Public address to SSH to."
  value       = module.head_node.public_ip
}

output "head_node_public_dns" {
  description = "Public DNS name of the head node."
  value       = module.head_node.public_dns
}

output "head_node_private_ip" {
  description = "Private address of the head node inside the VPC."
  value       = module.head_node.private_ip
}

output "ssh_user" {
  description = "Login user of the nodes' operating system."
  value       = module.head_node.ssh_user
}

output "vpc_id" {
  description = "The cluster's VPC (new or existing)."
  value       = module.network.vpc_id
}

output "subnet_id" {
  description = "The subnet every node runs in."
  value       = module.network.subnet_id
}

output "availability_zone" {
  description = "Availability zone of the cluster."
  value       = module.network.availability_zone
}

output "security_group_ids" {
  description = "Security group id by role: head (SSH from ssh_cidr) and intra (between nodes)."
  value       = module.security.security_group_ids
}

output "queue_groups" {
  description = "Auto scaling group name by queue name."
  value       = module.compute_fleet.queue_groups
}

output "shared_volume_ids" {
  description = "Volume id by mount dir, new and existing."
  value       = module.storage.shared_volume_ids
}

output "created_volume_ids" {
  description = "The volumes clusterwiz created and deletes on destroy; existing volumes are not listed."
  value       = module.storage.created_volume_ids
}
