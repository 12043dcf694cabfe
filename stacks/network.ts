/**
 * VPC, subnets, route tables and placement groups. There is no internet gateway and no NAT:
 * every AWS API the hosts need is reached through VPC endpoints, and feeds arrive over Direct
 * Connect. Everything sits in one AZ by default because a cluster placement group cannot span AZs
 * and a cross-AZ hop costs far more than the whole in-AZ path.
 */
import { Construct } from './cdktf.js';
import { PlacementGroup, RouteTable, RouteTableAssociation, Subnet, Vpc } from './aws.js';

export interface NetworkProps {
  name: string;
  vpcCidr: string;
  /** AZ of the ingestion, subscriber and endpoint subnets (and the cluster placement group). */
  az: string;
  /** One subnet per NATS node, with the AZ it lives in. */
  natsSubnets: ReadonlyArray<{ nodeName: string; cidr: string; az: string }>;
  ingestionCidr: string;
  subscribersCidr: string;
  endpointsCidr: string;
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly natsSubnets: Subnet[];
  readonly ingestionSubnet: Subnet;
  readonly subscribersSubnet: Subnet;
  /** Shared-services subnet: VPC endpoint ENIs and the monitoring/ops hosts. */
  readonly endpointsSubnet: Subnet;
  /** Its own table so Direct Connect routes propagate to ingestion and nowhere else. */
  readonly ingestionRouteTable: RouteTable;
  readonly privateRouteTable: RouteTable;
  /** Cluster placement group: ingestion, subscribers and (unless spread) NATS share it. */
  readonly clusterPlacementGroup: PlacementGroup;
  /** Where NATS instances go: the cluster group, or a spread group when the nodes span AZs. */
  readonly natsPlacementGroup: PlacementGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { name } = props;
    this.vpc = new Vpc(this, 'vpc', { cidrBlock: props.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: name } });

    const subnet = (sid: string, cidr: string, az: string, tier: string) =>
      new Subnet(this, sid, { vpcId: this.vpc.id, cidrBlock: cidr, availabilityZone: az, mapPublicIpOnLaunch: false, tags: { Name: `${name}-${sid}`, 'dsm:tier': tier } });
    this.natsSubnets = props.natsSubnets.map((s) => subnet(s.nodeName, s.cidr, s.az, 'nats'));
    this.ingestionSubnet = subnet('ingestion', props.ingestionCidr, props.az, 'ingestion');
    this.subscribersSubnet = subnet('subscribers', props.subscribersCidr, props.az, 'subscribers');
    this.endpointsSubnet = subnet('endpoints', props.endpointsCidr, props.az, 'endpoints');

    // No routes besides the implicit local one: nothing here can reach the internet.
    this.ingestionRouteTable = new RouteTable(this, 'ingestion-rt', { vpcId: this.vpc.id, tags: { Name: `${name}-ingestion` } });
    this.privateRouteTable = new RouteTable(this, 'private-rt', { vpcId: this.vpc.id, tags: { Name: `${name}-private` } });
    new RouteTableAssociation(this, 'ingestion-rta', { subnetId: this.ingestionSubnet.id, routeTableId: this.ingestionRouteTable.id });
    // Ids follow the subnet, not its position, so adding NATS nodes never re-associates the others.
    for (const s of [...this.natsSubnets, this.subscribersSubnet, this.endpointsSubnet]) {
      new RouteTableAssociation(this, `private-rta-${s.node.id}`, { subnetId: s.id, routeTableId: this.privateRouteTable.id });
    }

    this.clusterPlacementGroup = new PlacementGroup(this, 'cluster-pg', { name: `${name}-cluster`, strategy: 'cluster' });
    const spread = new Set(props.natsSubnets.map((s) => s.az)).size > 1;
    this.natsPlacementGroup = spread
      ? new PlacementGroup(this, 'nats-spread-pg', { name: `${name}-nats-spread`, strategy: 'spread' })
      : this.clusterPlacementGroup;
  }
}
