/**
 * The whole DSM platform for one environment, composed from the constructs in this folder. This
 * is the only place that wires constructs together; each takes plain values derived by inputs.ts.
 */
import { Construct, LocalBackend, TerraformOutput, TerraformStack } from './cdktf.js';
import { AwsProvider, DataAwsAvailabilityZone, DataAwsCallerIdentity, DataAwsPrefixList, DataAwsSsmParameter } from './aws.js';
import type { DsmConfig } from '../config/schema.js';
import { clientUrls } from '../config/topology.js';
import { renderDashboards } from '../dashboards/index.js';
import { platformInputs, type PlatformInputs } from './inputs.js';
import { Network } from './network.js';
import { SecurityGroups } from './security-groups.js';
import { Nacls } from './nacls.js';
import { Endpoints } from './endpoints.js';
import { DirectConnect } from './direct-connect.js';
import { TlsMaterial } from './tls-material.js';
import { allTlsParameters, clientParameters, serverParameters, tlsKeyAlias, tlsParameterPrefix, type TlsParameter } from '../config/tls-layout.js';
import { Monitoring } from './monitoring.js';
import { NatsCluster } from './nats-cluster.js';
import { Ingestion } from './ingestion.js';
import { Subscribers } from './subscribers.js';
import { Audit } from './audit.js';
import { ROLE_LOGS, SERVICE_LOGS, logGroupName, type ServiceLog } from './log-shipping.js';

function uniqueParameters(params: TlsParameter[]): TlsParameter[] {
  return [...new Map(params.map((p) => [p.name, p])).values()];
}

/** Log group suffixes (stacks/log-shipping.ts): every group the stack creates, some host ships into. */
export const SERVICE_LOG_NAMES = Object.keys(SERVICE_LOGS) as ServiceLog[];

export class DsmPlatformStack extends TerraformStack {
  readonly inputs: PlatformInputs;

  constructor(scope: Construct, id: string, cfg: DsmConfig) {
    super(scope, id);
    const i = platformInputs(cfg);
    this.inputs = i;
    new AwsProvider(this, 'aws', { region: i.region, defaultTags: [{ tags: i.tags }] });
    // Local state by default, outside cdktf.out (which `make clean` deletes) and inside the gitignored
    // .dsm/<env>/; the path is relative to the stack's directory, where terraform runs. A team
    // switches to an S3 backend (stacks/README.md) before its first apply.
    new LocalBackend(this, { path: `../../../.dsm/${i.env}/terraform.tfstate` });
    const accountId = new DataAwsCallerIdentity(this, 'account').accountId;
    const s3PrefixList = new DataAwsPrefixList(this, 's3-prefix-list', { name: `com.amazonaws.${i.region}.s3` });

    // AZ names are per account; the zone behind `aws.az` is checked by its ID when the config pins one.
    const az = new DataAwsAvailabilityZone(this, 'az', {
      name: i.az,
      ...(i.azId ? {
        lifecycle: {
          postcondition: [{
            condition: `\${self.zone_id == "${i.azId}"}`,
            errorMessage: `aws.az ${i.az} is not ${i.azId} (aws.azId) in this account: AZ names map to zones per account; set aws.az to the name of ${i.azId} here`,
          }],
        },
      } : {}),
    });
    const net = new Network(this, 'network', {
      name: i.name, vpcCidr: i.vpcCidr, az: i.az,
      natsSubnets: i.nats.nodes.map((n) => ({ nodeName: n.name, cidr: n.subnetCidr, az: n.az })),
      ingestionCidr: i.subnets.ingestion, subscribersCidr: i.subnets.subscribers, endpointsCidr: i.subnets.endpoints,
    });
    const sgs = new SecurityGroups(this, 'security-groups', {
      name: i.name, vpcId: net.vpc.id, ports: i.ports, feedPorts: i.feeds.ports, feedPrefixes: i.feeds.prefixes, s3PrefixListId: s3PrefixList.id,
    });
    new Nacls(this, 'nacls', {
      name: i.name, vpcId: net.vpc.id, s3Cidrs: s3PrefixList.cidrBlocks,
      subnetIds: {
        nats: net.natsSubnets.map((s) => s.id), ingestion: [net.ingestionSubnet.id],
        subscribers: [net.subscribersSubnet.id], endpoints: [net.endpointsSubnet.id],
      },
      vpcCidr: i.vpcCidr, natsCidrs: i.nats.nodes.map((n) => n.subnetCidr), ingestionCidr: i.subnets.ingestion,
      subscribersCidr: i.subnets.subscribers, endpointsCidr: i.subnets.endpoints,
      ports: i.ports, feedPorts: i.feeds.ports, feedPrefixes: i.feeds.prefixes,
    });
    new Endpoints(this, 'endpoints', {
      name: i.name, region: i.region, vpcId: net.vpc.id, subnetIds: [net.endpointsSubnet.id],
      securityGroupIds: [sgs.endpoints.id], routeTableIds: [net.ingestionRouteTable.id, net.privateRouteTable.id],
    });
    if (i.directConnect.enabled) {
      new DirectConnect(this, 'direct-connect', {
        name: i.name, vpcId: net.vpc.id, amazonSideAsn: i.directConnect.amazonSideAsn, ingestionCidr: i.subnets.ingestion,
        ingestionRouteTableId: net.ingestionRouteTable.id,
        ...(i.directConnect.virtualInterfaceId ? { virtualInterfaceId: i.directConnect.virtualInterfaceId } : {}),
      });
    }

    // Instances take a concrete AMI id (read once from SSM); launch templates resolve it per launch.
    const instanceAmi = i.ami.kind === 'id' ? i.ami.id : new DataAwsSsmParameter(this, 'ami', { name: i.ami.parameter }).insecureValue;
    const templateAmi = i.ami.kind === 'id' ? i.ami.id : `resolve:ssm:${i.ami.parameter}`;

    const tlsParameters = allTlsParameters(i.env, i.nats.nodes.map((n) => n.name), cfg.identities.map((id) => id.name));
    const tls = new TlsMaterial(this, 'tls', { name: i.name, keyAlias: tlsKeyAlias(i.env), partition: i.partition, region: i.region, accountId, parameters: tlsParameters });
    const monitoring = new Monitoring(this, 'monitoring', {
      name: i.name, partition: i.partition, accountId, clusterName: i.nats.clusterName, namespace: i.metrics.namespace, nodeNames: i.nats.nodes.map((n) => n.name),
      minRoutesPerNode: i.thresholds.minRoutesPerNode, slowConsumersPerMinute: i.thresholds.slowConsumersPerMinute,
      e2eP99Micros: i.thresholds.e2eP99Micros, asgName: i.subscriberAsgName, asgMax: i.autoscaling.max,
      liveBookExchanges: i.liveBookExchanges, feedStaleMinutes: i.thresholds.feedStaleMinutes,
      logRetentionDays: i.logRetentionDays, logGroupNames: SERVICE_LOG_NAMES.map((s) => logGroupName(i.env, s)),
      ...(i.alarmEmail ? { alarmEmail: i.alarmEmail } : {}),
    });

    const common = { name: i.name, env: i.env, region: i.region, partition: i.partition, rootVolumeGb: i.rootVolumeGb, tlsKmsKeyArn: tls.key.arn };
    // Per-tier access: a tier reads its own TLS parameters, is denied every other one, and ships
    // its own logs (instance-role.ts says why the deny is needed).
    const allTls = tls.arnsOf(tlsParameters);
    const access = (role: keyof typeof ROLE_LOGS, params: TlsParameter[]) => {
      const own = tls.arnsOf(uniqueParameters(params));
      return {
        tlsParameterArns: own,
        deniedTlsParameterArns: allTls.filter((arn) => !own.includes(arn)),
        logGroupArns: ROLE_LOGS[role].map((log) => `arn:${i.partition}:logs:${i.region}:${accountId}:log-group:${logGroupName(i.env, log)}`),
      };
    };
    const tunedSettingsArn = `arn:${i.partition}:ssm:${i.region}:${accountId}:parameter${i.tunedClientSettings}`;
    const nats = new NatsCluster(this, 'nats', {
      ...common, vpcId: net.vpc.id, dnsZone: i.nats.dnsZone, instanceType: i.instanceTypes.nats, amiId: instanceAmi,
      nodes: i.nats.nodes.map((n, k) => ({ index: n.index, name: n.name, dnsName: n.dnsName, ip: n.ip, az: n.az, subnetId: net.natsSubnets[k]!.id })),
      securityGroupIds: [sgs.nats.id], placementGroupName: net.natsPlacementGroup.name, opsIdentity: i.identities.ops,
      ...access('nats', [...i.nats.nodes.flatMap((n) => serverParameters(i.env, n.name)), ...clientParameters(i.env, i.identities.ops)]),
      alarmTopicArn: monitoring.topic.arn, metricsNamespace: i.metrics.namespace,
    });
    const ingestion = new Ingestion(this, 'ingestion', {
      ...common, az: i.az, subnetId: net.ingestionSubnet.id, instanceType: i.instanceTypes.ingestion, amiId: instanceAmi,
      securityGroupIds: [sgs.ingestion.id], placementGroupName: net.clusterPlacementGroup.name,
      tunedSettingsArn, identity: i.identities.ingest, ...access('ingest', clientParameters(i.env, i.identities.ingest)),
    });
    const subscribers = new Subscribers(this, 'subscribers', {
      ...common, accountId, asgName: i.subscriberAsgName, az: i.az, subnetId: net.subscribersSubnet.id,
      instanceType: i.instanceTypes.subscriber, imageId: templateAmi,
      securityGroupIds: [sgs.subscribers.id], placementGroupName: net.clusterPlacementGroup.name,
      tunedSettingsArn, identity: i.identities.subscriber, ...access('subscriber', clientParameters(i.env, i.identities.subscriber)),
      scaling: i.autoscaling, metricsNamespace: i.metrics.namespace, clusterName: i.nats.clusterName, groupName: cfg.groups.hostGroup,
    });
    monitoring.addDashboards(renderDashboards(cfg, {
      region: i.region,
      resources: {
        subscriberAsgName: subscribers.asgName,
        natsInstanceIds: nats.instances.map((n) => n.id),
        ingestionInstanceIds: Object.values(ingestion.instances).map((n) => n.id),
      },
    }));
    new Audit(this, 'audit', { name: i.name, env: i.env, partition: i.partition, region: i.region, accountId, vpcId: net.vpc.id, logRetentionDays: i.logRetentionDays, trailRetentionDays: i.logRetentionDays });

    new TerraformOutput(this, 'nats_nodes', {
      description: 'NATS nodes: name, private DNS name (the certificate SAN) and fixed private IP',
      value: i.nats.nodes.map((n) => ({ name: n.name, dns_name: n.dnsName, ip: n.ip, az: n.az })),
    });
    new TerraformOutput(this, 'availability_zone_id', { description: `The zone ID behind aws.az (${i.az}) in this account; pin it with aws.azId`, value: az.zoneId });
    new TerraformOutput(this, 'nats_client_urls', { description: 'Client URLs, every node', value: clientUrls(cfg) });
    new TerraformOutput(this, 'subject_scheme', { description: 'Data and control subjects', value: i.subjects });
    new TerraformOutput(this, 'dashboard_names', { value: monitoring.dashboardNames });
    new TerraformOutput(this, 'subscriber_asg_name', { value: subscribers.group.name });
    new TerraformOutput(this, 'alarm_topic_arn', { value: monitoring.topic.arn });
    new TerraformOutput(this, 'monitoring_security_group_id', { description: 'Attach to monitoring/ops hosts (in the endpoints subnet) to reach NATS monitoring', value: sgs.monitoring.id });
    new TerraformOutput(this, 'endpoints_subnet_id', { value: net.endpointsSubnet.id });
    new TerraformOutput(this, 'tls_parameter_prefix', { description: 'Where `dsm certs push` writes the TLS material', value: tlsParameterPrefix(i.env) });
  }
}
