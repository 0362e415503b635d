variable "cluster_name" {
  description = "Name of the cluster; prefixes resource names and is the value of the clusterwiz:cluster tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.cluster_name))
    error_message = "cluster_name must be 1-31 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "availability_zone" {
  description = "Zone of the head node; new volumes are created there and existing ones must be there."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}[a-z]$", var.availability_zone))
    error_message = "availability_zone must look like eu-west-2a."
  }
}

variable "instance_id" {
  description = "The head node, which every volume is attached to and shares over NFS."
  type        = string
}

variable "volumes" {
  description = "Shared volumes in device order (/dev/sdf, /dev/sdg, ...): an existing volume by volume_id (attached, never deleted) or a new one."
  type = list(object({
    mount_dir   = string
    volume_id   = optional(string)
    size_gib    = optional(number)
    volume_type = optional(string, "gp3")
    iops        = optional(number)
    throughput  = optional(number)
    encrypted   = optional(bool, true)
    snapshot_id = optional(string)
  }))
  default = []

  validation {
    condition     = length(var.volumes) <= 5
    error_message = "At most 5 shared volumes (devices /dev/sdf to /dev/sdj)."
  }

  validation {
    condition     = alltrue([for v in var.volumes : startswith(v.mount_dir, "/") && v.mount_dir != "/"])
    error_message = "Each mount_dir must be an absolute path other than /."
  }

  validation {
    condition     = length(distinct([for v in var.volumes : v.mount_dir])) == length(var.volumes)
    error_message = "Mount dirs must be unique."
  }

  validation {
    condition     = alltrue([for v in var.volumes : v.volume_id == null || can(regex("^vol-([0-9a-f]{8}|[0-9a-f]{17})$", v.volume_id))])
    error_message = "volume_id must look like vol-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for v in var.volumes : (v.volume_id != null) != (v.size_gib != null || v.snapshot_id != null)])
    error_message = "Give each volume either volume_id (an existing volume) or size_gib/snapshot_id (a new one), not both."
  }

  validation {
    condition     = alltrue([for v in var.volumes : contains(["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"], v.volume_type)])
    error_message = "volume_type must be one of gp3, gp2, io1, io2, st1, sc1, standard."
  }

  validation {
    condition     = alltrue([for v in var.volumes : v.iops == null || contains(["gp3", "io1", "io2"], v.volume_type)])
    error_message = "iops applies only to gp3, io1 and io2 volumes."
  }

  validation {
    condition     = alltrue([for v in var.volumes : v.throughput == null || v.volume_type == "gp3"])
    error_message = "throughput applies only to gp3 volumes."
  }

  validation {
    condition     = alltrue([for v in var.volumes : v.size_gib == null || try(v.size_gib >= 1 && v.size_gib <= 65536, false)])
    error_message = "size_gib must be between 1 and 65536."
  }
}

variable "tags" {
  description = "Tags for every resource; clusterwiz:cluster is always added."
  type        = map(string)
  default     = {}
}
