import { Ingestion, type IngestionProps } from './ingestion.js';
import { resourcesOf, synthScope, type Json } from './test-support.js';
import { decodeUserData } from './user-data.js';

const props: IngestionProps = {
  name: 'dsm-prod', env: 'prod', region: 'us-east-1', partition: 'aws', az: 'us-east-1a', subnetId: 'subnet-ingest',
  instanceType: 'c7gn.2xlarge', amiId: 'ami-0abc', rootVolumeGb: 40, securityGroupIds: ['sg-ingest'], placementGroupName: 'dsm-prod-cluster',
  identity: 'ingest', tlsParameterArns: ['arn:aws:ssm:us-east-1:1:parameter/dsm/prod/tls/clients/ingest.key'], tlsKmsKeyArn: 'arn:aws:kms:us-east-1:1:key/k',
  tunedSettingsArn: 'arn:aws:ssm:us-east-1:1:parameter/dsm/prod/tune/client/*',
  deniedTlsParameterArns: ['arn:aws:ssm:us-east-1:1:parameter/dsm/prod/tls/servers/nats-1.key'],
  logGroupArns: ['arn:aws:logs:us-east-1:1:log-group:/dsm/prod/ingest'],
};

describe('Ingestion', () => {
  let instances: Array<[string, Json]>;
  let json: Json;
  beforeAll(() => {
    json = synthScope((s) => new Ingestion(s, 'ingest', props)).json;
    instances = resourcesOf(json, 'aws_instance');
  });

  it('runs a primary and a standby with the same hardening in the placement group', () => {
    expect(instances.map(([, i]) => [i.tags.Name, i.tags['dsm:node']])).toEqual([['dsm-prod-ingest-primary', '1'], ['dsm-prod-ingest-standby', '2']]);
    for (const [, i] of instances) {
      expect(i).toMatchObject({
        instance_type: 'c7gn.2xlarge', availability_zone: 'us-east-1a', subnet_id: 'subnet-ingest', placement_group: 'dsm-prod-cluster',
        metadata_options: { http_tokens: 'required' }, root_block_device: { encrypted: true, volume_type: 'gp3', volume_size: 40, iops: 3000, throughput: 125 },
      });
    }
  });

  it('starts only the standby with DSM_STANDBY=true', () => {
    const [primary, standby] = instances.map(([, i]) => decodeUserData(i));
    expect(primary).toContain('\nDSM_STANDBY=false\n');
    expect(standby).toContain('\nDSM_STANDBY=true\n');
    expect(standby).toContain('DSM_ROLE=ingest');
    expect(standby).toContain('fetch_tls /etc/dsm/tls /dsm/prod/tls/clients/ingest.key clients/ingest.key 0600');
  });

  it('has its own role, readable parameters limited to its identity', () => {
    const [, role] = resourcesOf(json, 'aws_iam_role')[0]!;
    expect(role.name).toBe('dsm-prod-ingest');
    const doc = JSON.parse(resourcesOf(json, 'aws_iam_role_policy')[0]![1].policy);
    const sid = (id: string) => doc.Statement.find((st: Json) => st.Sid === id);
    expect(sid('ReadTlsParameters').Resource).toEqual(props.tlsParameterArns);
    expect(sid('NoOtherTiersTlsParameters').Resource).toEqual(props.deniedTlsParameterArns);
    expect(sid('ReadTunedClientSettings')).toEqual({ Sid: 'ReadTunedClientSettings', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: ['arn:aws:ssm:us-east-1:1:parameter/dsm/prod/tune/client/*'] });
    // Ingestion hosts publish no CloudWatch metrics (their summaries travel over NATS).
    expect(sid('PublishDsmMetricsOnly')).toBeUndefined();
  });
});
