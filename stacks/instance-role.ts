/**
 * An EC2 instance role for one tier: SSM Session Manager (the only way in), the CloudWatch agent,
 * and read access to exactly the TLS parameters the tier needs, decryptable only through SSM.
 */
import { Construct } from './cdktf.js';
import { IamInstanceProfile, IamRole, IamRolePolicy, IamRolePolicyAttachment } from './aws.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface InstanceRoleProps {
  /** Role name, e.g. dsm-prod-nats. */
  name: string;
  partition: string;
  region: string;
  /** ARNs of the SSM parameters this tier may read. */
  parameterArns: string[];
  /** KMS key the parameters are encrypted with. */
  kmsKeyArn: string;
  /** Tier-specific permissions (e.g. completing an ASG lifecycle action). */
  extraStatements?: PolicyStatement[];
}

export const MANAGED_POLICIES = ['AmazonSSMManagedInstanceCore', 'CloudWatchAgentServerPolicy'] as const;

/** Client settings moved by the feedback loop (`dsm tune`): plain String parameters, read only. */
export function readTunedSettings(parameterArn: string): PolicyStatement {
  return { Sid: 'ReadTunedClientSettings', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: [parameterArn] };
}

export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export class InstanceRole extends Construct {
  readonly role: IamRole;
  readonly profile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: InstanceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    for (const policy of MANAGED_POLICIES) {
      new IamRolePolicyAttachment(this, policy, { role: this.role.name, policyArn: `arn:${props.partition}:iam::aws:policy/${policy}` });
    }
    new IamRolePolicy(this, 'permissions', {
      name: `${props.name}-permissions`,
      role: this.role.id,
      policy: policyDocument([
        { Sid: 'ReadTlsParameters', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: props.parameterArns },
        {
          Sid: 'DecryptTlsParametersViaSsm', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [props.kmsKeyArn],
          Condition: { StringEquals: { 'kms:ViaService': `ssm.${props.region}.amazonaws.com` } },
        },
        ...(props.extraStatements ?? []),
      ]),
    });
    this.profile = new IamInstanceProfile(this, 'profile', { name: props.name, role: this.role.name });
  }
}
