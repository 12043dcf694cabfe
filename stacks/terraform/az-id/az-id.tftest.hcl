# The stack with aws.azId = "use1-az4" (stacks/terraform.test.ts synthesizes it): the plan goes on
# when aws.az names that zone in the account, and stops at the AZ check when it names another.

mock_provider "aws" {}

override_data {
  target = data.aws_prefix_list.s3-prefix-list
  values = {
    id          = "pl-63a5400a"
    cidr_blocks = ["54.231.0.0/16", "3.5.0.0/19"]
  }
}

override_data {
  target = data.aws_ssm_parameter.ami
  values = {
    insecure_value = "ami-0123456789abcdef0"
    value          = "ami-0123456789abcdef0"
  }
}

run "az_name_maps_to_the_pinned_zone" {
  command = plan

  override_data {
    target = data.aws_availability_zone.az
    values = {
      name    = "us-east-1a"
      zone_id = "use1-az4"
    }
  }

  assert {
    condition     = output.availability_zone_id == "use1-az4"
    error_message = "the zone ID is reported"
  }
}

run "az_name_maps_to_another_zone_in_this_account" {
  command = plan

  override_data {
    target = data.aws_availability_zone.az
    values = {
      name    = "us-east-1a"
      zone_id = "use1-az6"
    }
  }

  expect_failures = [data.aws_availability_zone.az]
}
