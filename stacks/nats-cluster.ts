/**
 * The NATS core cluster: one instance per node at the fixed private IP the config derives
 * (topology.ts), each named nats-<n>.<zone> in a private hosted zone (the names the certificates'
 * SANs carry), booted by rendering its nats-server.conf from the same config, and watched by an
 * EC2 auto-recover alarm so a host failure brings the node back with the same IP and volume.
 */
import { Construct } from './cdktf.js';
import { CloudwatchMetricAlarm, Instance, Route53Record, Route53Zone } from './aws.js';
import { instanceHardening } from './hardening.js';
import { InstanceRole } from './instance-role.js';
import { natsBootScript } from './boot-scripts.js';
import { userDataBase64 } from './user-data.js';

export interface NatsNodeProps {
  index: number;
  name: string;
  dnsName: string;
  ip: string;
  az: string;
  subnetId: string;
}

export interface NatsClusterProps {
  name: string;
  env: string;
  region: string;
  partition: string;
  vpcId: string;
  dnsZone: string;
  nodes: readonly NatsNodeProps[];
  instanceType: string;
  amiId: string;
  rootVolumeGb: number;
  securityGroupIds: string[];
  placementGroupName: string;
  /** Identity the nodes' metrics agents publish as (its client certificate is fetched too). */
  opsIdentity: string;
  /** ARNs of the CA, server and ops client certificate/key parameters; the role may read these only. */
  tlsParameterArns: string[];
  tlsKmsKeyArn: string;
  /** Every other tier's TLS parameter ARNs: denied outright to this tier's role. */
  deniedTlsParameterArns: string[];
  /** Log groups this tier's hosts ship journald into. */
  logGroupArns: string[];
  alarmTopicArn: string;
  /** The metrics agents on these hosts publish here, and nowhere else. */
  metricsNamespace: string;
}

export class NatsCluster extends Construct {
  readonly zone: Route53Zone;
  readonly instances: Instance[];
  readonly role: InstanceRole;

  constructor(scope: Construct, id: string, props: NatsClusterProps) {
    super(scope, id);
    this.role = new InstanceRole(this, 'role', {
      name: `${props.name}-nats`, partition: props.partition, region: props.region,
      parameterArns: props.tlsParameterArns, deniedParameterArns: props.deniedTlsParameterArns, kmsKeyArn: props.tlsKmsKeyArn,
      logGroupArns: props.logGroupArns, metricsNamespace: props.metricsNamespace,
    });
    this.zone = new Route53Zone(this, 'zone', { name: props.dnsZone, vpc: [{ vpcId: props.vpcId }], comment: `${props.name} NATS node names` });

    this.instances = props.nodes.map((node) => {
      const instance = new Instance(this, node.name, {
        ami: props.amiId,
        instanceType: props.instanceType,
        subnetId: node.subnetId,
        availabilityZone: node.az,
        privateIp: node.ip,
        vpcSecurityGroupIds: props.securityGroupIds,
        placementGroup: props.placementGroupName,
        iamInstanceProfile: this.role.profile.name,
        ...instanceHardening(props.rootVolumeGb),
        userDataBase64: userDataBase64(natsBootScript({ env: props.env, region: props.region, node: node.index, serverName: node.name, opsIdentity: props.opsIdentity, ip: node.ip })),
        // A new AMI or boot script must not stop or replace every node in one apply: nodes are
        // rolled one at a time with `-replace` (stacks/README.md, "Rolling a node").
        lifecycle: { ignoreChanges: ['ami', 'user_data_base64'] },
        tags: { Name: `${props.name}-${node.name}`, 'dsm:role': 'nats', 'dsm:node': String(node.index) },
      });
      new Route53Record(this, `${node.name}-dns`, { zoneId: this.zone.zoneId, name: node.dnsName, type: 'A', ttl: 60, records: [node.ip] });
      new CloudwatchMetricAlarm(this, `${node.name}-recover`, {
        alarmName: `${props.name}-${node.name}-auto-recover`,
        alarmDescription: `Recover ${node.name} onto healthy hardware (same IP, same volume) when the host fails`,
        namespace: 'AWS/EC2',
        metricName: 'StatusCheckFailed_System',
        dimensions: { InstanceId: instance.id },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 2,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        alarmActions: [`arn:${props.partition}:automate:${props.region}:ec2:recover`, props.alarmTopicArn],
      });
      return instance;
    });
  }
}
