output "instance_id" {
  description = "The head node's instance id."
  value       = aws_instance.head.id
}

output "public_ip" {
  description = "Public address to SSH to."
  value       = aws_instance.head.public_ip
}

output "public_dns" {
  description = "Public DNS name of the head node."
  value       = aws_instance.head.public_dns
}

output "private_ip" {
  description = "Private address compute nodes mount /opt/clusterwiz from and reach slurmctld at."
  value       = aws_instance.head.private_ip
}

output "availability_zone" {
  description = "Availability zone the head node runs in."
  value       = aws_instance.head.availability_zone
}

output "ssh_user" {
  description = "Login user of the AMI's operating system."
  value       = local.ssh_users[var.os]
}

output "params" {
  description = "The head node's params.json content, as an object."
  value       = local.params
}
