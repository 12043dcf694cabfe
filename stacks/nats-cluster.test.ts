import { NatsCluster, type NatsClusterProps } from './nats-cluster.js';
import { CloudwatchMetricAlarm, IamRolePolicyAttachment, Route53Record, Route53Zone } from './aws.js';
import { resourcesOf, synthScope, type Json, type Synthesized } from './test-support.js';
import { decodeUserData } from './user-data.js';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({
  index: i + 1, name: `nats-${i + 1}`, dnsName: `nats-${i + 1}.dsm.internal`, ip: `10.40.${i + 1}.10`, az: 'us-east-1a', subnetId: `subnet-${i + 1}`,
}));

const props: NatsClusterProps = {
  name: 'dsm-prod', env: 'prod', region: 'us-east-1', partition: 'aws', vpcId: 'vpc-1', dnsZone: 'dsm.internal',
  nodes: nodes(3), instanceType: 'c7gn.xlarge', amiId: 'ami-0abc', rootVolumeGb: 30, securityGroupIds: ['sg-nats'],
  placementGroupName: 'dsm-prod-cluster', opsIdentity: 'ops',
  tlsParameterArns: ['arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/ca.crt', 'arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/servers/nats-1.key'],
  tlsKmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k1',
  alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:alarms',
  deniedTlsParameterArns: ['arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/clients/ingest.key'],
  logGroupArns: ['arn:aws:logs:us-east-1:111122223333:log-group:/dsm/prod/nats-server'],
  metricsNamespace: 'DSM',
};

describe('NatsCluster', () => {
  let three: Synthesized;
  let instances: Json[];
  beforeAll(() => {
    three = synthScope((s) => new NatsCluster(s, 'nats', props));
    instances = resourcesOf(three.json, 'aws_instance').map(([, p]) => p);
  });

  it('runs one hardened ENA instance per node at its fixed IP, in the placement group', () => {
    expect(instances.map((i) => [i.private_ip, i.subnet_id])).toEqual([['10.40.1.10', 'subnet-1'], ['10.40.2.10', 'subnet-2'], ['10.40.3.10', 'subnet-3']]);
    for (const i of instances) {
      expect(i.instance_type).toBe('c7gn.xlarge');
      expect(i.placement_group).toBe('dsm-prod-cluster');
      expect(i.availability_zone).toBe('us-east-1a');
      expect(i.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'disabled' });
      expect(i.root_block_device).toEqual({ volume_type: 'gp3', volume_size: 30, iops: 3000, throughput: 125, encrypted: true, delete_on_termination: true });
      expect(i.lifecycle).toEqual({ ignore_changes: ['ami', 'user_data_base64'] });
      // Base64: a plain user_data string is a Terraform template, and bash's ${...} breaks it.
      expect(i.user_data).toBeUndefined();
      expect(i.vpc_security_group_ids).toEqual(['sg-nats']);
      expect(i.key_name).toBeUndefined();
    }
  });

  it('boots each node with its own render command', () => {
    const script = decodeUserData(instances[2]);
    expect(script).toContain('dsm render nats-config --env prod --node 3 --tls-dir /etc/nats/tls --out /etc/nats/nats-server.conf');
    expect(script).toContain('systemctl enable --now nats-server');
    expect(script).toContain("DSM_METRICS_ARGS='--node 3 --tls-dir /etc/dsm/tls --prometheus-host 10.40.3.10'");
  });

  it('names every node in a private zone', () => {
    expect(three.text).toHaveResourceWithProperties(Route53Zone, { name: 'dsm.internal', vpc: [{ vpc_id: 'vpc-1' }] });
    expect(three.text).toHaveResourceWithProperties(Route53Record, { name: 'nats-2.dsm.internal', type: 'A', records: ['10.40.2.10'] });
    expect(resourcesOf(three.json, 'aws_route53_record')).toHaveLength(3);
  });

  it('gives the role SSM core, only the TLS parameters it was handed, and PutMetricData in the DSM namespace only', () => {
    expect(resourcesOf(three.json, 'aws_iam_role_policy_attachment').map(([, a]) => a.policy_arn)).toEqual(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']);
    expect(three.text).not.toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy' });
    const [, inline] = resourcesOf(three.json, 'aws_iam_role_policy')[0]!;
    const doc = JSON.parse(inline.policy);
    const sid = (id: string) => doc.Statement.find((st: Json) => st.Sid === id);
    expect(sid('ReadTlsParameters')).toEqual({ Sid: 'ReadTlsParameters', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: props.tlsParameterArns });
    expect(sid('DecryptOwnTlsParametersViaSsm').Resource).toEqual([props.tlsKmsKeyArn]);
    expect(sid('DecryptOwnTlsParametersViaSsm').Condition).toEqual({ StringEquals: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': props.tlsParameterArns } });
    expect(sid('NoOtherTiersTlsParameters').Resource).toEqual(props.deniedTlsParameterArns);
    expect(sid('PublishDsmMetricsOnly').Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'DSM' } });
  });

  it('arms an EC2 auto-recover alarm per node', () => {
    const alarms = resourcesOf(three.json, 'aws_cloudwatch_metric_alarm').map(([, p]) => p);
    expect(alarms).toHaveLength(3);
    expect(three.text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: 'dsm-prod-nats-1-auto-recover', namespace: 'AWS/EC2', metric_name: 'StatusCheckFailed_System',
      comparison_operator: 'GreaterThanThreshold', threshold: 0,
      alarm_actions: ['arn:aws:automate:us-east-1:ec2:recover', 'arn:aws:sns:us-east-1:111122223333:alarms'],
    });
    expect(alarms[0].dimensions.InstanceId).toMatch(/^\$\{aws_instance\.nats_nats-1_/);
  });

  it('grows to five nodes with five instances, records and alarms', () => {
    const five = synthScope((s) => new NatsCluster(s, 'nats', { ...props, nodes: nodes(5) }));
    for (const type of ['aws_instance', 'aws_route53_record', 'aws_cloudwatch_metric_alarm']) expect(resourcesOf(five.json, type)).toHaveLength(5);
  });
});
