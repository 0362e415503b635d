variable "cluster_name" {
  description = "Name of the cluster; prefixes resource names and is the value of the clusterwiz:cluster tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.cluster_name))
    error_message = "cluster_name must be 1-31 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "os" {
  description = "Operating system family of ami_id; selects the bootstrap path and the SSH user."
  type        = string

  validation {
    condition     = contains(["debian13", "ubuntu2404", "ubuntu2204", "al2023", "rocky9"], var.os)
    error_message = "os must be one of debian13, ubuntu2404, ubuntu2204, al2023, rocky9."
  }
}

variable "ami_id" {
  description = "AMI of every node, resolved and pinned by clusterwiz at render time so a newer release never replaces a running node."
  type        = string

  validation {
    condition     = can(regex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$", var.ami_id))
    error_message = "ami_id must look like ami-0123456789abcdef0."
  }
}

variable "key_pair" {
  description = "Name of an existing EC2 key pair installed on every node; null for none."
  type        = string
  default     = null
}

variable "network" {
  description = "vpc_id/subnet_id of an existing network (left untouched), or null ids to create a VPC with vpc_cidr and one public subnet in availability_zone."
  type = object({
    vpc_id            = optional(string)
    subnet_id         = optional(string)
    vpc_cidr          = optional(string, "10.0.0.0/16")
    availability_zone = optional(string)
  })

  validation {
    condition     = (var.network.vpc_id == null) == (var.network.subnet_id == null)
    error_message = "network.vpc_id and network.subnet_id are given together, or neither."
  }

  validation {
    condition     = var.network.vpc_id != null || var.network.availability_zone != null
    error_message = "network.availability_zone is required when the cluster creates its VPC."
  }

  validation {
    condition     = can(cidrnetmask(var.network.vpc_cidr))
    error_message = "network.vpc_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "ssh_cidr" {
  description = "The only address range allowed to SSH to the head node."
  type        = string

  validation {
    condition     = can(cidrhost(var.ssh_cidr, 0))
    error_message = "ssh_cidr must be a CIDR block such as 203.0.113.7/32."
  }
}

variable "head_node" {
  description = "Instance type and root volume size (GiB) of the head node (Slurm controller and NFS server)."
  type = object({
    instance_type   = string
    root_volume_gib = optional(number, 40)
  })

  validation {
    condition     = var.head_node.root_volume_gib >= 20
    error_message = "head_node.root_volume_gib must be at least 20."
  }
}

variable "queues" {
  description = "Slurm partitions, each backed by one auto scaling group of dynamic nodes."
  type = list(object({
    name           = string
    instance_types = list(string)
    capacity       = optional(string, "ondemand")
    min_nodes      = optional(number, 0)
    initial_nodes  = optional(number, 0)
    max_nodes      = number
    # The smallest instance type's vCPUs and memory: Slurm checks a job against them while the queue has no node.
    node_cpus       = optional(number)
    node_memory_mib = optional(number)
  }))

  validation {
    condition     = length(var.queues) >= 1
    error_message = "At least one queue is required."
  }

  validation {
    condition     = length(distinct([for q in var.queues : q.name])) == length(var.queues)
    error_message = "Queue names must be unique."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.min_nodes <= q.initial_nodes && q.initial_nodes <= q.max_nodes && q.max_nodes >= 1])
    error_message = "Each queue needs min_nodes <= initial_nodes <= max_nodes and max_nodes >= 1."
  }

  validation {
    condition     = alltrue([for q in var.queues : contains(["ondemand", "spot"], q.capacity)])
    error_message = "Queue capacity must be ondemand or spot."
  }

  validation {
    condition     = alltrue([for q in var.queues : length(q.instance_types) >= 1])
    error_message = "Each queue needs at least one instance type."
  }
}

variable "scaledown_idle_minutes" {
  description = "Minutes a compute node may sit idle before the scaler removes it (down to min_nodes)."
  type        = number
  default     = 10

  validation {
    condition     = var.scaledown_idle_minutes >= 1
    error_message = "scaledown_idle_minutes must be at least 1."
  }
}

variable "idle_stop_minutes" {
  description = "Minutes with no job and nobody logged in before the head node stops the fleet and itself (only storage bills until clusterwiz start); null: never."
  type        = number
  default     = 60
  nullable    = true

  validation {
    condition     = var.idle_stop_minutes == null ? true : var.idle_stop_minutes >= 5
    error_message = "idle_stop_minutes must be at least 5, or null for never."
  }
}

variable "expires_at" {
  description = "When the head node stops the whole cluster, as `clusterwiz stop --all` does (RFC 3339 UTC, e.g. 2026-12-04T18:00:00Z); null: never. Set as the head node's clusterwiz:expires-at tag, which changes in place."
  type        = string
  default     = null
  nullable    = true

  validation {
    condition     = var.expires_at == null ? true : can(regex("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", var.expires_at))
    error_message = "expires_at must be a UTC time such as 2026-12-04T18:00:00Z, or null for never."
  }
}

variable "budget_usd" {
  description = "The most the cluster may cost since its creation, in US dollars: the head node's agent warns at 80% and stops the cluster at 100%; null: no budget. Set as the head node's clusterwiz:budget-usd tag, which changes in place."
  type        = number
  default     = null
  nullable    = true

  validation {
    condition     = var.budget_usd == null ? true : var.budget_usd > 0
    error_message = "budget_usd must be a positive amount of US dollars, or null for no budget."
  }
}

variable "prices" {
  description = "The prices the head node's agent counts the cluster's spend with, fixed at render: $/h of each instance type with its public IPv4 address, $/GiB-month of each volume type; null: it counts none."
  type = object({
    instance = map(number)
    volume   = map(number)
  })
  default  = null
  nullable = true
}

variable "shared_storage" {
  description = "EBS volumes shared over NFS from the head node: an existing volume by volume_id (never deleted) or a new one."
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
    condition     = length(var.shared_storage) <= 5
    error_message = "At most 5 shared volumes."
  }

  validation {
    condition     = alltrue([for v in var.shared_storage : startswith(v.mount_dir, "/")])
    error_message = "Each mount_dir must be an absolute path."
  }

  validation {
    condition     = length(distinct([for v in var.shared_storage : v.mount_dir])) == length(var.shared_storage)
    error_message = "Mount dirs must be unique."
  }

  validation {
    condition     = alltrue([for v in var.shared_storage : v.volume_id != null || v.size_gib != null || v.snapshot_id != null])
    error_message = "A new volume needs size_gib or snapshot_id."
  }
}

variable "tags" {
  description = "Extra tags for every resource (clusterwiz:cluster is always added)."
  type        = map(string)
  default     = {}
}

variable "node_agent_archive" {
  description = "Base64 of the compressed tar of clusterwiz's node agent (bootstrap, config generator, scaler), unpacked by cloud-init on the head node and shared to compute nodes over NFS."
  type        = string
}

variable "fleet_stopped" {
  description = "Keep every queue's group at size 0 while the fleet is stopped (clusterwiz stop): an apply then starts no compute node."
  type        = bool
  default     = false
}
