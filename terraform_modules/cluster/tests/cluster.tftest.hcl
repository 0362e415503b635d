mock_provider "aws" {
  # Inner modules validate id formats, so mocked ids must look real.
  mock_resource "aws_vpc" {
    defaults = { id = "vpc-0a1b2c3d4e5f67890" }
  }

  mock_resource "aws_subnet" {
    defaults = { id = "subnet-0a1b2c3d4e5f67890" }
  }

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0a1b2c3d4e5f67890" }
  }

  override_data {
    target = data.aws_region.current
    values = { name = "eu-west-2" }
  }

  override_data {
    target = module.compute_fleet.data.aws_ami.node
    values = { root_device_name = "/dev/sda1" }
  }

  override_data {
    target = module.storage.data.aws_ebs_volume.existing
    values = { availability_zone = "eu-west-2a", volume_id = "vol-0123456789abcdef0" }
  }

  override_resource {
    target = module.network.aws_subnet.public
    values = { availability_zone = "eu-west-2a", id = "subnet-0a1b2c3d4e5f67890" }
  }

  override_resource {
    target = module.head_node.aws_instance.head
    values = { private_ip = "10.0.0.10" }
  }
}

variables {
  cluster_name       = "demo"
  os                 = "ubuntu2404"
  ami_id             = "ami-0123456789abcdef0"
  key_pair           = "demo-key"
  network            = { availability_zone = "eu-west-2a" }
  ssh_cidr           = "203.0.113.7/32"
  head_node          = { instance_type = "t3.medium" }
  node_agent_archive = "H4sIAAAAAAAAA+3BAQ0AAADCoPdPbQ8HFAAAAAAAAAAAAN4GQZ6/fAAoAAA="
  tags               = { team = "hpc" }
  queues = [
    { name = "compute", instance_types = ["c6i.xlarge"], max_nodes = 4, node_cpus = 4, node_memory_mib = 8192 },
    { name = "spot", instance_types = ["c6i.2xlarge", "c5.2xlarge"], capacity = "spot", max_nodes = 8 },
  ]
  shared_storage = [
    { mount_dir = "/shared", size_gib = 100 },
    { mount_dir = "/data", volume_id = "vol-0123456789abcdef0" },
  ]
}

run "full_cluster_composes" {
  assert {
    condition     = output.queue_groups == { compute = "demo-compute", spot = "demo-spot" }
    error_message = "queue_groups maps each queue to its <cluster>-<queue> group."
  }

  assert {
    condition     = keys(output.shared_volume_ids) == ["/data", "/shared"] && length(output.created_volume_ids) == 1
    error_message = "Both volumes are shared; only the new one counts as created."
  }

  assert {
    condition     = keys(output.security_group_ids) == ["head", "intra"] && output.ssh_user == "ubuntu"
    error_message = "Security groups and the SSH user are exposed."
  }

  assert {
    condition     = jsonencode(module.head_node.params.shared_storage) == jsonencode(module.storage.volumes) && [for q in module.head_node.params.queues : q.group_name] == ["demo-compute", "demo-spot"]
    error_message = "The head node's params list the shared volumes and the groups it scales."
  }

  assert {
    condition     = jsonencode([for q in module.head_node.params.queues : [q.node_cpus, q.node_memory_mib]]) == jsonencode([[4, 8192], [null, null]])
    error_message = "The head node's params carry each queue's node size (for its stand-in nodes and the scaler), null where unknown."
  }

  assert {
    condition     = module.head_node.params.region == "eu-west-2" && module.head_node.params.nodes_cidr == "10.0.0.0/17"
    error_message = "The head node's params carry region and the nodes' subnet range."
  }

  assert {
    condition     = output.availability_zone == "eu-west-2a"
    error_message = "The cluster lives in the chosen zone."
  }
}

run "queue_rules_are_enforced" {
  command = plan

  variables {
    queues = [{ name = "compute", instance_types = ["c6i.xlarge"], min_nodes = 3, initial_nodes = 1, max_nodes = 4 }]
  }

  expect_failures = [var.queues]
}

run "half_an_existing_network_is_rejected" {
  command = plan

  variables {
    network = { vpc_id = "vpc-0a1b2c3d4e5f67890" }
  }

  expect_failures = [var.network]
}

run "new_volume_needs_a_size" {
  command = plan

  variables {
    shared_storage = [{ mount_dir = "/shared" }]
  }

  expect_failures = [var.shared_storage]
}

run "an_expiry_that_is_not_a_utc_time_is_rejected" {
  command = plan

  variables {
    expires_at = "tomorrow"
  }

  expect_failures = [var.expires_at]
}

run "budget_of_zero_is_rejected" {
  command = plan

  variables {
    budget_usd = 0
  }

  expect_failures = [var.budget_usd]
}

