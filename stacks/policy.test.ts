import { prodConfig } from '../config/prod.js';
import { expectationsFor, fiveNodesWithDx, spreadOverAzs, synthPlatform } from './test-configs.js';
import {
  computeViolations, iamViolations, loggingViolations, openWorldViolations, policyViolations, routePortViolations, sshViolations,
  type PolicyExpectations,
} from './policy.js';
import { resourcesOf, type Json } from './test-support.js';

const variants = { prod: prodConfig, 'five nodes + Direct Connect': fiveNodesWithDx, 'NATS spread over AZs': spreadOverAzs };

describe.each(Object.entries(variants))('policy over the whole synthesized stack: %s', (_, input) => {
  let json: Json;
  let x: PolicyExpectations;
  beforeAll(() => {
    const { cfg, out } = synthPlatform(input);
    json = out.json;
    x = expectationsFor(cfg);
  });

  it('has no violation at all', () => {
    expect(policyViolations(json, x)).toEqual([]);
  });

  it('catches a single weakened resource in the real stack', () => {
    const broken = structuredClone(json);
    const nats1: Json = Object.values(broken.resource.aws_instance as Record<string, Json>).find((i) => i.tags['dsm:role'] === 'nats' && i.tags['dsm:node'] === '1');
    nats1.metadata_options.http_tokens = 'optional';
    const rule: Json = Object.values(broken.resource.aws_vpc_security_group_egress_rule as Record<string, Json>)[0];
    rule.cidr_ipv4 = '0.0.0.0/0';
    const violations = policyViolations(broken, x);
    expect(violations).toHaveLength(2);
    expect(violations[0]).toMatch(/^aws_vpc_security_group_egress_rule\..*: open to 0\.0\.0\.0\/0$/);
    expect(violations[1]).toMatch(/^aws_instance\.nats_nats-1_.*: IMDSv2 not required$/);
  });

  it('actually contains what the checks inspect', () => {
    expect(resourcesOf(json, 'aws_instance').length).toBeGreaterThanOrEqual(5);
    expect(resourcesOf(json, 'aws_launch_template')).toHaveLength(1);
    expect(resourcesOf(json, 'aws_vpc_security_group_ingress_rule').length).toBeGreaterThan(5);
    expect(resourcesOf(json, 'aws_network_acl_rule').length).toBeGreaterThan(20);
    expect(resourcesOf(json, 'aws_cloudwatch_log_group').length).toBeGreaterThanOrEqual(6);
    expect(resourcesOf(json, 'aws_iam_role_policy').length).toBeGreaterThanOrEqual(4);
    expect(resourcesOf(json, 'aws_cloudtrail')).toHaveLength(1);
  });

  it('keeps every NACL within the default 20 rules per direction (S3 prefix list counted as 4)', () => {
    const counts = new Map<string, number>();
    for (const [, r] of resourcesOf(json, 'aws_network_acl_rule')) {
      const key = `${r.network_acl_id} ${r.egress ? 'out' : 'in'}`;
      counts.set(key, (counts.get(key) ?? 0) + (r.for_each ? 4 : 1));
    }
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(20);
  });
});

// Each check must be able to fail, or the clean results above prove nothing.
describe('policy checks reject what they should', () => {
  const x: PolicyExpectations = { az: 'us-east-1a', natsNodeAzs: { 1: 'us-east-1a' }, natsSecurityGroupName: 'dsm-prod-nats', natsCidrs: ['10.40.1.0/24'], clusterPort: 6222 };
  const natsSg = { aws_security_group: { nats: { name: 'dsm-prod-nats' }, other: { name: 'dsm-prod-ingestion' } } };
  const goodInstance = {
    instance_type: 'c7gn.large', metadata_options: { http_tokens: 'required' }, root_block_device: { encrypted: true },
    placement_group: '${aws_placement_group.pg.name}', availability_zone: 'us-east-1a',
  };

  it('flags rules open to the world, egress and IPv6 included', () => {
    expect(openWorldViolations({
      aws_vpc_security_group_egress_rule: { e: { cidr_ipv4: '0.0.0.0/0', from_port: 443, to_port: 443 } },
      aws_network_acl_rule: { n: { ipv6_cidr_block: '::/0', egress: false } },
      aws_security_group: { g: { ingress: [{ cidr_blocks: ['10.0.0.0/8', '0.0.0.0/0'] }] } },
    })).toEqual([
      'aws_vpc_security_group_egress_rule.e: open to 0.0.0.0/0',
      'aws_network_acl_rule.n: open to ::/0',
      'aws_security_group.g (inline): open to 0.0.0.0/0',
    ]);
  });

  it('flags SSH rules and key pairs', () => {
    expect(sshViolations({ aws_vpc_security_group_ingress_rule: { s: { ip_protocol: 'tcp', from_port: 0, to_port: 1024, cidr_ipv4: '10.0.0.0/8' } }, aws_instance: { i: { key_name: 'ops' } } }))
      .toEqual(['aws_vpc_security_group_ingress_rule.s: admits SSH (22)', 'aws_instance.i: has an SSH key pair']);
  });

  it('flags the route port opened from anything but the NATS group or NATS subnets', () => {
    expect(routePortViolations({
      ...natsSg,
      aws_vpc_security_group_ingress_rule: {
        ok: { security_group_id: '${aws_security_group.nats.id}', referenced_security_group_id: '${aws_security_group.nats.id}', from_port: 6222, to_port: 6222 },
        bad: { security_group_id: '${aws_security_group.nats.id}', referenced_security_group_id: '${aws_security_group.other.id}', from_port: 6000, to_port: 7000 },
      },
      aws_network_acl_rule: { n: { egress: false, from_port: 6222, to_port: 6222, cidr_block: '10.40.10.0/24' } },
    }, x)).toEqual([
      'aws_vpc_security_group_ingress_rule.bad: opens route port 6222 to something other than the NATS security group',
      'aws_network_acl_rule.n: NACL admits route port 6222 from 10.40.10.0/24',
    ]);
  });

  it('flags instances without IMDSv2, encryption, ENA, the placement group or the AZ', () => {
    const pg = { aws_placement_group: { pg: { strategy: 'cluster' } } };
    expect(computeViolations({ ...pg, aws_instance: { good: goodInstance } }, x)).toEqual([]);
    expect(computeViolations({
      ...pg,
      aws_instance: { bad: { ...goodInstance, instance_type: 'm4.large', metadata_options: { http_tokens: 'optional' }, root_block_device: { encrypted: false }, placement_group: undefined, availability_zone: 'us-east-1b' } },
      aws_launch_template: { lt: { instance_type: 't2.micro', block_device_mappings: [{ device_name: '/dev/xvda', ebs: { encrypted: 'false' } }], placement: { availability_zone: 'us-east-1a' } } },
    }, x)).toEqual([
      'aws_instance.bad: IMDSv2 not required', 'aws_instance.bad: root volume not encrypted', 'aws_instance.bad: m4.large is not an ENA instance type',
      'aws_instance.bad: not in a placement group of this stack', 'aws_instance.bad: in us-east-1b, expected us-east-1a',
      'aws_launch_template.lt: IMDSv2 not required', 'aws_launch_template.lt: volume /dev/xvda not encrypted', 'aws_launch_template.lt: t2.micro is not an ENA instance type',
      'aws_launch_template.lt: not in a placement group of this stack',
    ]);
  });

  it('flags log groups without retention and trails without validation', () => {
    expect(loggingViolations({ aws_cloudwatch_log_group: { l: { name: '/x' } }, aws_cloudtrail: { t: { enable_log_file_validation: false } } }))
      .toEqual(['aws_cloudwatch_log_group.l: no retention', 'aws_cloudtrail.t: log file validation off']);
  });

  it('flags * on * and AdministratorAccess, but not scoped wildcards', () => {
    const doc = (Action: unknown, Resource: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });
    expect(iamViolations({
      aws_iam_role_policy: { star: { policy: doc('*', '*') }, list: { policy: doc(['s3:GetObject', '*'], ['*']) }, scoped: { policy: doc('kms:*', '*') } },
      aws_iam_role_policy_attachment: { admin: { policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } },
    })).toEqual(['aws_iam_role_policy.star: grants * on *', 'aws_iam_role_policy.list: grants * on *', 'aws_iam_role_policy_attachment.admin: attaches AdministratorAccess']);
  });

  it('flags SSM decryption not tied to named parameters, unscoped PutMetricData and CloudWatchAgentServerPolicy', () => {
    const stmt = (s: object) => JSON.stringify({ Version: '2012-10-17', Statement: [s] });
    const viaSsm = { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' };
    expect(iamViolations({
      aws_iam_role_policy: {
        anyParam: { policy: stmt({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:k'], Condition: { StringEquals: viaSsm } }) },
        ownParams: { policy: stmt({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:k'], Condition: { StringEquals: { ...viaSsm, 'kms:EncryptionContext:PARAMETER_ARN': ['arn:p'] } } }) },
        anyNs: { policy: stmt({ Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'] }) },
        dsmNs: { policy: stmt({ Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'], Condition: { StringEquals: { 'cloudwatch:namespace': 'DSM' } } }) },
      },
      aws_iam_role_policy_attachment: { cw: { policy_arn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy' } },
    })).toEqual([
      'aws_iam_role_policy.anyParam: kms:Decrypt via SSM not limited by kms:EncryptionContext:PARAMETER_ARN',
      'aws_iam_role_policy.anyNs: PutMetricData not limited to a namespace',
      'aws_iam_role_policy_attachment.cw: attaches CloudWatchAgentServerPolicy (PutMetricData in any namespace, any log group)',
    ]);
  });
});
