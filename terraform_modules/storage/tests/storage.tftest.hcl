mock_provider "aws" {
  override_data {
    target = data.aws_ebs_volume.existing
    values = { availability_zone = "eu-west-2a", volume_id = "vol-0123456789abcdef0" }
  }
}

variables {
  cluster_name      = "demo"
  availability_zone = "eu-west-2a"
  instance_id       = "i-0123456789abcdef0"
  volumes = [
    { mount_dir = "/shared", size_gib = 100, iops = 4000, throughput = 250 },
    { mount_dir = "/data", volume_id = "vol-0123456789abcdef0" },
    { mount_dir = "/scratch", size_gib = 50, volume_type = "st1", encrypted = false },
  ]
}

run "new_volumes_are_created_and_existing_ones_read" {
  command = plan

  assert {
    condition     = keys(aws_ebs_volume.new) == ["/scratch", "/shared"] && keys(data.aws_ebs_volume.existing) == ["/data"]
    error_message = "New volumes are managed; existing ones are only read."
  }

  assert {
    condition = (aws_ebs_volume.new["/shared"].size == 100 && aws_ebs_volume.new["/shared"].type == "gp3" &&
      aws_ebs_volume.new["/shared"].iops == 4000 && aws_ebs_volume.new["/shared"].throughput == 250 &&
    aws_ebs_volume.new["/shared"].encrypted && aws_ebs_volume.new["/shared"].availability_zone == "eu-west-2a")
    error_message = "A new volume takes size, type, iops, throughput, encryption and the head node's zone."
  }

  assert {
    condition     = !aws_ebs_volume.new["/scratch"].encrypted && aws_ebs_volume.new["/scratch"].type == "st1"
    error_message = "Volume settings are per volume."
  }

  assert {
    condition     = aws_ebs_volume.new["/shared"].tags["clusterwiz:cluster"] == "demo" && aws_ebs_volume.new["/shared"].tags["Name"] == "demo:/shared"
    error_message = "New volumes carry clusterwiz:cluster and a Name naming their mount dir."
  }
}

run "every_volume_attaches_to_the_head_in_order" {
  command = plan

  assert {
    condition = {
      for mount_dir, attachment in aws_volume_attachment.head : mount_dir => attachment.device_name
    } == { "/shared" = "/dev/sdf", "/data" = "/dev/sdg", "/scratch" = "/dev/sdh" }
    error_message = "Devices follow the order of var.volumes from /dev/sdf."
  }

  assert {
    condition     = alltrue([for a in aws_volume_attachment.head : a.instance_id == "i-0123456789abcdef0" && a.stop_instance_before_detaching])
    error_message = "Volumes attach to the head node and detach only when it is stopped."
  }

  assert {
    condition     = aws_volume_attachment.head["/data"].volume_id == "vol-0123456789abcdef0"
    error_message = "An existing volume is attached by its id."
  }
}

run "an_existing_volume_is_attached_by_the_id_given_never_by_its_read" {
  command = plan

  # A read deferred to apply (Terraform defers it whenever what it depends on changes) has no id at plan time.
  override_data {
    target = data.aws_ebs_volume.existing["/data"]
    values = { availability_zone = "eu-west-2a", volume_id = "vol-0fffffffffffffff0" }
  }

  assert {
    condition     = aws_volume_attachment.head["/data"].volume_id == "vol-0123456789abcdef0" && output.shared_volume_ids["/data"] == "vol-0123456789abcdef0"
    error_message = "The attachment and outputs take an existing volume's id from var.volumes."
  }
}

run "outputs_list_volumes_in_device_order" {
  assert {
    condition     = [for v in output.volumes : v.device_name] == ["/dev/sdf", "/dev/sdg", "/dev/sdh"]
    error_message = "volumes keeps the order of var.volumes."
  }

  assert {
    condition     = output.created_volume_ids == [aws_ebs_volume.new["/shared"].id, aws_ebs_volume.new["/scratch"].id]
    error_message = "created_volume_ids lists only new volumes."
  }

  assert {
    condition     = output.shared_volume_ids["/data"] == "vol-0123456789abcdef0"
    error_message = "shared_volume_ids includes existing volumes."
  }
}

run "no_volumes_means_no_resources" {
  command = plan

  variables {
    volumes = []
  }

  assert {
    condition     = length(aws_ebs_volume.new) + length(aws_volume_attachment.head) == 0
    error_message = "Without shared storage nothing is created."
  }
}

run "existing_volume_in_another_zone_is_rejected" {
  command = plan

  override_data {
    target = data.aws_ebs_volume.existing["/data"]
    values = { availability_zone = "eu-west-2b" }
  }

  expect_failures = [aws_volume_attachment.head]
}

run "volume_id_with_size_is_rejected" {
  command = plan

  variables {
    volumes = [{ mount_dir = "/data", volume_id = "vol-0123456789abcdef0", size_gib = 10 }]
  }

  expect_failures = [var.volumes]
}

run "iops_on_gp2_is_rejected" {
  command = plan

  variables {
    volumes = [{ mount_dir = "/data", size_gib = 10, volume_type = "gp2", iops = 3000 }]
  }

  expect_failures = [var.volumes]
}

run "throughput_on_io2_is_rejected" {
  command = plan

  variables {
    volumes = [{ mount_dir = "/data", size_gib = 10, volume_type = "io2", iops = 3000, throughput = 200 }]
  }

  expect_failures = [var.volumes]
}

run "relative_mount_dir_is_rejected" {
  command = plan

  variables {
    volumes = [{ mount_dir = "shared", size_gib = 10 }]
  }

  expect_failures = [var.volumes]
}

run "six_volumes_are_rejected" {
  command = plan

  variables {
    volumes = [for i in range(6) : { mount_dir = "/v${i}", size_gib = 1 }]
  }

  expect_failures = [var.volumes]
}
