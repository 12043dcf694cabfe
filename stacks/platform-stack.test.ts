import { prodConfig } from '../config/prod.js';
import { localConfig } from '../config/local.js';
import { ConfigError, validateConfig } from '../config/load.js';
import type { DsmConfigInput } from '../config/schema.js';
import { Testing } from './cdktf.js';
import { DsmPlatformStack } from './platform-stack.js';
import { AwsProvider, DataAwsSsmParameter, DxGateway, DxHostedPrivateVirtualInterfaceAccepter, SnsTopicSubscription } from './aws.js';
import { fiveNodesWithDx, spreadOverAzs, synthPlatform } from './test-configs.js';
import { resourcesOf, type Json, type Synthesized } from './test-support.js';
import { validateDashboardBody } from '../dashboards/validate.js';
import { METRIC_NAMES } from '../config/metrics.js';

const count = (json: Json, type: string) => resourcesOf(json, type).length;
const DX_TYPES = ['aws_dx_gateway', 'aws_vpn_gateway', 'aws_dx_gateway_association', 'aws_vpn_gateway_route_propagation', 'aws_dx_hosted_private_virtual_interface_accepter'];

describe('DsmPlatformStack', () => {
  let prod: Synthesized;
  let five: Synthesized;
  let spread: Synthesized;
  beforeAll(() => {
    prod = synthPlatform(prodConfig).out;
    five = synthPlatform(fiveNodesWithDx).out;
    spread = synthPlatform(spreadOverAzs).out;
  });

  it('configures the AWS provider from config, state kept locally, no credentials needed to synth', () => {
    expect(prod.text).toHaveProviderWithProperties(AwsProvider, { region: 'us-east-1' });
    expect(prod.json.provider.aws[0].default_tags).toEqual([{ tags: { project: 'dsm', env: 'prod', 'dsm:env': 'prod' } }]);
    expect(prod.json.terraform.backend).toEqual({ local: { path: '../../../.dsm/prod/terraform.tfstate' } });
    expect(prod.text).toHaveDataSourceWithProperties(DataAwsSsmParameter, { name: '/dsm/prod/ami-id' });
  });

  it('builds 3 NATS nodes for prod and 5 when the config says 5', () => {
    for (const [out, n] of [[prod, 3], [five, 5]] as const) {
      const nats = resourcesOf(out.json, 'aws_instance').map(([, i]) => i).filter((i) => i.tags['dsm:role'] === 'nats');
      expect(nats.map((i) => i.private_ip)).toEqual(Array.from({ length: n }, (_, k) => `10.40.${k + 1}.10`));
      expect(count(out.json, 'aws_route53_record')).toBe(n);
      expect(resourcesOf(out.json, 'aws_subnet').filter(([, s]) => s.tags['dsm:tier'] === 'nats')).toHaveLength(n);
      expect(resourcesOf(out.json, 'aws_cloudwatch_metric_alarm').filter(([, a]) => a.metric_name === 'StatusCheckFailed_System')).toHaveLength(n);
      expect(count(out.json, 'aws_ssm_parameter')).toBe(1 + 2 * n + 2 * 4);
    }
    const fiveRoutes = resourcesOf(five.json, 'aws_cloudwatch_metric_alarm').map(([, a]) => a).filter((a) => a.metric_name === 'NatsRoutes');
    expect(fiveRoutes.map((a) => a.threshold)).toEqual([4, 4, 4, 4, 4]);
    const prodNacl = resourcesOf(prod.json, 'aws_network_acl_rule').filter(([, r]) => r.from_port === 6222 && !r.egress).map(([, r]) => r.cidr_block);
    expect(prodNacl.sort()).toEqual(['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24']);
  });

  it('creates Direct Connect resources only when enabled', () => {
    for (const type of DX_TYPES) {
      expect(count(prod.json, type)).toBe(0);
      expect(count(five.json, type)).toBe(1);
    }
    expect(five.text).toHaveResourceWithProperties(DxGateway, { amazon_side_asn: '64600' });
    expect(five.text).toHaveResourceWithProperties(DxHostedPrivateVirtualInterfaceAccepter, { virtual_interface_id: 'dxvif-abc123' });
    const propagation = resourcesOf(five.json, 'aws_vpn_gateway_route_propagation')[0]![1];
    expect(propagation.route_table_id).toMatch(/^\$\{aws_route_table\.network_ingestion-rt_/);
    const feedRules = resourcesOf(five.json, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.ip_protocol === 'udp');
    expect(feedRules.map((r) => r.cidr_ipv4).sort()).toEqual(['192.0.2.0/24', '198.51.100.0/24']);
    expect(five.text).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: 'email', endpoint: 'oncall@example.com' });
  });

  it('spreads NATS over AZs with a spread placement group, leaving the rest in one AZ', () => {
    const nats = resourcesOf(spread.json, 'aws_instance').map(([, i]) => i).filter((i) => i.tags['dsm:role'] === 'nats');
    expect(nats.map((i) => i.availability_zone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(nats.every((i) => /aws_placement_group\.network_nats-spread-pg_/.test(i.placement_group))).toBe(true);
    const ingest = resourcesOf(spread.json, 'aws_instance').map(([, i]) => i).filter((i) => i.tags['dsm:role'] === 'ingest');
    expect(ingest.every((i) => i.availability_zone === 'us-east-1a' && /network_cluster-pg_/.test(i.placement_group))).toBe(true);
    expect(count(prod.json, 'aws_placement_group')).toBe(1);
  });

  it('lets NATS hosts read their server material and the ops client certificate, nothing else', () => {
    const nats = resourcesOf(prod.json, 'aws_iam_role_policy').map(([, p]) => p).find((p) => p.name === 'dsm-prod-nats-permissions');
    const read = JSON.parse(nats.policy).Statement[0].Resource.map((arn: string) => arn.split(':parameter')[1]);
    expect(read).toEqual([
      '/dsm/prod/tls/ca.crt', '/dsm/prod/tls/servers/nats-1.crt', '/dsm/prod/tls/servers/nats-1.key', '/dsm/prod/tls/servers/nats-2.crt',
      '/dsm/prod/tls/servers/nats-2.key', '/dsm/prod/tls/servers/nats-3.crt', '/dsm/prod/tls/servers/nats-3.key', '/dsm/prod/tls/clients/ops.crt', '/dsm/prod/tls/clients/ops.key',
    ]);
  });

  it('lets ingestion and subscribers (not NATS) read the settings dsm tune writes', () => {
    const policies = resourcesOf(prod.json, 'aws_iam_role_policy').map(([, p]) => [p.name, JSON.parse(p.policy).Statement]);
    const readers = policies.filter(([, st]) => st.some((s: Json) => s.Sid === 'ReadTunedClientSettings')).map(([n]) => n).sort();
    expect(readers).toEqual(['dsm-prod-ingest-permissions', 'dsm-prod-subscriber-permissions']);
    const [, st] = policies.find(([n]) => n === 'dsm-prod-ingest-permissions')!;
    expect(st.find((s: Json) => s.Sid === 'ReadTunedClientSettings').Resource).toEqual(['arn:aws:ssm:us-east-1:${data.aws_caller_identity.account.account_id}:parameter/dsm/prod/tune/client/*']);
  });

  it('points the subscriber ASG, dashboards and tune at the same names', () => {
    expect(resourcesOf(prod.json, 'aws_autoscaling_group')[0]![1].name).toBe('dsm-prod-subscribers');
    const dashboards = resourcesOf(prod.json, 'aws_cloudwatch_dashboard').map(([, d]) => d);
    expect(dashboards.map((d) => d.dashboard_name).sort()).toEqual(['dsm-prod-exchanges', 'dsm-prod-overview']);
    const overview = dashboards.find((d) => d.dashboard_name === 'dsm-prod-overview');
    expect(overview.dashboard_body).toContain('dsm-prod-subscribers');
    expect(overview.dashboard_body).toMatch(/\$\{aws_instance\.nats_nats-1_[A-F0-9]+\.id\}/);
  });

  it('deploys dashboard bodies the dashboards validator accepts', () => {
    for (const [, d] of resourcesOf(prod.json, 'aws_cloudwatch_dashboard')) {
      expect(validateDashboardBody(JSON.parse(d.dashboard_body), 'DSM'), d.dashboard_name).toEqual([]);
    }
  });

  it('alarms only on catalog metrics in the DSM namespace, in every variant', () => {
    for (const out of [prod, five, spread]) {
      const dsm = resourcesOf(out.json, 'aws_cloudwatch_metric_alarm').map(([, a]) => a).filter((a) => a.namespace === 'DSM');
      expect(dsm.length).toBeGreaterThanOrEqual(7);
      for (const a of dsm) expect(METRIC_NAMES.has(a.metric_name), a.metric_name).toBe(true);
    }
  });

  it('outputs node addresses, subject scheme, dashboard names and the ASG name', () => {
    const o = prod.json.output;
    expect(o.nats_nodes.value).toEqual([
      { name: 'nats-1', dns_name: 'nats-1.dsm.internal', ip: '10.40.1.10', az: 'us-east-1a' },
      { name: 'nats-2', dns_name: 'nats-2.dsm.internal', ip: '10.40.2.10', az: 'us-east-1a' },
      { name: 'nats-3', dns_name: 'nats-3.dsm.internal', ip: '10.40.3.10', az: 'us-east-1a' },
    ]);
    expect(o.nats_client_urls.value).toEqual(['tls://nats-1.dsm.internal:4222', 'tls://nats-2.dsm.internal:4222', 'tls://nats-3.dsm.internal:4222']);
    expect(o.subject_scheme.value).toEqual({ data: '<EXCHANGE>.<SYMBOL>.orderbook', control: '_DSM.>' });
    expect(o.dashboard_names.value).toEqual(['dsm-prod-overview', 'dsm-prod-exchanges']);
    expect(o.subscriber_asg_name.value).toMatch(/^\$\{aws_autoscaling_group\.subscribers_group_[A-F0-9]+\.name\}$/);
    expect(o.tls_parameter_prefix.value).toBe('/dsm/prod/tls');
  });
});

describe('configs that cannot work', () => {
  const aws = prodConfig.aws!;
  /** Build the stack the way main.ts does and return the problems it reports. */
  function problemsBuilding(input: DsmConfigInput, env = 'prod'): string[] {
    try {
      new DsmPlatformStack(Testing.app(), 'dsm-test', validateConfig(input, env));
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('the stack built from a broken config');
  }

  it('names overlapping CIDRs', () => {
    expect(problemsBuilding({ ...prodConfig, aws: { ...aws, subnets: { ...aws.subnets, subscribers: '10.40.10.0/23' } } }))
      .toEqual(['aws.subnets.subscribers: 10.40.10.0/23 overlaps aws.subnets.ingestion (10.40.10.0/24)']);
  });

  it('names a subnet outside the VPC', () => {
    expect(problemsBuilding({ ...prodConfig, aws: { ...aws, subnets: { ...aws.subnets, nats: ['10.40.1.0/24', '10.40.2.0/24', '10.41.3.0/24'] } } }))
      .toEqual(['aws.subnets.nats.2: 10.41.3.0/24 is outside the VPC 10.40.0.0/16']);
  });

  it('names a node count that is neither 3 nor 5', () => {
    const problems = problemsBuilding({ ...prodConfig, nats: { ...prodConfig.nats, nodes: 4 } });
    expect(problems).toContain('nats.nodes: must be 3 or 5, got 4');
  });

  it('names instance types without ENA', () => {
    const problems = problemsBuilding({ ...prodConfig, aws: { ...aws, instanceTypes: { nats: 't2.large', ingestion: 'c7gn.2xlarge', subscriber: 'm4.xlarge' } } });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^aws\.instanceTypes\.nats: t2\.large is not an ENA instance type/);
    expect(problems[1]).toMatch(/^aws\.instanceTypes\.subscriber: m4\.xlarge is not an ENA instance type/);
  });

  it('names a hosted connection without the VIF to accept', () => {
    expect(problemsBuilding({ ...prodConfig, aws: { ...aws, directConnect: { enabled: true, allowedPrefixes: ['192.0.2.0/24'], connectionId: 'dxcon-1' } } }))
      .toEqual(['aws.directConnect.virtualInterfaceId: required when connectionId is set (the hosted private VIF to accept)']);
  });

  it('names a route threshold that no longer matches the node count', () => {
    expect(problemsBuilding({ ...prodConfig, nats: { ...prodConfig.nats, nodes: 5 }, aws: fiveNodesWithDx.aws! }))
      .toEqual(['thresholds.minRoutesPerNode: must equal nats.nodes - 1 (4) in a full mesh, got 2']);
  });

  it('refuses an environment with no AWS section', () => {
    expect(problemsBuilding(localConfig, 'local')).toEqual([
      'aws: required to build the AWS stacks; environment "local" has none',
      'nats.placement: must be private-ip for AWS, got "loopback"',
    ]);
  });
});
