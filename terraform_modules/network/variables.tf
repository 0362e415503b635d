variable "cluster_name" {
  description = "Name of the cluster; prefixes resource names and is the value of the clusterwiz:cluster tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.cluster_name))
    error_message = "cluster_name must be 1-31 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "vpc_id" {
  description = "An existing VPC to use untouched; null to create a new VPC."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-([0-9a-f]{8}|[0-9a-f]{17})$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0a1b2c3d4e5f67890."
  }
}

variable "subnet_id" {
  description = "An existing subnet of vpc_id to place every node in; required with vpc_id."
  type        = string
  default     = null

  validation {
    condition     = var.subnet_id == null || can(regex("^subnet-([0-9a-f]{8}|[0-9a-f]{17})$", var.subnet_id))
    error_message = "subnet_id must look like subnet-0a1b2c3d4e5f67890."
  }

  validation {
    condition     = (var.vpc_id == null) == (var.subnet_id == null)
    error_message = "vpc_id and subnet_id are given together (an existing network) or neither (a new VPC)."
  }
}

variable "vpc_cidr" {
  description = "Address range of a new VPC; its public subnet takes the first half."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && tonumber(split("/", var.vpc_cidr)[1]) <= 27
    error_message = "vpc_cidr must be an IPv4 CIDR block of /16 to /27, such as 10.0.0.0/16."
  }
}

variable "availability_zone" {
  description = "Availability zone of a new VPC's subnet; ignored with an existing subnet."
  type        = string
  default     = null

  validation {
    condition     = var.availability_zone == null || can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}[a-z]$", var.availability_zone))
    error_message = "availability_zone must look like eu-west-2a."
  }

  validation {
    condition     = var.vpc_id != null || var.availability_zone != null
    error_message = "availability_zone is required when the module creates the VPC."
  }
}

variable "tags" {
  description = "Tags for every resource; clusterwiz:cluster is always added."
  type        = map(string)
  default     = {}
}
