/**
 * Audit: CloudTrail (management events, which include every EC2 API call) into an S3 bucket that
 * is KMS-encrypted, versioned, private and TLS-only, with log file validation so a tampered
 * digest shows; and VPC flow logs into a KMS-encrypted log group with the configured retention.
 */
import { Construct } from './cdktf.js';
import {
  Cloudtrail, CloudwatchLogGroup, FlowLog, IamRole, IamRolePolicy, KmsAlias, KmsKey, S3Bucket, S3BucketOwnershipControls,
  S3BucketLifecycleConfiguration, S3BucketPolicy, S3BucketPublicAccessBlock, S3BucketServerSideEncryptionConfigurationA, S3BucketVersioningA,
} from './aws.js';
import type { ITerraformDependable } from './cdktf.js';

export interface AuditProps {
  name: string;
  env: string;
  partition: string;
  region: string;
  accountId: string;
  vpcId: string;
  logRetentionDays: number;
  /** Days CloudTrail log files (current and noncurrent versions) stay in the bucket. */
  trailRetentionDays: number;
}

export class Audit extends Construct {
  readonly bucket: S3Bucket;
  readonly trail: Cloudtrail;
  readonly key: KmsKey;
  readonly flowLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: AuditProps) {
    super(scope, id);
    const { partition, region, accountId } = props;
    const trailName = `${props.name}-trail`;
    const trailArn = `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${trailName}`;
    const flowLogGroupName = `/dsm/${props.env}/vpc-flow-logs`;

    this.key = new KmsKey(this, 'key', {
      description: `${props.name} audit logs (CloudTrail, VPC flow logs)`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AccountAdministersKey', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'CloudTrailEncryptsThisTrail', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*', Resource: '*',
            Condition: { StringEquals: { 'aws:SourceArn': trailArn }, StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${partition}:cloudtrail:*:${accountId}:trail/*` } },
          },
          { Sid: 'CloudTrailDescribesKey', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:DescribeKey', Resource: '*' },
          {
            Sid: 'LogsEncryptFlowLogs', Effect: 'Allow', Principal: { Service: `logs.${region}.amazonaws.com` },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'], Resource: '*',
            Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${accountId}:log-group:${flowLogGroupName}` } },
          },
        ],
      }),
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}-audit`, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, 'bucket', { bucketPrefix: `${props.name}-trail-`, forceDestroy: false });
    // S3 rejects concurrent configuration changes to one bucket ("OperationAborted: A conflicting
    // conditional operation is in progress"), and terraform would apply these in parallel: each
    // sub-resource waits for the one before it.
    const chain: ITerraformDependable[] = [];
    const after = <T extends ITerraformDependable>(r: T): T => { chain.push(r); return r; };
    const dependsOn = () => (chain.length ? { dependsOn: [chain[chain.length - 1]!] } : {});
    after(new S3BucketPublicAccessBlock(this, 'public-access-block', { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }));
    after(new S3BucketOwnershipControls(this, 'ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' }, ...dependsOn() }));
    after(new S3BucketVersioningA(this, 'versioning', { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' }, ...dependsOn() }));
    after(new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
      ...dependsOn(),
    }));
    // Versioning keeps every overwritten or deleted object as a noncurrent version: expire those too,
    // or the bucket grows forever whatever the retention says.
    after(new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [{
        id: 'trail-retention', status: 'Enabled', filter: [{ prefix: '' }],
        expiration: [{ days: props.trailRetentionDays }],
        noncurrentVersionExpiration: [{ noncurrentDays: props.trailRetentionDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      }],
      ...dependsOn(),
    }));
    const policy = new S3BucketPolicy(this, 'policy', {
      ...dependsOn(),
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CloudTrailAclCheck', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:GetBucketAcl', Resource: this.bucket.arn, Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
          },
          {
            Sid: 'CloudTrailWrite', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:PutObject', Resource: `${this.bucket.arn}/AWSLogs/${accountId}/*`,
            Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
          },
          {
            Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
    this.trail = new Cloudtrail(this, 'trail', {
      name: trailName,
      s3BucketName: this.bucket.id,
      kmsKeyId: this.key.arn,
      enableLogFileValidation: true,
      enableLogging: true,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: true,
      eventSelector: [{ readWriteType: 'All', includeManagementEvents: true }],
      dependsOn: [policy],
    });

    this.flowLogGroup = new CloudwatchLogGroup(this, 'flow-logs', { name: flowLogGroupName, retentionInDays: props.logRetentionDays, kmsKeyId: this.key.arn });
    const flowRole = new IamRole(this, 'flow-logs-role', {
      name: `${props.name}-vpc-flow-logs`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
        }],
      }),
    });
    new IamRolePolicy(this, 'flow-logs-write', {
      name: `${props.name}-vpc-flow-logs-write`,
      role: flowRole.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups'],
          Resource: [this.flowLogGroup.arn, `${this.flowLogGroup.arn}:*`],
        }],
      }),
    });
    new FlowLog(this, 'flow-log', {
      vpcId: props.vpcId, trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', logDestination: this.flowLogGroup.arn,
      iamRoleArn: flowRole.arn, maxAggregationInterval: 60, tags: { Name: `${props.name}-vpc` },
    });
  }
}
