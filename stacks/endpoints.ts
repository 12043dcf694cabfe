/**
 * VPC endpoints, so no host needs internet egress: SSM (and its session channels) for access and
 * parameters, CloudWatch for metrics, Logs for the agent, Auto Scaling so a draining subscriber
 * can complete its lifecycle action, and an S3 gateway endpoint for the agents' S3 traffic.
 */
import { Construct } from './cdktf.js';
import { VpcEndpoint } from './aws.js';

export const INTERFACE_SERVICES = ['ssm', 'ssmmessages', 'ec2messages', 'monitoring', 'logs', 'autoscaling'] as const;

export interface EndpointsProps {
  name: string;
  region: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: string[];
  /** Route tables that get the S3 gateway route. */
  routeTableIds: string[];
}

export class Endpoints extends Construct {
  readonly s3: VpcEndpoint;
  readonly interfaces: Record<(typeof INTERFACE_SERVICES)[number], VpcEndpoint>;

  constructor(scope: Construct, id: string, props: EndpointsProps) {
    super(scope, id);
    const serviceName = (svc: string) => `com.amazonaws.${props.region}.${svc}`;
    this.interfaces = Object.fromEntries(INTERFACE_SERVICES.map((svc) => [svc, new VpcEndpoint(this, svc, {
      vpcId: props.vpcId,
      serviceName: serviceName(svc),
      vpcEndpointType: 'Interface',
      // Private DNS makes the default SDK hostnames resolve to these ENIs: no per-host config.
      privateDnsEnabled: true,
      subnetIds: props.subnetIds,
      securityGroupIds: props.securityGroupIds,
      tags: { Name: `${props.name}-${svc}` },
    })])) as Endpoints['interfaces'];
    this.s3 = new VpcEndpoint(this, 's3', {
      vpcId: props.vpcId,
      serviceName: serviceName('s3'),
      vpcEndpointType: 'Gateway',
      routeTableIds: props.routeTableIds,
      tags: { Name: `${props.name}-s3` },
    });
  }
}
