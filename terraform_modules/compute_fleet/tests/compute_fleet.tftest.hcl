mock_provider "aws" {
  override_data {
    target = data.aws_ami.node
    values = { root_device_name = "/dev/sda1" }
  }
}

variables {
  cluster_name          = "demo"
  region                = "eu-west-2"
  os                    = "ubuntu2404"
  ami_id                = "ami-0123456789abcdef0"
  subnet_id             = "subnet-0a1b2c3d4e5f67890"
  security_group_ids    = ["sg-0a1b2c3d4e5f67890"]
  instance_profile_name = "demo-compute-profile"
  head_private_ip       = "10.0.0.10"
  tags                  = { team = "hpc" }
  queues = [
    { name = "compute", instance_types = ["c6i.xlarge"], min_nodes = 1, initial_nodes = 2, max_nodes = 4 },
    { name = "spot", instance_types = ["c6i.2xlarge", "c5.2xlarge"], capacity = "spot", max_nodes = 8 },
  ]
}

run "one_template_and_group_per_queue" {
  command = plan

  assert {
    condition     = keys(aws_launch_template.queue) == ["compute", "spot"] && keys(aws_autoscaling_group.queue) == ["compute", "spot"]
    error_message = "Each queue gets a launch template and a group."
  }

  assert {
    condition     = aws_autoscaling_group.queue["compute"].name == "demo-compute" && aws_autoscaling_group.queue["spot"].name == "demo-spot"
    error_message = "Groups are named <cluster>-<queue>."
  }

  assert {
    condition     = aws_launch_template.queue["compute"].name_prefix == "demo-compute-" && aws_launch_template.queue["spot"].name_prefix == "demo-spot-"
    error_message = "Launch templates have a unique name after <cluster>-<queue>-, so an orphan of an interrupted apply cannot block the next."
  }

  assert {
    condition = (aws_autoscaling_group.queue["compute"].min_size == 1 && aws_autoscaling_group.queue["compute"].desired_capacity == 2 &&
    aws_autoscaling_group.queue["compute"].max_size == 4 && aws_autoscaling_group.queue["spot"].desired_capacity == 0)
    error_message = "min, initial and max nodes come from the queue."
  }

  assert {
    condition     = alltrue([for g in aws_autoscaling_group.queue : g.force_delete])
    error_message = "Destroy must not wait for nodes to drain."
  }
}

run "a_stopped_fleet_stays_at_size_zero" {
  command = plan

  variables {
    stopped = true
  }

  assert {
    condition     = alltrue([for g in aws_autoscaling_group.queue : g.min_size == 0 && g.max_size == 0 && g.desired_capacity == 0])
    error_message = "A stopped fleet's groups stay at size 0, whatever the queues say."
  }
}

run "capacity_and_instance_types" {
  command = plan

  assert {
    condition     = aws_autoscaling_group.queue["spot"].mixed_instances_policy[0].instances_distribution[0].on_demand_percentage_above_base_capacity == 0
    error_message = "A spot queue launches spot only."
  }

  assert {
    condition     = aws_autoscaling_group.queue["compute"].mixed_instances_policy[0].instances_distribution[0].on_demand_percentage_above_base_capacity == 100
    error_message = "An on-demand queue launches on-demand only."
  }

  assert {
    condition     = [for o in aws_autoscaling_group.queue["spot"].mixed_instances_policy[0].launch_template[0].override : o.instance_type] == ["c6i.2xlarge", "c5.2xlarge"]
    error_message = "Every instance type of a queue is an override, in order."
  }
}

run "nodes_are_locked_down_and_tagged" {
  command = plan

  assert {
    condition     = alltrue([for t in aws_launch_template.queue : t.metadata_options[0].http_tokens == "required"])
    error_message = "IMDSv2 must be required."
  }

  assert {
    condition     = alltrue([for t in aws_launch_template.queue : t.block_device_mappings[0].ebs[0].encrypted == "true" && t.block_device_mappings[0].device_name == "/dev/sda1"])
    error_message = "The root volume is encrypted, mapped by the AMI's root device name."
  }

  assert {
    condition = alltrue([for t in aws_launch_template.queue["spot"].tag_specifications :
    t.tags["clusterwiz:cluster"] == "demo" && t.tags["clusterwiz:queue"] == "spot" && t.tags["team"] == "hpc"])
    error_message = "Launched instances, volumes and interfaces carry the cluster's tags."
  }

  assert {
    condition     = toset([for t in aws_launch_template.queue["spot"].tag_specifications : t.resource_type]) == toset(["instance", "volume", "network-interface"])
    error_message = "Tags reach instances, volumes and network interfaces."
  }

  assert {
    condition     = alltrue([for t in aws_autoscaling_group.queue["compute"].tag : t.propagate_at_launch]) && contains([for t in aws_autoscaling_group.queue["compute"].tag : t.key], "clusterwiz:cluster")
    error_message = "Group tags, clusterwiz:cluster among them, propagate to instances."
  }
}

run "user_data_points_at_the_head" {
  command = plan

  assert {
    condition     = strcontains(base64decode(aws_launch_template.queue["spot"].user_data), jsonencode({ cluster_name = "demo", head_private_ip = "10.0.0.10", os = "ubuntu2404", queue = "spot", region = "eu-west-2", role = "compute" }))
    error_message = "A compute node's params name its queue and the head node."
  }
}

run "initial_above_max_is_rejected" {
  command = plan

  variables {
    queues = [{ name = "compute", instance_types = ["c6i.xlarge"], initial_nodes = 5, max_nodes = 4 }]
  }

  expect_failures = [var.queues]
}

run "unknown_capacity_is_rejected" {
  command = plan

  variables {
    queues = [{ name = "compute", instance_types = ["c6i.xlarge"], capacity = "reserved", max_nodes = 4 }]
  }

  expect_failures = [var.queues]
}

run "duplicate_queue_names_are_rejected" {
  command = plan

  variables {
    queues = [
      { name = "compute", instance_types = ["c6i.xlarge"], max_nodes = 4 },
      { name = "compute", instance_types = ["c5.xlarge"], max_nodes = 4 },
    ]
  }

  expect_failures = [var.queues]
}

run "queue_without_types_is_rejected" {
  command = plan

  variables {
    queues = [{ name = "compute", instance_types = [], max_nodes = 4 }]
  }

  expect_failures = [var.queues]
}
