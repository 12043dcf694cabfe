import { CloudWatchClient, InvalidParameterValueException, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { backoffDelay, CloudWatchEmitter, isRetryable, MAX_DATA_PER_REQUEST } from './cloudwatch.js';
import { metricPoint, type MetricPoint } from './points.js';

const cw = mockClient(CloudWatchClient);
const TS = Date.parse('2026-01-01T00:00:00Z');

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
}

function points(n: number, startValue = 0): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => metricPoint('natsMsgsInRate', { Cluster: 'dsm-test', Node: `nats-${(i % 3) + 1}` }, startValue + i, TS + i));
}

function emitter(opts: Partial<ConstructorParameters<typeof CloudWatchEmitter>[1]> = {}) {
  const sleeps: number[] = [];
  const e = new CloudWatchEmitter(new CloudWatchClient({ region: 'us-east-1' }), {
    namespace: 'DSM',
    storageResolution: 1,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    ...opts,
  });
  return { e, sleeps };
}

beforeEach(() => cw.reset());

describe('CloudWatchEmitter', () => {
  it('sends PutMetricData with the catalog name, unit, dimensions and the configured resolution', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    const { e } = emitter();
    e.enqueue([metricPoint('latencyP99', { Cluster: 'dsm-test', Hop: 'end_to_end' }, 812, TS)]);
    await e.flush();
    const calls = cw.commandCalls(PutMetricDataCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Namespace: 'DSM',
      MetricData: [{
        MetricName: 'LatencyP99',
        Dimensions: [{ Name: 'Cluster', Value: 'dsm-test' }, { Name: 'Hop', Value: 'end_to_end' }],
        Unit: 'Microseconds',
        Value: 812,
        Timestamp: new Date(TS),
        StorageResolution: 1,
      }],
    });
    expect(e.stats).toMatchObject({ sent: 1, requests: 1, dropped: 0, rejected: 0, queued: 0 });
  });

  it('splits a large queue into requests of at most 1000 data, in order', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    const { e } = emitter({ maxQueue: 5000 });
    e.enqueue(points(2500));
    await e.flush();
    const sizes = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData!.length);
    expect(sizes).toEqual([MAX_DATA_PER_REQUEST, MAX_DATA_PER_REQUEST, 500]);
    const values = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData!.map((d) => d.Value));
    expect(values).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(e.stats.sent).toBe(2500);
  });

  it('retries throttling with exponential backoff and jitter, then succeeds', async () => {
    cw.on(PutMetricDataCommand).rejectsOnce(throttling()).rejectsOnce(throttling()).resolves({});
    const { e, sleeps } = emitter({ baseDelayMs: 100, maxDelayMs: 10_000 });
    e.enqueue(points(3));
    await e.flush();
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(3);
    // random() = 0.5: half of 100 * 2^0, then half of 100 * 2^1.
    expect(sleeps).toEqual([50, 100]);
    expect(e.stats).toMatchObject({ sent: 3, retries: 2, requests: 3, dropped: 0 });
  });

  it('keeps the points when AWS keeps throttling, then drops the oldest when the queue overflows, counting them', async () => {
    cw.on(PutMetricDataCommand).rejects(throttling());
    const { e } = emitter({ maxQueue: 10, maxAttempts: 3 });
    e.enqueue(points(8, 0));
    await e.flush();
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(3);
    expect(e.stats).toMatchObject({ sent: 0, queued: 8, dropped: 0 });
    expect(e.stats.lastError).toContain('Throttling: Rate exceeded');
    e.enqueue(points(5, 100));
    expect(e.stats).toMatchObject({ queued: 10, dropped: 3 });
    // AWS recovers: exactly the 10 newest go out, oldest first.
    cw.reset();
    cw.on(PutMetricDataCommand).resolves({});
    await e.flush();
    const values = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData!.map((d) => d.Value));
    expect(values).toEqual([3, 4, 5, 6, 7, 100, 101, 102, 103, 104]);
  });

  it('does not retry a request AWS rejects for good, and reports it', async () => {
    cw.on(PutMetricDataCommand).rejects(new InvalidParameterValueException({ message: 'The value 1e400 is invalid', $metadata: { httpStatusCode: 400 } }));
    const { e } = emitter();
    e.enqueue(points(4));
    await e.flush();
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(1);
    expect(e.stats).toMatchObject({ rejected: 4, sent: 0, queued: 0 });
    expect(e.stats.lastError).toBe('InvalidParameterValueException: The value 1e400 is invalid (HTTP 400)');
  });

  it('never queues non-finite values (CloudWatch rejects them) and counts them', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    const { e } = emitter();
    e.enqueue([...points(1), metricPoint('natsRoutes', { Cluster: 'c', Node: 'n' }, Number.NaN, TS)]);
    await e.flush();
    expect(cw.commandCalls(PutMetricDataCommand)[0]!.args[0].input.MetricData).toHaveLength(1);
    expect(e.stats.rejected).toBe(1);
  });

  it('enqueue returns at once even while a request is hanging', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    cw.on(PutMetricDataCommand).callsFake(async () => { await gate; return {}; });
    const { e } = emitter();
    e.enqueue(points(1));
    let settled = false;
    const pending = e.flush().then(() => void (settled = true));
    await new Promise((r) => setImmediate(r));
    // enqueue is synchronous: the points are queued while the request is still outstanding.
    expect(e.enqueue(points(1000))).toBeUndefined();
    expect(e.stats.queued).toBe(1000);
    expect(settled).toBe(false);
    await new Promise((r) => setImmediate(r));
    release();
    await pending;
    await e.flush();
    expect(e.stats).toMatchObject({ sent: 1001, queued: 0 });
  });
});

describe('retry policy', () => {
  it('classifies throttling and 5xx as retryable, client errors as not', () => {
    expect(isRetryable(throttling())).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))).toBe(false);
  });

  it('caps the backoff at the maximum', () => {
    expect(backoffDelay(0, 200, 5000, () => 0.999)).toBe(199);
    expect(backoffDelay(10, 200, 5000, () => 0.999)).toBe(4995);
    expect(backoffDelay(3, 200, 5000, () => 0)).toBe(0);
  });
});
