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

variable "subnet_id" {
  description = "Subnet the nodes are launched in."
  type        = string

  validation {
    condition     = can(regex("^subnet-", var.subnet_id))
    error_message = "subnet_id must be a subnet id such as subnet-0a1b2c3d4e5f67890."
  }
}

variable "security_group_ids" {
  description = "Security groups of the nodes."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1 && alltrue([for id in var.security_group_ids : can(regex("^sg-", id))])
    error_message = "security_group_ids must hold at least one security group id such as sg-0a1b2c3d4e5f67890."
  }
}

variable "instance_profile_name" {
  description = "IAM instance profile of the nodes."
  type        = string
}

variable "tags" {
  description = "Tags for every resource, and for the volumes of the instances; clusterwiz:cluster is always added."
  type        = map(string)
  default     = {}
}

variable "head_private_ip" {
  description = "Private address of the head node, whose /opt/clusterwiz every compute node mounts over NFS."
  type        = string

  validation {
    condition     = can(cidrhost("${var.head_private_ip}/32", 0))
    error_message = "head_private_ip must be an IPv4 address."
  }
}

variable "region" {
  description = "AWS region of the cluster, written into each node's params.json."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$", var.region))
    error_message = "region must look like eu-west-2."
  }
}

variable "root_volume_gib" {
  description = "Size of each compute node's encrypted root volume in GiB (OS, Slurm and local scratch)."
  type        = number
  default     = 40

  validation {
    condition     = var.root_volume_gib >= 8 && var.root_volume_gib <= 16384
    error_message = "root_volume_gib must be between 8 and 16384."
  }
}

variable "queues" {
  description = "Slurm partitions; each gets a launch template named <cluster>-<queue>-<suffix> and an auto scaling group named <cluster>-<queue>."
  type = list(object({
    name           = string
    instance_types = list(string)
    capacity       = optional(string, "ondemand")
    min_nodes      = optional(number, 0)
    initial_nodes  = optional(number, 0)
    max_nodes      = number
  }))

  validation {
    condition     = length(var.queues) >= 1
    error_message = "At least one queue is required."
  }

  validation {
    condition     = alltrue([for q in var.queues : can(regex("^[a-z][a-z0-9-]{0,24}$", q.name))])
    error_message = "Queue names must be 1-25 lowercase letters, digits or '-', starting with a letter."
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
    condition     = alltrue([for q in var.queues : length(q.instance_types) >= 1 && length(q.instance_types) <= 20])
    error_message = "Each queue needs 1 to 20 instance types."
  }
}

variable "stopped" {
  description = "Keep every queue's group at size 0 (the fleet is stopped): an apply then starts no node. clusterwiz stop sets it, clusterwiz start clears it."
  type        = bool
  default     = false
}
