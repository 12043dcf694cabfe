import { Ingestion, type IngestionProps } from './ingestion.js';
import { resourcesOf, synthScope, type Json } from './test-support.js';

const props: IngestionProps = {
  name: 'dsm-prod', env: 'prod', region: 'us-east-1', partition: 'aws', az: 'us-east-1a', subnetId: 'subnet-ingest',
  instanceType: 'c7gn.2xlarge', amiId: 'ami-0abc', rootVolumeGb: 40, securityGroupIds: ['sg-ingest'], placementGroupName: 'dsm-prod-cluster',
  identity: 'ingest', tlsParameterArns: ['arn:aws:ssm:us-east-1:1:parameter/dsm/prod/tls/clients/ingest.key'], tlsKmsKeyArn: 'arn:aws:kms:us-east-1:1:key/k',
  tunedSettingsArn: 'arn:aws:ssm:us-east-1:1:parameter/dsm/prod/tune/client/*',
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
        metadata_options: { http_tokens: 'required' }, root_block_device: { encrypted: true, volume_type: 'gp3', volume_size: 40 },
      });
    }
  });

  it('starts only the standby with DSM_STANDBY=true', () => {
    const [primary, standby] = instances.map(([, i]) => i.user_data as string);
    expect(primary).toContain('\nDSM_STANDBY=false\n');
    expect(standby).toContain('\nDSM_STANDBY=true\n');
    expect(standby).toContain('DSM_ROLE=ingest');
    expect(standby).toContain('fetch_tls /etc/dsm/tls /dsm/prod/tls/clients/ingest.key clients/ingest.key 0600');
  });

  it('has its own role, readable parameters limited to its identity', () => {
    const [, role] = resourcesOf(json, 'aws_iam_role')[0]!;
    expect(role.name).toBe('dsm-prod-ingest');
    const doc = JSON.parse(resourcesOf(json, 'aws_iam_role_policy')[0]![1].policy);
    expect(doc.Statement[0].Resource).toEqual(props.tlsParameterArns);
    expect(doc.Statement[2]).toEqual({ Sid: 'ReadTunedClientSettings', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: ['arn:aws:ssm:us-east-1:1:parameter/dsm/prod/tune/client/*'] });
    expect(doc.Statement).toHaveLength(3);
  });
});
