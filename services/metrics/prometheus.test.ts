import { metricPoint } from './points.js';
import { PrometheusExporter, prometheusName } from './prometheus.js';

describe('PrometheusExporter', () => {
  let exp: PrometheusExporter | undefined;
  afterEach(async () => exp?.close());

  it('names gauges after the catalog and labels them with its dimensions', () => {
    expect(prometheusName('natsMsgsInRate')).toBe('dsm_nats_msgs_in_rate');
    expect(prometheusName('latencyP999')).toBe('dsm_latency_p999');
    expect(prometheusName('clusterDeliveredRate')).toBe('dsm_cluster_delivered_msg_rate');
  });

  it('serves the latest values on /metrics over HTTP on loopback', async () => {
    exp = new PrometheusExporter();
    exp.update([
      metricPoint('natsMsgsInRate', { Cluster: 'dsm-local', Node: 'nats-1' }, 1500, 0),
      metricPoint('latencyP99', { Cluster: 'dsm-local', Hop: 'end_to_end' }, 420, 0),
    ]);
    exp.update([metricPoint('natsMsgsInRate', { Cluster: 'dsm-local', Node: 'nats-1' }, 1750, 1)]);
    const addr = await exp!.listen('127.0.0.1', 0);
    expect(addr.address).toBe('127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${addr.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('dsm_nats_msgs_in_rate{cluster="dsm-local",node="nats-1"} 1750');
    expect(body).toContain('dsm_latency_p99{cluster="dsm-local",hop="end_to_end"} 420');
    expect(body).toContain('# TYPE dsm_nats_routes gauge');
    expect((await fetch(`http://127.0.0.1:${addr.port}/nope`)).status).toBe(404);
  });
});
