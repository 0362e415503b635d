data "aws_region" "current" {}

locals {
  tags = merge(var.tags, { "clusterwiz:cluster" = var.cluster_name })
  # Known before any group exists, so the head node's parameters never wait for the fleet it controls.
  queue_groups = { for q in var.queues : q.name => "${var.cluster_name}-${q.name}" }
}

module "network" {
  source = "../network"

  cluster_name      = var.cluster_name
  vpc_id            = var.network.vpc_id
  subnet_id         = var.network.subnet_id
  vpc_cidr          = var.network.vpc_cidr
  availability_zone = var.network.availability_zone
  tags              = local.tags
}

module "security" {
  source = "../security"

  cluster_name = var.cluster_name
  vpc_id       = module.network.vpc_id
  ssh_cidr     = var.ssh_cidr
  tags         = local.tags
}

module "iam" {
  source = "../iam"

  cluster_name = var.cluster_name
  tags         = local.tags
}

module "storage" {
  source = "../storage"

  cluster_name      = var.cluster_name
  availability_zone = module.network.availability_zone
  instance_id       = module.head_node.instance_id
  volumes           = var.shared_storage
  tags              = local.tags
}

module "head_node" {
  source = "../head_node"

  cluster_name          = var.cluster_name
  os                    = var.os
  ami_id                = var.ami_id
  key_pair              = var.key_pair
  subnet_id             = module.network.subnet_id
  security_group_ids    = [module.security.head_security_group_id, module.security.intra_security_group_id]
  instance_profile_name = module.iam.head_instance_profile_name
  instance_type         = var.head_node.instance_type
  root_volume_gib       = var.head_node.root_volume_gib
  node_agent_archive    = var.node_agent_archive
  expires_at            = var.expires_at
  budget_usd            = var.budget_usd
  tags                  = local.tags

  bootstrap = {
    region                 = data.aws_region.current.name
    nodes_cidr             = module.network.subnet_cidr
    scaledown_idle_minutes = var.scaledown_idle_minutes
    idle_stop_minutes      = var.idle_stop_minutes
    prices                 = var.prices
    queues = [for q in var.queues : {
      name            = q.name
      instance_types  = q.instance_types
      capacity        = q.capacity
      min_nodes       = q.min_nodes
      max_nodes       = q.max_nodes
      group_name      = local.queue_groups[q.name]
      node_cpus       = q.node_cpus
      node_memory_mib = q.node_memory_mib
    }]
    shared_storage = module.storage.volumes
  }
}

module "compute_fleet" {
  source = "../compute_fleet"

  cluster_name          = var.cluster_name
  region                = data.aws_region.current.name
  os                    = var.os
  ami_id                = var.ami_id
  key_pair              = var.key_pair
  subnet_id             = module.network.subnet_id
  security_group_ids    = [module.security.intra_security_group_id]
  instance_profile_name = module.iam.compute_instance_profile_name
  head_private_ip       = module.head_node.private_ip
  queues                = var.queues
  stopped               = var.fleet_stopped
  tags                  = local.tags
}
