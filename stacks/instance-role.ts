/**
 * An EC2 instance role for one tier: SSM Session Manager (the only way in), log shipping into the
 * stack's log groups, and read access to exactly the TLS parameters the tier needs.
 *
 * AmazonSSMManagedInstanceCore (needed for Session Manager) grants ssm:GetParameter(s) on `*`, so
 * an Allow list alone isolates nothing. Two independent fences keep one tier out of another's keys:
 * kms:Decrypt is allowed only with SSM's encryption context naming one of this tier's parameters
 * (kms:EncryptionContext:PARAMETER_ARN, set by Parameter Store on every SecureString), and an
 * explicit Deny covers every other tier's TLS parameter and GetParametersByPath.
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
  /** ARNs of the other tiers' TLS parameters: explicitly denied (the managed SSM policy allows `*`). */
  deniedParameterArns: string[];
  /** Log groups the host's CloudWatch agent ships journald into (ARNs, without the `:*` suffix). */
  logGroupArns: string[];
  /** CloudWatch namespace this tier may publish metrics to (only the tier running the metrics agent). */
  metricsNamespace?: string;
  /** KMS key the parameters are encrypted with. */
  kmsKeyArn: string;
  /** Tier-specific permissions (e.g. completing an ASG lifecycle action). */
  extraStatements?: PolicyStatement[];
}

/**
 * Session Manager only. CloudWatchAgentServerPolicy is deliberately absent: it allows PutMetricData
 * into any namespace and writing any log group; the statements below scope both.
 */
export const MANAGED_POLICIES = ['AmazonSSMManagedInstanceCore'] as const;

/** Parameter reads a host could use on someone else's parameters. */
export const PARAMETER_READS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'] as const;

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
          Sid: 'DecryptOwnTlsParametersViaSsm', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [props.kmsKeyArn],
          Condition: { StringEquals: { 'kms:ViaService': `ssm.${props.region}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': props.parameterArns } },
        },
        ...(props.deniedParameterArns.length
          ? [{ Sid: 'NoOtherTiersTlsParameters', Effect: 'Deny' as const, Action: [...PARAMETER_READS], Resource: props.deniedParameterArns }]
          : []),
        // Hosts read parameters by name only; a path read (`/dsm`, recursive) would return every tier's.
        { Sid: 'NoParameterPathReads', Effect: 'Deny', Action: ['ssm:GetParametersByPath'], Resource: ['*'] },
        {
          Sid: 'ShipJournalToOwnLogGroups', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: props.logGroupArns.flatMap((arn) => [arn, `${arn}:*`]),
        },
        ...(props.metricsNamespace
          ? [{
              Sid: 'PublishDsmMetricsOnly', Effect: 'Allow' as const, Action: ['cloudwatch:PutMetricData'], Resource: ['*'],
              Condition: { StringEquals: { 'cloudwatch:namespace': props.metricsNamespace } },
            }]
          : []),
        ...(props.extraStatements ?? []),
      ]),
    });
    this.profile = new IamInstanceProfile(this, 'profile', { name: props.name, role: this.role.name });
  }
}
