/**
 * Ingestion: a primary and a hot standby on the same hardening as NATS, in the cluster placement
 * group next to it. Both run `dsm-ingest`; the standby (DSM_STANDBY=true) follows the leader lease
 * and takes over when heartbeats stop (the failover issue drives both).
 */
import { Construct } from './cdktf.js';
import { Instance } from './aws.js';
import { instanceHardening } from './hardening.js';
import { InstanceRole, readTunedSettings } from './instance-role.js';
import { ingestBootScript } from './boot-scripts.js';
import { userDataBase64 } from './user-data.js';

export interface IngestionProps {
  name: string;
  env: string;
  region: string;
  partition: string;
  az: string;
  subnetId: string;
  instanceType: string;
  amiId: string;
  rootVolumeGb: number;
  securityGroupIds: string[];
  placementGroupName: string;
  /** Client identity ingestion connects as (its certificate is what the role may read). */
  identity: string;
  tlsParameterArns: string[];
  tlsKmsKeyArn: string;
  /** Every other tier's TLS parameter ARNs: denied outright to this tier's role. */
  deniedTlsParameterArns: string[];
  /** Log groups this tier's hosts ship journald into. */
  logGroupArns: string[];
  /** ARN (wildcard) of the client settings `dsm tune` writes; readable, never writable, here. */
  tunedSettingsArn: string;
}

/** `node` is the pair member's dsm:node tag (drills find the pair by it). */
export const INGEST_MEMBERS = [{ id: 'primary', standby: false, node: 1 }, { id: 'standby', standby: true, node: 2 }] as const;

export class Ingestion extends Construct {
  readonly instances: Record<(typeof INGEST_MEMBERS)[number]['id'], Instance>;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const role = new InstanceRole(this, 'role', {
      name: `${props.name}-ingest`, partition: props.partition, region: props.region,
      parameterArns: props.tlsParameterArns, deniedParameterArns: props.deniedTlsParameterArns, kmsKeyArn: props.tlsKmsKeyArn,
      logGroupArns: props.logGroupArns,
      extraStatements: [readTunedSettings(props.tunedSettingsArn)],
    });
    this.instances = Object.fromEntries(INGEST_MEMBERS.map((m) => [m.id, new Instance(this, m.id, {
      ami: props.amiId,
      instanceType: props.instanceType,
      subnetId: props.subnetId,
      availabilityZone: props.az,
      vpcSecurityGroupIds: props.securityGroupIds,
      placementGroup: props.placementGroupName,
      iamInstanceProfile: role.profile.name,
      ...instanceHardening(props.rootVolumeGb),
      userDataBase64: userDataBase64(ingestBootScript({ env: props.env, region: props.region, identity: props.identity, standby: m.standby })),
      // Rolled one at a time (standby first), never both in one apply.
      lifecycle: { ignoreChanges: ['ami', 'user_data_base64'] },
      tags: { Name: `${props.name}-ingest-${m.id}`, 'dsm:role': 'ingest', 'dsm:node': String(m.node), 'dsm:standby': String(m.standby) },
    })])) as Ingestion['instances'];
  }
}
