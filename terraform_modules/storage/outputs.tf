output "volumes" {
  description = "Every shared volume in device order: mount_dir, volume_id, device_name (the head node's shared_storage parameters)."
  value = [for v in var.volumes : {
    mount_dir   = v.mount_dir
    volume_id   = local.volume_ids[v.mount_dir]
    device_name = local.device_names[v.mount_dir]
  }]
}

output "shared_volume_ids" {
  description = "Volume id by mount_dir, new and existing."
  value       = local.volume_ids
}

output "created_volume_ids" {
  description = "The volumes this module created (and destroys); existing volumes are not listed."
  value       = [for v in var.volumes : aws_ebs_volume.new[v.mount_dir].id if v.volume_id == null]
}

output "attachment_ids" {
  description = "Attachment id by mount_dir; ready once every volume is attached to the head node."
  value       = { for mount_dir, attachment in aws_volume_attachment.head : mount_dir => attachment.id }
}
