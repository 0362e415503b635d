output "vpc_id" {
  description = "The cluster's VPC (new or existing)."
  value       = local.create_vpc ? aws_vpc.this[0].id : data.aws_vpc.existing[0].id
}

output "subnet_cidr" {
  description = "Address range of the subnet every node is in (for an existing VPC it may be a secondary range); NFS exports are limited to it."
  value       = local.create_vpc ? aws_subnet.public[0].cidr_block : data.aws_subnet.existing[0].cidr_block
}

output "subnet_id" {
  description = "The subnet every node is placed in."
  value       = local.create_vpc ? aws_subnet.public[0].id : data.aws_subnet.existing[0].id
  # Nodes launched into the subnet must reach the internet for their packages from the first boot.
  depends_on = [aws_route.internet, aws_route_table_association.public]
}

output "availability_zone" {
  description = "Availability zone of the subnet; new EBS volumes are created there."
  value       = local.create_vpc ? aws_subnet.public[0].availability_zone : data.aws_subnet.existing[0].availability_zone
}

output "created_vpc" {
  description = "Whether this module created (and will destroy) the VPC."
  value       = local.create_vpc
}
