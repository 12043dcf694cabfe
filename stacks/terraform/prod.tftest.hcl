# terraform test over the synthesized prod stack (stacks/terraform.test.ts copies it beside
# cdk.tf.json and runs `terraform test` as part of `make test`). command = plan with a mocked
# provider: no AWS access, no credentials. The data sources the stack reads are overridden with
# the values AWS would return; the mock fills other computed attributes, and the few resource
# attributes the assertions read (key ARNs) are fixed so the policies are known at plan time.

mock_provider "aws" {
  override_during = plan

  override_resource {
    target = aws_kms_key.tls_key_1C741BA5
    values = {
      arn    = "arn:aws:kms:us-east-1:111122223333:key/tls"
      key_id = "tls"
    }
  }
  override_resource {
    target = aws_kms_key.monitoring_alarms-key_9238A3DD
    values = {
      arn    = "arn:aws:kms:us-east-1:111122223333:key/alarms"
      key_id = "alarms"
    }
  }
  override_resource {
    target = aws_launch_template.subscribers_template_456A6FCB
    values = {
      id             = "lt-0123456789abcdef0"
      latest_version = 7
    }
  }
}

override_data {
  target = data.aws_caller_identity.account
  values = {
    account_id = "111122223333"
    arn        = "arn:aws:iam::111122223333:user/plan"
    user_id    = "AIDAPLAN"
  }
}

override_data {
  target = data.aws_prefix_list.s3-prefix-list
  values = {
    id          = "pl-63a5400a"
    # Deliberately unsorted, as AWS may list them: rule numbers must not follow this order.
    cidr_blocks = ["54.231.0.0/16", "3.5.0.0/19", "52.216.0.0/15", "18.34.0.0/19"]
  }
}

override_data {
  target = data.aws_availability_zone.az
  values = {
    name    = "us-east-1a"
    zone_id = "use1-az4"
  }
}

override_data {
  target = data.aws_ssm_parameter.ami
  values = {
    insecure_value = "ami-0123456789abcdef0"
    value          = "ami-0123456789abcdef0"
  }
}

variables {
  tls_prefix = "arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls"
}

run "hosts_are_placed_and_hardened" {
  command = plan

  assert {
    condition = alltrue([
      for i in [aws_instance.nats_nats-1_65E9F14A, aws_instance.nats_nats-2_5828B6A8, aws_instance.nats_nats-3_B78E3905,
      aws_instance.ingestion_primary_67540B01, aws_instance.ingestion_standby_997A32B3] :
      i.placement_group == "dsm-prod-cluster"
    ])
    error_message = "every NATS and ingestion instance must be in the cluster placement group"
  }
  assert {
    condition     = aws_placement_group.network_cluster-pg_07D69430.strategy == "cluster"
    error_message = "the placement group must use the cluster strategy"
  }
  assert {
    condition     = aws_launch_template.subscribers_template_456A6FCB.placement[0].group_name == "dsm-prod-cluster"
    error_message = "subscribers must launch into the cluster placement group"
  }
  assert {
    condition = alltrue([
      for i in [aws_instance.nats_nats-1_65E9F14A, aws_instance.nats_nats-2_5828B6A8, aws_instance.nats_nats-3_B78E3905,
      aws_instance.ingestion_primary_67540B01, aws_instance.ingestion_standby_997A32B3] :
      i.metadata_options[0].http_tokens == "required" && i.metadata_options[0].http_put_response_hop_limit == 1
    ])
    error_message = "IMDSv2 (tokens required, hop limit 1) on every instance"
  }
  assert {
    condition     = aws_launch_template.subscribers_template_456A6FCB.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 on the subscriber launch template"
  }
  assert {
    condition     = aws_instance.nats_nats-1_65E9F14A.root_block_device[0].iops == 3000 && aws_instance.nats_nats-1_65E9F14A.root_block_device[0].throughput == 125
    error_message = "gp3 IOPS and throughput are explicit"
  }
  assert {
    condition     = strcontains(base64decode(aws_instance.nats_nats-1_65E9F14A.user_data_base64), "fetch_tls() {") && strcontains(base64decode(aws_instance.nats_nats-1_65E9F14A.user_data_base64), "$${DSM_TLS_WAIT_SECONDS:-3600}")
    error_message = "user data reaches the host byte for byte (bash $${...} intact)"
  }
}

run "subscriber_scaling" {
  command = plan

  assert {
    condition     = aws_autoscaling_group.subscribers_group_28E88011.launch_template[0].version == "7"
    error_message = "the group must follow the template's latest_version (a new version starts the instance refresh), not $Latest"
  }
  assert {
    condition     = aws_autoscaling_group.subscribers_group_28E88011.instance_refresh[0].strategy == "Rolling"
    error_message = "instance refresh is rolling"
  }
  assert {
    condition = [
      for m in aws_autoscaling_policy.subscribers_delivered-msgs-per-instance_7309AA9F.target_tracking_configuration[0].customized_metric_specification[0].metrics :
      m.id if m.return_data
    ] == ["per_instance"]
    error_message = "the delivered-per-instance policy returns one metric math expression"
  }
  assert {
    condition = contains([
      for m in aws_autoscaling_policy.subscribers_delivered-msgs-per-instance_7309AA9F.target_tracking_configuration[0].customized_metric_specification[0].metrics :
      length(m.metric_stat) > 0 ? "${m.metric_stat[0].metric[0].namespace}/${m.metric_stat[0].metric[0].metric_name}" : "expr"
    ], "AWS/AutoScaling/GroupInServiceInstances")
    error_message = "the per-instance figure divides by the group's in-service instances"
  }
}

run "each_tier_reads_only_its_own_keys" {
  command = plan

  # Subscribers: may decrypt only the CA and their own identity's certificate and key.
  assert {
    condition = toset(one([
      for s in jsondecode(aws_iam_role_policy.subscribers_role_permissions_79A1466B.policy).Statement :
      s.Condition.StringEquals["kms:EncryptionContext:PARAMETER_ARN"] if s.Sid == "DecryptOwnTlsParametersViaSsm"
    ])) == toset(["${var.tls_prefix}/ca.crt", "${var.tls_prefix}/clients/subscriber.crt", "${var.tls_prefix}/clients/subscriber.key"])
    error_message = "subscribers decrypt only their own TLS parameters"
  }
  assert {
    condition = contains(one([
      for s in jsondecode(aws_iam_role_policy.subscribers_role_permissions_79A1466B.policy).Statement :
      s.Resource if s.Sid == "NoOtherTiersTlsParameters" && s.Effect == "Deny"
    ]), "${var.tls_prefix}/servers/nats-1.key")
    error_message = "subscribers are explicitly denied the NATS server keys"
  }
  assert {
    condition = contains(one([
      for s in jsondecode(aws_iam_role_policy.subscribers_role_permissions_79A1466B.policy).Statement :
      s.Resource if s.Sid == "NoOtherTiersTlsParameters" && s.Effect == "Deny"
    ]), "${var.tls_prefix}/clients/ingest.key")
    error_message = "subscribers are explicitly denied the ingest client key (it carries publish rights)"
  }
  # Ingestion: its own identity only, never a server key.
  assert {
    condition = alltrue([
      for arn in one([
        for s in jsondecode(aws_iam_role_policy.ingestion_role_permissions_331BABEE.policy).Statement :
        s.Condition.StringEquals["kms:EncryptionContext:PARAMETER_ARN"] if s.Sid == "DecryptOwnTlsParametersViaSsm"
      ]) : !strcontains(arn, "/servers/") && !strcontains(arn, "subscriber")
    ])
    error_message = "ingestion decrypts no server key and no subscriber key"
  }
  # NATS hosts: server certificates and the ops identity, and they alone publish metrics (DSM namespace only).
  assert {
    condition = contains(one([
      for s in jsondecode(aws_iam_role_policy.nats_role_permissions_C493A5AD.policy).Statement :
      s.Condition.StringEquals["kms:EncryptionContext:PARAMETER_ARN"] if s.Sid == "DecryptOwnTlsParametersViaSsm"
    ]), "${var.tls_prefix}/servers/nats-2.key")
    error_message = "NATS hosts decrypt the server keys"
  }
  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.nats_role_permissions_C493A5AD.policy).Statement :
      s.Condition.StringEquals["cloudwatch:namespace"] if s.Sid == "PublishDsmMetricsOnly"
    ]) == "DSM"
    error_message = "PutMetricData is scoped to the DSM namespace"
  }
  assert {
    condition = length([
      for s in jsondecode(aws_iam_role_policy.subscribers_role_permissions_79A1466B.policy).Statement : s if s.Sid == "PublishDsmMetricsOnly"
    ]) == 0
    error_message = "subscribers publish no CloudWatch metrics"
  }
}

run "stable_s3_nacl_rules_and_encrypted_alarms" {
  command = plan

  assert {
    condition = [
      aws_network_acl_rule.nacls_nats-out-s3-0_4DBF6D1F.rule_number, aws_network_acl_rule.nacls_nats-out-s3-1_B0EAA40D.rule_number,
      aws_network_acl_rule.nacls_nats-out-s3-2_835C7F79.rule_number, aws_network_acl_rule.nacls_nats-out-s3-3_C1337710.rule_number,
    ] == [900, 901, 902, 903]
    error_message = "S3 NACL rules take fixed numbers"
  }
  assert {
    condition     = aws_network_acl_rule.nacls_nats-out-s3-0_4DBF6D1F.cidr_block == "18.34.0.0/19"
    error_message = "slot 0 holds the first CIDR in sorted order, whatever order AWS lists them in"
  }
  assert {
    condition     = aws_sns_topic.monitoring_alarms_F5F1F8D1.kms_master_key_id == "arn:aws:kms:us-east-1:111122223333:key/alarms"
    error_message = "the alarm topic is encrypted"
  }
}
