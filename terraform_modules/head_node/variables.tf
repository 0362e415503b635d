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

variable "instance_type" {
  description = "Instance type of the head node (Slurm controller and NFS server)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9-]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as t3.medium."
  }
}

variable "root_volume_gib" {
  description = "Size of the head node's encrypted root volume in GiB."
  type        = number
  default     = 40

  validation {
    condition     = var.root_volume_gib >= 20 && var.root_volume_gib <= 16384
    error_message = "root_volume_gib must be between 20 and 16384."
  }
}

variable "bootstrap" {
  description = "The head node's params.json besides cluster_name and role: region, os, nodes_cidr, scaledown_idle_minutes, idle_stop_minutes, prices (what the budget is counted with), queues (with their group_name) and shared_storage (mount_dir, volume_id, device_name)."
  type = object({
    region                 = string
    nodes_cidr             = string
    scaledown_idle_minutes = number
    # Minutes unused before the head node stops the fleet and itself; null: never.
    idle_stop_minutes = optional(number)
    # $/h of each instance type, $/GiB-month of each volume type: what the agent counts the spend with.
    prices = optional(object({
      instance = map(number)
      volume   = map(number)
    }))
    queues = list(object({
      name           = string
      instance_types = list(string)
      capacity       = string
      min_nodes      = number
      max_nodes      = number
      group_name     = string
      # The smallest instance type's vCPUs and memory: its stand-in nodes' size and the scaler's node size.
      node_cpus       = optional(number)
      node_memory_mib = optional(number)
    }))
    shared_storage = list(object({
      mount_dir   = string
      volume_id   = string
      device_name = string
    }))
  })

  validation {
    condition     = length(var.bootstrap.queues) >= 1
    error_message = "bootstrap.queues needs at least one queue."
  }

  validation {
    condition     = can(cidrnetmask(var.bootstrap.nodes_cidr))
    error_message = "bootstrap.nodes_cidr must be an IPv4 CIDR block (the nodes' subnet); NFS exports are limited to it."
  }
}

variable "node_agent_archive" {
  description = "Base64 of clusterwiz's node agent archive (core/node_agent.py: its files, NUL-separated, LZMA-compressed), unpacked into /opt/clusterwiz/agent at first boot."
  type        = string

  validation {
    # base64decode cannot check it: the decoded bytes are binary, not UTF-8.
    condition     = length(var.node_agent_archive) % 4 == 0 && can(regex("^[A-Za-z0-9+/]+={0,2}$", var.node_agent_archive))
    error_message = "node_agent_archive must be base64 (of the compressed node agent)."
  }
}

variable "expires_at" {
  description = "The head node's clusterwiz:expires-at tag: when its agent stops the whole cluster (RFC 3339 UTC); null: never."
  type        = string
  default     = null
  nullable    = true
}

variable "budget_usd" {
  description = "The head node's clusterwiz:budget-usd tag: the most the cluster may cost, in US dollars, before its agent stops it; null: no budget."
  type        = number
  default     = null
  nullable    = true
}
