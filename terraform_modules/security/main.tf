locals {
  tags = merge(var.tags, { "clusterwiz:cluster" = var.cluster_name })
}

# Inline rules: the group is replaced whole, and every rule is visible in one place.
resource "aws_security_group" "head" {
  #checkov:skip=CKV2_AWS_5:attached to the head node by the head_node module
  #checkov:skip=CKV_AWS_382:the head node installs packages and calls AWS APIs on any address; there is no proxy
  name_prefix = "${var.cluster_name}-head-"
  description = "clusterwiz ${var.cluster_name}: SSH to the head node from ${var.ssh_cidr} only"
  vpc_id      = var.vpc_id

  ingress {
    description = "SSH from the operator address range"
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = [var.ssh_cidr]
  }

  egress {
    description = "Package mirrors and AWS APIs"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(local.tags, { Name = "${var.cluster_name}-head" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "intra" {
  #checkov:skip=CKV2_AWS_5:attached to every node by the head_node and compute_fleet modules
  #checkov:skip=CKV_AWS_382:nodes install packages and call AWS APIs on any address; there is no proxy
  name_prefix = "${var.cluster_name}-intra-"
  description = "clusterwiz ${var.cluster_name}: all traffic between the cluster's nodes (Slurm, NFS, MPI)"
  vpc_id      = var.vpc_id

  ingress {
    description = "Every protocol from members of this group only"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    self        = true
  }

  egress {
    description = "Package mirrors and AWS APIs"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(local.tags, { Name = "${var.cluster_name}-intra" })

  lifecycle {
    create_before_destroy = true
  }
}
