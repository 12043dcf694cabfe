/**
 * The same metrics the agent sends to CloudWatch, exposed in Prometheus text format (prom-client)
 * for shops that scrape with Prometheus and chart with Grafana. One gauge per catalog metric;
 * CloudWatch dimensions become lower-case labels.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import { METRICS, type MetricKey } from '../../config/metrics.js';
import type { MetricPoint } from './points.js';

/** NatsMsgsInRate -> dsm_nats_msgs_in_rate */
export function prometheusName(metric: MetricKey): string {
  return `dsm_${METRICS[metric].name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`;
}

export class PrometheusExporter {
  readonly registry = new Registry();
  private readonly gauges = new Map<MetricKey, Gauge>();
  private server: Server | undefined;

  constructor() {
    for (const key of Object.keys(METRICS) as MetricKey[]) {
      const def = METRICS[key];
      this.gauges.set(key, new Gauge({
        name: prometheusName(key),
        help: `${def.description} (${def.unit})`,
        labelNames: def.dimensions.map((d) => d.toLowerCase()),
        registers: [this.registry],
      }));
    }
  }

  update(points: readonly MetricPoint[]): void {
    for (const p of points) {
      const labels = Object.fromEntries(Object.entries(p.dimensions).map(([k, v]) => [k.toLowerCase(), v]));
      this.gauges.get(p.metric)!.set(labels, p.value);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Serve `/metrics` on host:port (port 0 picks a free one); resolves with the bound address. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
        this.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
