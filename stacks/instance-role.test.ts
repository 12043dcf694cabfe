import { InstanceRole } from './instance-role.js';
import { IamInstanceProfile, IamRole } from './aws.js';
import { only, resourcesOf, synthScope, type Synthesized } from './test-support.js';

describe('InstanceRole', () => {
  let out: Synthesized;
  beforeAll(() => {
    out = synthScope((s) => new InstanceRole(s, 'role', {
      name: 'dsm-prod-nats', partition: 'aws-us-gov', region: 'us-gov-west-1',
      parameterArns: ['arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/dsm/prod/tls/ca.crt'], kmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:1:key/k',
      deniedParameterArns: ['arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/dsm/prod/tls/servers/nats-1.key'],
      logGroupArns: ['arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/dsm/prod/boot'], metricsNamespace: 'DSM',
      extraStatements: [{ Sid: 'Extra', Effect: 'Allow', Action: ['autoscaling:CompleteLifecycleAction'], Resource: ['arn:x'] }],
    }));
  });

  it('is assumable by EC2 only, with an instance profile of the same name', () => {
    expect(out.text).toHaveResourceWithProperties(IamRole, { name: 'dsm-prod-nats' });
    expect(JSON.parse(only(out.json, 'aws_iam_role').assume_role_policy)).toEqual({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(out.text).toHaveResourceWithProperties(IamInstanceProfile, { name: 'dsm-prod-nats' });
  });

  it('attaches SSM core only, in the right partition (CloudWatchAgentServerPolicy would allow any namespace and log group)', () => {
    expect(resourcesOf(out.json, 'aws_iam_role_policy_attachment').map(([, a]) => a.policy_arn)).toEqual([
      'arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore',
    ]);
  });

  it('reads only the given parameters, decrypts only those through SSM, denies the rest, ships its logs, publishes DSM metrics only, plus the extra statements', () => {
    const doc = JSON.parse(only(out.json, 'aws_iam_role_policy').policy);
    expect(doc.Statement).toEqual([
      { Sid: 'ReadTlsParameters', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: ['arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/dsm/prod/tls/ca.crt'] },
      // SSM sets PARAMETER_ARN in the encryption context: the key decrypts this tier's parameters only.
      {
        Sid: 'DecryptOwnTlsParametersViaSsm', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:aws-us-gov:kms:us-gov-west-1:1:key/k'],
        Condition: { StringEquals: { 'kms:ViaService': 'ssm.us-gov-west-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': ['arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/dsm/prod/tls/ca.crt'] } },
      },
      // AmazonSSMManagedInstanceCore allows ssm:GetParameter on *: the other tiers' parameters are denied outright.
      { Sid: 'NoOtherTiersTlsParameters', Effect: 'Deny', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'], Resource: ['arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/dsm/prod/tls/servers/nats-1.key'] },
      { Sid: 'NoParameterPathReads', Effect: 'Deny', Action: ['ssm:GetParametersByPath'], Resource: ['*'] },
      {
        Sid: 'ShipJournalToOwnLogGroups', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: ['arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/dsm/prod/boot', 'arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/dsm/prod/boot:*'],
      },
      { Sid: 'PublishDsmMetricsOnly', Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'], Condition: { StringEquals: { 'cloudwatch:namespace': 'DSM' } } },
      { Sid: 'Extra', Effect: 'Allow', Action: ['autoscaling:CompleteLifecycleAction'], Resource: ['arn:x'] },
    ]);
  });
});
