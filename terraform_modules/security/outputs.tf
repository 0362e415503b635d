output "head_security_group_id" {
  description = "Security group letting SSH reach the head node from ssh_cidr."
  value       = aws_security_group.head.id
}

output "intra_security_group_id" {
  description = "Security group of every node, open only to its own members."
  value       = aws_security_group.intra.id
}

output "security_group_ids" {
  description = "Both groups by role: head and intra."
  value = {
    head  = aws_security_group.head.id
    intra = aws_security_group.intra.id
  }
}
