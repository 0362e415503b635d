variable "cluster_name" {
  description = "Name of the cluster; prefixes resource names and is the value of the clusterwiz:cluster tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.cluster_name))
    error_message = "cluster_name must be 1-31 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC the security groups belong to."
  type        = string

  validation {
    condition     = can(regex("^vpc-", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0a1b2c3d4e5f67890."
  }
}

variable "ssh_cidr" {
  description = "The only address range allowed to SSH to the head node."
  type        = string

  validation {
    condition     = can(cidrhost(var.ssh_cidr, 0))
    error_message = "ssh_cidr must be a CIDR block such as 203.0.113.7/32."
  }

  validation {
    condition     = !contains(["0.0.0.0/0", "::/0"], var.ssh_cidr)
    error_message = "ssh_cidr must not open SSH to the whole internet; use your public IP as a.b.c.d/32."
  }
}

variable "tags" {
  description = "Tags for every resource; clusterwiz:cluster is always added."
  type        = map(string)
  default     = {}
}
