import { Audit } from './audit.js';
import { Cloudtrail, CloudwatchLogGroup, FlowLog, S3BucketPublicAccessBlock, S3BucketServerSideEncryptionConfigurationA } from './aws.js';
import { only, resourcesOf, synthScope, type Json, type Synthesized } from './test-support.js';

describe('Audit', () => {
  let out: Synthesized;
  beforeAll(() => {
    out = synthScope((s) => new Audit(s, 'audit', { name: 'dsm-prod', env: 'prod', partition: 'aws', region: 'us-east-1', accountId: '111122223333', vpcId: 'vpc-1', logRetentionDays: 90, trailRetentionDays: 365 }));
  });

  it('trails management events (EC2 API calls included) with log file validation, KMS-encrypted', () => {
    expect(out.text).toHaveResourceWithProperties(Cloudtrail, {
      name: 'dsm-prod-trail', enable_log_file_validation: true, is_multi_region_trail: true, include_global_service_events: true,
      event_selector: [{ read_write_type: 'All', include_management_events: true }],
    });
    const trail = only(out.json, 'aws_cloudtrail');
    expect(trail.kms_key_id).toMatch(/^\$\{aws_kms_key\.audit_key_/);
    expect(trail.depends_on[0]).toMatch(/^aws_s3_bucket_policy\./);
  });

  it('keeps the bucket private, versioned and KMS-encrypted', () => {
    expect(out.text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(out.text).toHaveResource(S3BucketServerSideEncryptionConfigurationA);
    const [rule] = only(out.json, 'aws_s3_bucket_server_side_encryption_configuration').rule;
    expect(rule.bucket_key_enabled).toBe(true);
    expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    expect(rule.apply_server_side_encryption_by_default.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.audit_key_[A-F0-9]+\.arn\}$/);
    expect(only(out.json, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
  });

  it('expires trail logs (and their noncurrent versions) after the configured retention', () => {
    const [rule] = only(out.json, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rule).toMatchObject({
      status: 'Enabled', expiration: [{ days: 365 }], noncurrent_version_expiration: [{ noncurrent_days: 365 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
  });

  it('applies the bucket sub-resources one after another (S3 aborts concurrent bucket changes)', () => {
    const order = ['aws_s3_bucket_public_access_block', 'aws_s3_bucket_ownership_controls', 'aws_s3_bucket_versioning',
      'aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_lifecycle_configuration', 'aws_s3_bucket_policy'];
    const address = (type: string) => `${type}.${resourcesOf(out.json, type)[0]![0]}`;
    for (let k = 1; k < order.length; k++) {
      expect((only(out.json, order[k]!) as Json).depends_on).toEqual([address(order[k - 1]!)]);
    }
    expect(only(out.json, order[0]!).depends_on).toBeUndefined();
    expect(only(out.json, 'aws_cloudtrail').depends_on).toEqual([address('aws_s3_bucket_policy')]);
  });

  it('lets only this trail write, only over TLS', () => {
    const policy = JSON.parse(only(out.json, 'aws_s3_bucket_policy').policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.CloudTrailWrite.Condition.StringEquals).toEqual({ 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': 'arn:aws:cloudtrail:us-east-1:111122223333:trail/dsm-prod-trail' });
    expect(bySid.CloudTrailWrite.Resource).toMatch(/\/AWSLogs\/111122223333\/\*$/);
    expect(bySid.DenyInsecureTransport).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('lets CloudTrail and Logs use the key only for this trail and log group', () => {
    const key = JSON.parse(only(out.json, 'aws_kms_key').policy);
    const trail = key.Statement.find((s: { Sid: string }) => s.Sid === 'CloudTrailEncryptsThisTrail');
    expect(trail.Condition.StringEquals['aws:SourceArn']).toBe('arn:aws:cloudtrail:us-east-1:111122223333:trail/dsm-prod-trail');
    const logs = key.Statement.find((s: { Sid: string }) => s.Sid === 'LogsEncryptFlowLogs');
    expect(logs.Principal).toEqual({ Service: 'logs.us-east-1.amazonaws.com' });
    expect(logs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']).toBe('arn:aws:logs:us-east-1:111122223333:log-group:/dsm/prod/vpc-flow-logs');
    expect(only(out.json, 'aws_kms_key').enable_key_rotation).toBe(true);
  });

  it('sends all VPC flow logs to a retained, encrypted log group', () => {
    expect(out.text).toHaveResourceWithProperties(FlowLog, { vpc_id: 'vpc-1', traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs', max_aggregation_interval: 60 });
    expect(out.text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/dsm/prod/vpc-flow-logs', retention_in_days: 90 });
    const write = JSON.parse(only(out.json, 'aws_iam_role_policy').policy);
    expect(write.Statement[0].Resource).toHaveLength(2);
    expect(write.Statement[0].Resource.every((r: string) => r.startsWith('${aws_cloudwatch_log_group.audit_flow-logs_'))).toBe(true);
  });
});
