import { Endpoints } from './endpoints.js';
import { VpcEndpoint } from './aws.js';
import { resourcesOf, synthScope, type Synthesized } from './test-support.js';

describe('Endpoints', () => {
  let out: Synthesized;
  beforeAll(() => {
    out = synthScope((s) => new Endpoints(s, 'ep', { name: 'dsm-test', region: 'eu-west-1', vpcId: 'vpc-1', subnetIds: ['sn-e'], securityGroupIds: ['sg-e'], routeTableIds: ['rt-a', 'rt-b'] }));
  });

  it('creates private-DNS interface endpoints for SSM, EC2 messages, CloudWatch, Logs and Auto Scaling', () => {
    const iface = resourcesOf(out.json, 'aws_vpc_endpoint').map(([, p]) => p).filter((p) => p.vpc_endpoint_type === 'Interface');
    expect(iface.map((p) => p.service_name).sort()).toEqual([
      'com.amazonaws.eu-west-1.autoscaling', 'com.amazonaws.eu-west-1.ec2messages', 'com.amazonaws.eu-west-1.logs',
      'com.amazonaws.eu-west-1.monitoring', 'com.amazonaws.eu-west-1.ssm', 'com.amazonaws.eu-west-1.ssmmessages',
    ]);
    for (const p of iface) {
      expect(p.private_dns_enabled).toBe(true);
      expect(p.subnet_ids).toEqual(['sn-e']);
      expect(p.security_group_ids).toEqual(['sg-e']);
    }
  });

  it('creates an S3 gateway endpoint on the given route tables', () => {
    expect(out.text).toHaveResourceWithProperties(VpcEndpoint, { service_name: 'com.amazonaws.eu-west-1.s3', vpc_endpoint_type: 'Gateway', route_table_ids: ['rt-a', 'rt-b'] });
  });
});
