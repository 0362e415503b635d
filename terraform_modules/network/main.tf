locals {
  create_vpc = var.vpc_id == null
  tags       = merge(var.tags, { "clusterwiz:cluster" = var.cluster_name })
}

# An existing network is only read, never managed: destroying the cluster leaves it as it was.
data "aws_subnet" "existing" {
  count = local.create_vpc ? 0 : 1
  id    = var.subnet_id

  lifecycle {
    postcondition {
      condition     = self.vpc_id == var.vpc_id
      error_message = "Subnet ${var.subnet_id} is not in VPC ${var.vpc_id}; pick a subnet of that VPC."
    }
  }
}

data "aws_vpc" "existing" {
  count = local.create_vpc ? 0 : 1
  id    = var.vpc_id
}

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:flow logs need a paid log destination; a first-time cluster does without them
  count = local.create_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = var.cluster_name })
}

# Take over the VPC's default security group and leave it without rules, so nothing lands in an open group.
resource "aws_default_security_group" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(local.tags, { Name = "${var.cluster_name}-default-unused" })
}

resource "aws_internet_gateway" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(local.tags, { Name = var.cluster_name })
}

# Nodes get public addresses explicitly at launch (no NAT gateway to pay for), not from the subnet default.
resource "aws_subnet" "public" {
  count = local.create_vpc ? 1 : 0

  vpc_id                  = aws_vpc.this[0].id
  cidr_block              = cidrsubnet(var.vpc_cidr, 1, 0)
  availability_zone       = var.availability_zone
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${var.cluster_name}-public" })
}

resource "aws_route_table" "public" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(local.tags, { Name = "${var.cluster_name}-public" })
}

resource "aws_route" "internet" {
  count = local.create_vpc ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.create_vpc ? 1 : 0

  subnet_id      = aws_subnet.public[0].id
  route_table_id = aws_route_table.public[0].id
}
