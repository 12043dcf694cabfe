/**
 * The only file that imports @cdktf/provider-aws. Each resource comes from its own submodule
 * path: importing the package root loads all ~2,200 resource classes and makes synth slow.
 * Pinned: @cdktf/provider-aws 21.22.1 (hashicorp/aws 6.25.0), cdktf 0.21.0.
 */
export { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
export { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
export { DataAwsPrefixList } from '@cdktf/provider-aws/lib/data-aws-prefix-list/index.js';
export { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
export { DataAwsAvailabilityZone } from '@cdktf/provider-aws/lib/data-aws-availability-zone/index.js';
// network
export { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
export { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
export { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
export { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
export { PlacementGroup } from '@cdktf/provider-aws/lib/placement-group/index.js';
export { NetworkAcl } from '@cdktf/provider-aws/lib/network-acl/index.js';
export { NetworkAclRule } from '@cdktf/provider-aws/lib/network-acl-rule/index.js';
export { NetworkAclAssociation } from '@cdktf/provider-aws/lib/network-acl-association/index.js';
export { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
export { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
export { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
export { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
export { FlowLog } from '@cdktf/provider-aws/lib/flow-log/index.js';
// direct connect
export { DxGateway } from '@cdktf/provider-aws/lib/dx-gateway/index.js';
export { DxGatewayAssociation } from '@cdktf/provider-aws/lib/dx-gateway-association/index.js';
export { DxHostedPrivateVirtualInterfaceAccepter } from '@cdktf/provider-aws/lib/dx-hosted-private-virtual-interface-accepter/index.js';
export { VpnGateway } from '@cdktf/provider-aws/lib/vpn-gateway/index.js';
export { VpnGatewayRoutePropagation } from '@cdktf/provider-aws/lib/vpn-gateway-route-propagation/index.js';
// compute
export { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
export { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
export { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
export { AutoscalingPolicy } from '@cdktf/provider-aws/lib/autoscaling-policy/index.js';
export { AutoscalingLifecycleHook } from '@cdktf/provider-aws/lib/autoscaling-lifecycle-hook/index.js';
// identity and secrets
export { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
export { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
export { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
export { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
export { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
export { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
export { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter/index.js';
// dns
export { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone/index.js';
export { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
// monitoring and audit
export { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
export { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
export { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
export { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
export { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
export { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail/index.js';
export { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
export { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
export { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
export { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
export { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
export { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
export { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
