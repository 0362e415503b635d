mock_provider "aws" {}

variables {
  cluster_name      = "demo"
  availability_zone = "eu-west-2a"
}

run "new_vpc_creates_a_public_network" {
  command = plan

  assert {
    condition     = length(aws_vpc.this) == 1 && length(aws_subnet.public) == 1 && length(aws_internet_gateway.this) == 1
    error_message = "A new VPC needs its VPC, subnet and internet gateway."
  }

  assert {
    condition     = aws_vpc.this[0].enable_dns_support && aws_vpc.this[0].enable_dns_hostnames
    error_message = "DNS support and hostnames must be on."
  }

  assert {
    condition     = aws_subnet.public[0].availability_zone == "eu-west-2a" && aws_subnet.public[0].cidr_block == "10.0.0.0/17"
    error_message = "The public subnet takes the first half of the VPC in the chosen zone."
  }

  assert {
    condition     = aws_route.internet[0].destination_cidr_block == "0.0.0.0/0"
    error_message = "The public route table needs a default route."
  }

  assert {
    condition     = aws_vpc.this[0].tags["clusterwiz:cluster"] == "demo" && aws_subnet.public[0].tags["clusterwiz:cluster"] == "demo"
    error_message = "Every resource carries clusterwiz:cluster."
  }

  assert {
    condition     = length(data.aws_vpc.existing) == 0 && length(data.aws_subnet.existing) == 0
    error_message = "A new VPC reads no existing network."
  }
}

run "new_vpc_outputs" {
  assert {
    condition     = output.created_vpc && output.subnet_cidr == "10.0.0.0/17" && output.subnet_id == aws_subnet.public[0].id
    error_message = "Outputs must describe the new network."
  }
}

run "existing_network_is_only_read" {
  command = plan

  variables {
    vpc_id            = "vpc-0a1b2c3d4e5f67890"
    subnet_id         = "subnet-0a1b2c3d4e5f67890"
    availability_zone = null
  }

  override_data {
    target = data.aws_subnet.existing[0]
    values = { vpc_id = "vpc-0a1b2c3d4e5f67890", availability_zone = "eu-west-2b", id = "subnet-0a1b2c3d4e5f67890", cidr_block = "100.64.0.0/24" }
  }

  override_data {
    target = data.aws_vpc.existing[0]
    values = { id = "vpc-0a1b2c3d4e5f67890", cidr_block = "172.31.0.0/16" }
  }

  assert {
    condition     = length(aws_vpc.this) + length(aws_subnet.public) + length(aws_internet_gateway.this) + length(aws_route_table.public) + length(aws_default_security_group.this) == 0
    error_message = "An existing network must not be managed."
  }

  assert {
    condition     = output.subnet_cidr == "100.64.0.0/24" && output.availability_zone == "eu-west-2b" && !output.created_vpc
    error_message = "Outputs come from the existing network; the nodes' range is the subnet's, here in a secondary range of the VPC."
  }
}

run "subnet_of_another_vpc_is_rejected" {
  command = plan

  variables {
    vpc_id    = "vpc-0a1b2c3d4e5f67890"
    subnet_id = "subnet-0a1b2c3d4e5f67890"
  }

  override_data {
    target = data.aws_subnet.existing[0]
    values = { vpc_id = "vpc-11111111111111111" }
  }

  expect_failures = [data.aws_subnet.existing]
}

run "vpc_without_subnet_is_rejected" {
  command = plan

  variables {
    vpc_id = "vpc-0a1b2c3d4e5f67890"
  }

  expect_failures = [var.subnet_id]
}

run "new_vpc_needs_a_zone" {
  command = plan

  variables {
    availability_zone = null
  }

  expect_failures = [var.availability_zone]
}

run "bad_cidr_is_rejected" {
  command = plan

  variables {
    vpc_cidr = "10.0.0.0/29"
  }

  expect_failures = [var.vpc_cidr]
}

run "bad_cluster_name_is_rejected" {
  command = plan

  variables {
    cluster_name = "Demo_1"
  }

  expect_failures = [var.cluster_name]
}
