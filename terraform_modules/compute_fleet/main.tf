locals {
  tags   = merge(var.tags, { "clusterwiz:cluster" = var.cluster_name, "clusterwiz:role" = "compute" })
  queues = { for q in var.queues : q.name => q }

  queue_tags = { for name, q in local.queues : name => merge(local.tags, {
    "clusterwiz:queue" = name
    Name               = "${var.cluster_name}-${name}"
  }) }
}

# The launch template maps the root volume by its device name, which differs between AMIs. Filtered lookups
# hide deprecated images (public AMIs deprecate two years after creation): without include_deprecated every
# plan of an older cluster, its destroy too, would fail while it bills.
data "aws_ami" "node" {
  include_deprecated = true

  filter {
    name   = "image-id"
    values = [var.ami_id]
  }
}

resource "aws_launch_template" "queue" {
  #checkov:skip=CKV_AWS_88:nodes reach package mirrors through a public address (no NAT); the intra group admits no outside traffic
  for_each = local.queues

  # A prefix, not a name: a template an interrupted apply created but never saved to state would otherwise make
  # every later apply fail (AlreadyExists). Nothing looks a template up by name; its group refers to it by id.
  name_prefix            = "${var.cluster_name}-${each.key}-"
  description            = "clusterwiz ${var.cluster_name}: compute nodes of queue ${each.key}"
  image_id               = var.ami_id
  instance_type          = each.value.instance_types[0]
  key_name               = var.key_pair
  update_default_version = true

  user_data = base64encode(templatefile("${path.module}/templates/user-data.sh.tftpl", {
    params_json = jsonencode({
      cluster_name    = var.cluster_name
      region          = var.region
      os              = var.os
      role            = "compute"
      queue           = each.key
      head_private_ip = var.head_private_ip
    })
  }))

  iam_instance_profile {
    name = var.instance_profile_name
  }

  # A public address instead of a NAT gateway: nodes fetch packages directly; the security group admits
  # nothing from outside the cluster.
  network_interfaces {
    device_index                = 0
    associate_public_ip_address = true
    security_groups             = var.security_group_ids
    delete_on_termination       = true
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = data.aws_ami.node.root_device_name

    ebs {
      encrypted             = true
      volume_type           = "gp3"
      volume_size           = var.root_volume_gib
      delete_on_termination = true
    }
  }

  # Instances and volumes launched by the group are out of reach of the provider's default_tags.
  dynamic "tag_specifications" {
    for_each = ["instance", "volume", "network-interface"]

    content {
      resource_type = tag_specifications.value
      tags          = local.queue_tags[each.key]
    }
  }

  tags = local.queue_tags[each.key]

  # A cluster rendered with a fixed name gets a prefixed template: its group moves to the new one before the old goes.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_autoscaling_group" "queue" {
  for_each = local.queues

  # The node agent's scaler finds its groups by this name.
  name                = "${var.cluster_name}-${each.key}"
  min_size            = var.stopped ? 0 : each.value.min_nodes
  max_size            = var.stopped ? 0 : each.value.max_nodes
  desired_capacity    = var.stopped ? 0 : each.value.initial_nodes
  vpc_zone_identifier = [var.subnet_id]
  health_check_type   = "EC2"
  # Readiness is reported by the nodes' clusterwiz:bootstrap tag, not by waiting here.
  wait_for_capacity_timeout = "0"
  # Destroy terminates running nodes instead of waiting for the group to drain.
  force_delete = true

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = 0
      on_demand_percentage_above_base_capacity = each.value.capacity == "spot" ? 0 : 100
      spot_allocation_strategy                 = "price-capacity-optimized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.queue[each.key].id
        version            = aws_launch_template.queue[each.key].latest_version
      }

      dynamic "override" {
        for_each = each.value.instance_types

        content {
          instance_type = override.value
        }
      }
    }
  }

  dynamic "tag" {
    for_each = local.queue_tags[each.key]

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    # The scaler on the head node owns the desired capacity once the cluster runs.
    ignore_changes = [desired_capacity]
  }
}
