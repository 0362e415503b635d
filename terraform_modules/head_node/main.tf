locals {
  tags = merge(var.tags, { "clusterwiz:cluster" = var.cluster_name, "clusterwiz:role" = "head" })

  ssh_users = {
    debian13   = "admin"
    ubuntu2404 = "ubuntu"
    ubuntu2204 = "ubuntu"
    al2023     = "ec2-user"
    rocky9     = "rocky"
  }

  params = merge(var.bootstrap, {
    cluster_name = var.cluster_name
    os           = var.os
    role         = "head"
  })
}

resource "aws_instance" "head" {
  #checkov:skip=CKV_AWS_126:detailed monitoring is billed per instance; the cluster reports its own health by tags
  #checkov:skip=CKV_AWS_135:current instance types are EBS-optimised by default and older ones reject the flag
  #checkov:skip=CKV_AWS_88:the head node is the cluster's SSH entry point (only from ssh_cidr) and has no NAT
  ami                         = var.ami_id
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = var.security_group_ids
  iam_instance_profile        = var.instance_profile_name
  key_name                    = var.key_pair
  associate_public_ip_address = true

  # The Slurm controller and NFS server: its user data carries params.json and the node agent (core/node_agent.py's
  # NUL-separated LZMA archive, unpacked by one line of Python), never the munge key, which is made on the node.
  # Compressed so the node agent fits in EC2's 16 KiB user data; the template has no comment for the same reason.
  user_data_base64            = base64gzip(templatefile("${path.module}/templates/cloud-init.yaml.tftpl", { params_json = jsonencode(local.params), node_agent_archive = var.node_agent_archive }))
  user_data_replace_on_change = false

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_gib
    encrypted             = true
    delete_on_termination = true
    # Provider default_tags do not reach the root volume.
    tags = merge(local.tags, { Name = "${var.cluster_name}-head-root" })
  }

  # Only the instance carries the expiry and the budget: its agent reads the tags each pass, and a new value
  # changes them in place.
  tags = merge(local.tags, { Name = "${var.cluster_name}-head" },
    var.expires_at == null ? {} : { "clusterwiz:expires-at" = var.expires_at },
  var.budget_usd == null ? {} : { "clusterwiz:budget-usd" = tostring(var.budget_usd) })

  lifecycle {
    # A newer AMI or bootstrap must never silently replace the node that holds the cluster's state.
    ignore_changes = [ami, user_data, user_data_base64]
  }
}
