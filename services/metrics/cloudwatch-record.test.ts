import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { TWIN_CONFIG_ENV, twinConfigOverride } from '../../config/twin-override.js';
import { CloudWatchEmitter } from './cloudwatch.js';
import { recordingClientFromEnv } from './cloudwatch-record.js';
import { metricPoint } from './points.js';

describe('twin hooks: recorded PutMetricData, config override', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dsm-cw-record-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('DSM_CLOUDWATCH_RECORD: the real emitter writes each request as a JSON line instead of calling AWS', async () => {
    const file = path.join(dir, 'cw.jsonl');
    expect(recordingClientFromEnv({})).toBeUndefined();
    const client = recordingClientFromEnv({ DSM_CLOUDWATCH_RECORD: file })!;
    const emitter = new CloudWatchEmitter(client, { namespace: 'DSM', storageResolution: 1 });
    emitter.enqueue([metricPoint('natsRoutes', { Cluster: 'dsm-prod', Node: 'nats-1' }, 2, 1_700_000_000_000)]);
    await emitter.flush();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ Namespace: 'DSM', MetricData: [{ MetricName: 'NatsRoutes', Dimensions: [{ Name: 'Cluster', Value: 'dsm-prod' }, { Name: 'Node', Value: 'nats-1' }], Value: 2, StorageResolution: 1 }] });
    expect(emitter.stats.sent).toBe(1);
  });

  it('DSM_TWIN_CONFIG replaces only the environment it names, validated by the schema', () => {
    const prod = JSON.parse(JSON.stringify(loadConfig('prod')));
    prod.nats.placement = 'loopback';
    prod.nats.ports = { client: 31000, cluster: 31003, monitor: 31006 };
    const file = path.join(dir, 'twin.json');
    writeFileSync(file, JSON.stringify(prod));
    expect(twinConfigOverride('prod', { [TWIN_CONFIG_ENV]: file })!.nats.ports.client).toBe(31000);
    expect(twinConfigOverride('local', { [TWIN_CONFIG_ENV]: file })).toBeUndefined();
    expect(twinConfigOverride('prod', {})).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...prod, nats: { ...prod.nats, nodes: 4 } }));
    expect(() => twinConfigOverride('prod', { [TWIN_CONFIG_ENV]: file })).toThrow(/nats.nodes/);
    expect(() => twinConfigOverride('prod', { [TWIN_CONFIG_ENV]: path.join(dir, 'absent.json') })).toThrow(/cannot read/);
  });
});
