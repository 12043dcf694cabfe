/**
 * One security group per tier, each rule naming the peer tier's group rather than a CIDR.
 * Terraform strips AWS's default allow-all egress, so every outbound path is listed here too:
 * NATS clients to the cluster, routes within it, HTTPS to the VPC endpoints and the S3 prefix
 * list. Nothing opens port 22: shells go through SSM Session Manager.
 */
import { Construct } from './cdktf.js';
import { SecurityGroup, VpcSecurityGroupEgressRule, VpcSecurityGroupIngressRule } from './aws.js';
import type { FeedPort } from './inputs.js';

export interface SecurityGroupsProps {
  name: string;
  vpcId: string;
  ports: { client: number; cluster: number; monitor: number; prometheus: number };
  feedPorts: readonly FeedPort[];
  /** Exchange / on-premises prefixes feeds arrive from (over Direct Connect). */
  feedPrefixes: readonly string[];
  /** Prefix list of the S3 gateway endpoint. */
  s3PrefixListId: string;
}

type Tier = 'nats' | 'ingestion' | 'subscribers' | 'monitoring' | 'endpoints';
const HTTPS = 443;

export class SecurityGroups extends Construct {
  readonly nats: SecurityGroup;
  readonly ingestion: SecurityGroup;
  readonly subscribers: SecurityGroup;
  /** Monitoring/ops hosts: the only source of the NATS monitoring port. */
  readonly monitoring: SecurityGroup;
  /** Interface endpoint ENIs. */
  readonly endpoints: SecurityGroup;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const group = (tier: Tier, description: string) =>
      new SecurityGroup(this, tier, { name: `${props.name}-${tier}`, description, vpcId: props.vpcId, tags: { Name: `${props.name}-${tier}` } });
    this.nats = group('nats', 'NATS cluster nodes');
    this.ingestion = group('ingestion', 'Ingestion primary and standby');
    this.subscribers = group('subscribers', 'Subscriber auto scaling group');
    this.monitoring = group('monitoring', 'Monitoring and ops hosts');
    this.endpoints = group('endpoints', 'VPC interface endpoints');

    const { client, cluster, monitor, prometheus } = props.ports;
    // NATS: clients from the three client tiers, routes only among themselves, monitoring only from monitoring.
    for (const [tier, sg] of [['ingestion', this.ingestion], ['subscribers', this.subscribers], ['monitoring', this.monitoring]] as const) {
      this.allow(this.nats, 'tcp', client, sg, `NATS clients from ${tier}`);
    }
    this.allow(this.nats, 'tcp', cluster, this.nats, 'NATS routes within the cluster');
    this.allow(this.nats, 'tcp', monitor, this.monitoring, 'NATS monitoring from the monitoring tier');
    this.egress(this.nats, 'tcp', cluster, this.nats, 'NATS routes to peers');
    // The metrics agent on each NATS host is a client (ops identity) of the cluster. It is pinned to
    // its own node, but a reconnect may follow the cluster's advertised URLs to a peer.
    this.allow(this.nats, 'tcp', client, this.nats, 'NATS clients from metrics agents on NATS hosts');
    this.egress(this.nats, 'tcp', client, this.nats, 'Metrics agent NATS client connections');

    // Service tiers reach NATS as clients. Prometheus is served by the metrics agent, which runs on
    // the NATS hosts only: 9464 is open there, to monitoring, and nowhere else.
    for (const sg of [this.ingestion, this.subscribers, this.monitoring]) this.egress(sg, 'tcp', client, this.nats, 'NATS client connections');
    this.allow(this.nats, 'tcp', prometheus, this.monitoring, 'Prometheus scrape of the metrics agent from monitoring');
    this.egress(this.monitoring, 'tcp', monitor, this.nats, 'NATS monitoring endpoints');
    this.egress(this.monitoring, 'tcp', prometheus, this.nats, 'Prometheus scrape of the metrics agents');

    // Feeds: exchange prefixes only, on the configured feed ports.
    for (const prefix of props.feedPrefixes) {
      for (const f of props.feedPorts) this.allowCidr(this.ingestion, f.protocol, f.port, prefix, `${f.exchange} feed`);
    }

    // Every tier talks HTTPS to the endpoints (SSM, CloudWatch, Logs, ...) and to S3 via its prefix list.
    for (const sg of [this.nats, this.ingestion, this.subscribers, this.monitoring]) {
      this.allow(this.endpoints, 'tcp', HTTPS, sg, 'HTTPS to VPC endpoints');
      this.egress(sg, 'tcp', HTTPS, this.endpoints, 'HTTPS to VPC endpoints');
      new VpcSecurityGroupEgressRule(this, `${sg.node.id}-out-tcp${HTTPS}-s3`, { securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: HTTPS, toPort: HTTPS, prefixListId: props.s3PrefixListId, description: 'HTTPS to S3 gateway endpoint' });
    }
  }

  // Rule ids name the groups and port, so adding a tier or a feed never renames existing rules.
  private allow(to: SecurityGroup, protocol: 'tcp' | 'udp', port: number, from: SecurityGroup, description: string): void {
    new VpcSecurityGroupIngressRule(this, `${to.node.id}-in-${protocol}${port}-${from.node.id}`, { securityGroupId: to.id, ipProtocol: protocol, fromPort: port, toPort: port, referencedSecurityGroupId: from.id, description });
  }

  private allowCidr(to: SecurityGroup, protocol: 'tcp' | 'udp', port: number, cidr: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, `${to.node.id}-in-${protocol}${port}-${cidr.replace(/[./]/g, '-')}`, { securityGroupId: to.id, ipProtocol: protocol, fromPort: port, toPort: port, cidrIpv4: cidr, description });
  }

  private egress(from: SecurityGroup, protocol: 'tcp' | 'udp', port: number, to: SecurityGroup, description: string): void {
    new VpcSecurityGroupEgressRule(this, `${from.node.id}-out-${protocol}${port}-${to.node.id}`, { securityGroupId: from.id, ipProtocol: protocol, fromPort: port, toPort: port, referencedSecurityGroupId: to.id, description });
  }
}
