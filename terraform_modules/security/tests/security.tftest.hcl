mock_provider "aws" {}

variables {
  cluster_name = "demo"
  vpc_id       = "vpc-0a1b2c3d4e5f67890"
  ssh_cidr     = "203.0.113.7/32"
}

run "ssh_only_from_ssh_cidr" {
  command = plan

  assert {
    condition     = length(aws_security_group.head.ingress) == 1
    error_message = "The head group has exactly one ingress rule."
  }

  assert {
    condition = alltrue([for rule in aws_security_group.head.ingress :
    rule.from_port == 22 && rule.to_port == 22 && rule.protocol == "tcp" && rule.cidr_blocks == tolist(["203.0.113.7/32"])])
    error_message = "The head group admits SSH from ssh_cidr only."
  }
}

run "intra_admits_its_members_only" {
  command = plan

  assert {
    condition = alltrue([for rule in aws_security_group.intra.ingress :
    rule.self && try(length(rule.cidr_blocks), 0) == 0 && rule.protocol == "-1"])
    error_message = "The intra group admits every protocol from its members and from no address range."
  }

  assert {
    condition     = aws_security_group.intra.tags["clusterwiz:cluster"] == "demo" && aws_security_group.head.tags["clusterwiz:cluster"] == "demo"
    error_message = "Both groups carry clusterwiz:cluster."
  }
}

run "outputs_map_both_groups" {
  assert {
    condition     = output.security_group_ids == { head = aws_security_group.head.id, intra = aws_security_group.intra.id }
    error_message = "security_group_ids maps head and intra."
  }
}

run "ssh_from_anywhere_is_rejected" {
  command = plan

  variables {
    ssh_cidr = "0.0.0.0/0"
  }

  expect_failures = [var.ssh_cidr]
}

run "malformed_ssh_cidr_is_rejected" {
  command = plan

  variables {
    ssh_cidr = "203.0.113.7"
  }

  expect_failures = [var.ssh_cidr]
}
