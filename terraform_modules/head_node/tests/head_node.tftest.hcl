mock_provider "aws" {}

variables {
  cluster_name          = "demo"
  os                    = "ubuntu2404"
  ami_id                = "ami-0123456789abcdef0"
  key_pair              = "demo-key"
  subnet_id             = "subnet-0a1b2c3d4e5f67890"
  security_group_ids    = ["sg-0a1b2c3d4e5f67890"]
  instance_profile_name = "demo-head-profile"
  instance_type         = "t3.medium"
  root_volume_gib       = 60
  node_agent_archive    = "H4sIAAAAAAAAA+3BAQ0AAADCoPdPbQ8HFAAAAAAAAAAAAN4GQZ6/fAAoAAA="
  tags                  = { team = "hpc" }
  bootstrap = {
    region                 = "eu-west-2"
    nodes_cidr             = "10.0.0.0/17"
    scaledown_idle_minutes = 10
    queues = [{
      name       = "compute", instance_types = ["c6i.xlarge"], capacity = "ondemand", min_nodes = 0, max_nodes = 4,
      group_name = "demo-compute"
    }]
    shared_storage = [{ mount_dir = "/shared", volume_id = "vol-0123456789abcdef0", device_name = "/dev/sdf" }]
  }
}

run "head_node_is_locked_down" {
  command = plan

  assert {
    condition     = aws_instance.head.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required."
  }

  assert {
    condition     = aws_instance.head.root_block_device[0].encrypted && aws_instance.head.root_block_device[0].volume_size == 60
    error_message = "The root volume is encrypted and sized from root_volume_gib."
  }

  assert {
    condition     = aws_instance.head.tags["clusterwiz:cluster"] == "demo" && aws_instance.head.tags["team"] == "hpc" && aws_instance.head.root_block_device[0].tags["clusterwiz:cluster"] == "demo"
    error_message = "The instance and its root volume carry clusterwiz:cluster and the extra tags."
  }

  assert {
    condition     = aws_instance.head.iam_instance_profile == "demo-head-profile" && aws_instance.head.key_name == "demo-key" && aws_instance.head.associate_public_ip_address
    error_message = "Profile, key pair and public address are set."
  }
}

run "user_data_carries_params_and_agent" {
  command = plan

  assert {
    condition     = output.params.role == "head" && output.params.cluster_name == "demo" && output.params.os == "ubuntu2404"
    error_message = "params.json names the cluster, its OS and the head role."
  }

  assert {
    condition     = output.params.queues[0].group_name == "demo-compute" && output.params.shared_storage[0].device_name == "/dev/sdf" && output.params.nodes_cidr == "10.0.0.0/17"
    error_message = "params.json carries queues and shared storage."
  }

  assert {
    condition     = aws_instance.head.user_data_base64 == base64gzip(templatefile("./templates/cloud-init.yaml.tftpl", { params_json = jsonencode(output.params), node_agent_archive = var.node_agent_archive }))
    error_message = "user_data is the rendered cloud-init template, compressed."
  }
}

run "ssh_user_follows_the_os" {
  command = plan

  variables {
    os = "al2023"
  }

  assert {
    condition     = output.ssh_user == "ec2-user"
    error_message = "al2023 logs in as ec2-user."
  }
}

run "expiry_tags_the_instance_only" {
  command = plan

  variables {
    expires_at = "2026-12-04T18:00:00Z"
  }

  assert {
    condition     = aws_instance.head.tags["clusterwiz:expires-at"] == "2026-12-04T18:00:00Z" && !contains(keys(aws_instance.head.root_block_device[0].tags), "clusterwiz:expires-at")
    error_message = "The expiry is the head instance's own tag (its agent reads it), on nothing else."
  }
}

run "no_expiry_no_tag" {
  command = plan

  assert {
    condition     = !contains(keys(aws_instance.head.tags), "clusterwiz:expires-at")
    error_message = "A cluster without an expiry carries no expiry tag."
  }
}

run "budget_tags_the_instance_only" {
  command = plan

  variables {
    budget_usd = 50
  }

  assert {
    condition     = aws_instance.head.tags["clusterwiz:budget-usd"] == "50" && !contains(keys(aws_instance.head.root_block_device[0].tags), "clusterwiz:budget-usd")
    error_message = "The budget is the head instance's own tag (its agent reads it), on nothing else."
  }

  assert {
    condition     = !contains(keys(aws_instance.head.tags), "clusterwiz:expires-at")
    error_message = "A budget sets no expiry."
  }
}

run "debian_logs_in_as_admin" {
  command = plan

  variables {
    os = "debian13"
  }

  assert {
    condition     = output.ssh_user == "admin"
    error_message = "debian13 logs in as admin."
  }
}

run "small_root_volume_is_rejected" {
  command = plan

  variables {
    root_volume_gib = 8
  }

  expect_failures = [var.root_volume_gib]
}

run "unknown_os_is_rejected" {
  command = plan

  variables {
    os = "windows"
  }

  expect_failures = [var.os]
}

run "archive_must_be_base64" {
  command = plan

  variables {
    node_agent_archive = "not base64!"
  }

  expect_failures = [var.node_agent_archive]
}
