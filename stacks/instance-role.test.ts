import { InstanceRole } from './instance-role.js';
import { IamInstanceProfile, IamRole } from './aws.js';
import { only, resourcesOf, synthScope, type Synthesized } from './test-support.js';

describe('InstanceRole', () => {
  let out: Synthesized;
  beforeAll(() => {
    out = synthScope((s) => new InstanceRole(s, 'role', {
      name: 'dsm-prod-nats', partition: 'aws-us-gov', region: 'us-gov-west-1',
      parameterArns: ['arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/dsm/prod/tls/ca.crt'], kmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:1:key/k',
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

  it('attaches SSM core and the CloudWatch agent in the right partition', () => {
    expect(resourcesOf(out.json, 'aws_iam_role_policy_attachment').map(([, a]) => a.policy_arn).sort()).toEqual([
      'arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore', 'arn:aws-us-gov:iam::aws:policy/CloudWatchAgentServerPolicy',
    ]);
  });

  it('reads only the given parameters, decrypts only through SSM, plus the extra statements', () => {
    const doc = JSON.parse(only(out.json, 'aws_iam_role_policy').policy);
    expect(doc.Statement).toEqual([
      { Sid: 'ReadTlsParameters', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: ['arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/dsm/prod/tls/ca.crt'] },
      { Sid: 'DecryptTlsParametersViaSsm', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:aws-us-gov:kms:us-gov-west-1:1:key/k'], Condition: { StringEquals: { 'kms:ViaService': 'ssm.us-gov-west-1.amazonaws.com' } } },
      { Sid: 'Extra', Effect: 'Allow', Action: ['autoscaling:CompleteLifecycleAction'], Resource: ['arn:x'] },
    ]);
  });
});
