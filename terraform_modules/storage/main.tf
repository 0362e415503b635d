locals {
  tags = merge(var.tags, { "clusterwiz:cluster" = var.cluster_name })

  new_volumes      = { for v in var.volumes : v.mount_dir => v if v.volume_id == null }
  existing_volumes = { for v in var.volumes : v.mount_dir => v if v.volume_id != null }
  # The node agent finds each volume by this device name, so the order of var.volumes is the contract.
  device_names = { for index, v in var.volumes : v.mount_dir => "/dev/sd${substr("fghij", index, 1)}" }

  # An existing volume's id comes from var.volumes, never from its data source: a read deferred to apply (as it is
  # whenever what it references changes, a tag say) would make the id unknown and replace the attachment.
  volume_ids = merge(
    { for mount_dir, volume in aws_ebs_volume.new : mount_dir => volume.id },
    { for mount_dir, volume in local.existing_volumes : mount_dir => volume.volume_id },
  )
  existing_zones = { for mount_dir, volume in data.aws_ebs_volume.existing : mount_dir => volume.availability_zone }
}

# An existing volume is only read: destroying the cluster detaches it and leaves it, with its data, in place. The
# read references nothing but var.volumes, so it happens at plan time whatever else the plan changes.
data "aws_ebs_volume" "existing" {
  for_each = local.existing_volumes

  filter {
    name   = "volume-id"
    values = [each.value.volume_id]
  }
}

resource "aws_ebs_volume" "new" {
  #checkov:skip=CKV_AWS_3:encrypted defaults to true; cluster.yaml may turn it off per volume on purpose
  #checkov:skip=CKV_AWS_189:the AWS-managed EBS key encrypts at rest without a billed customer key
  for_each = local.new_volumes

  availability_zone = var.availability_zone
  size              = each.value.size_gib
  type              = each.value.volume_type
  iops              = each.value.iops
  throughput        = each.value.throughput
  encrypted         = each.value.encrypted
  snapshot_id       = each.value.snapshot_id

  tags = merge(local.tags, { Name = "${var.cluster_name}:${each.key}" })
}

resource "aws_volume_attachment" "head" {
  for_each = local.device_names

  device_name = each.value
  volume_id   = local.volume_ids[each.key]
  instance_id = var.instance_id
  # Detach only from a stopped head node: the filesystem is unmounted cleanly and a kept volume stays consistent.
  stop_instance_before_detaching = true

  lifecycle {
    precondition {
      condition     = lookup(local.existing_zones, each.key, var.availability_zone) == var.availability_zone
      error_message = "Volume ${local.volume_ids[each.key]} (${each.key}) is in ${lookup(local.existing_zones, each.key, "")} but the head node is in ${var.availability_zone}; use a volume (or a snapshot of it) in ${var.availability_zone}."
    }
  }
}
