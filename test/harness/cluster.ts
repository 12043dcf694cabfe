/**
 * Test harness: a real 3- (or 5-) node mTLS nats-server cluster on 127.0.0.1 with free ports and
 * fresh certificates in a temp directory, started with the same LocalCluster `dsm up` uses.
 * Always pair `startTestCluster` with `stop()` in afterAll; the servers are also killed when the
 * test process exits, so a failing test leaves nothing running.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions, NatsConnection } from 'nats';
import { loadConfig, validateConfig } from '../../config/load.js';
import type { DsmConfig, DsmConfigInput } from '../../config/schema.js';
import { localConfig } from '../../config/local.js';
import { natsNodes, type NatsNode } from '../../config/topology.js';
import { connectAs } from '../../services/nats/connect.js';
import { LocalCluster } from '../../services/nats/local-cluster.js';
import { withFreeLoopbackPorts } from '../../services/nats/ports.js';

export interface TestCluster {
  config: DsmConfig;
  cluster: LocalCluster;
  nodes: NatsNode[];
  dir: string;
  tlsDir: string;
  clientUrls: string[];
  monitorUrls: string[];
  connect(identity: string, opts?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  stop(): Promise<void>;
}

/** The local config with its ports moved to a free block (client, cluster, monitor ranges). */
export async function testConfig(overrides: { nodes?: 3 | 5; patch?: (c: DsmConfigInput) => DsmConfigInput } = {}): Promise<DsmConfig> {
  const nodes = overrides.nodes ?? 3;
  let input: DsmConfigInput = await withFreeLoopbackPorts({ ...localConfig, nats: { ...localConfig.nats, nodes, clusterName: `dsm-test-${process.pid}` } });
  if (overrides.patch) input = overrides.patch(input);
  return validateConfig(input, 'test');
}

export async function startTestCluster(opts: { nodes?: 3 | 5; patch?: (c: DsmConfigInput) => DsmConfigInput } = {}): Promise<TestCluster> {
  const config = await testConfig(opts);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-test-'));
  const cluster = new LocalCluster(config, { dir });
  const opened: NatsConnection[] = [];
  try {
    await cluster.start({ timeoutMs: 20_000 });
  } catch (err) {
    await cluster.stop(1000);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    config,
    cluster,
    nodes: natsNodes(config),
    dir,
    tlsDir: cluster.tlsDir,
    clientUrls: cluster.clientUrls,
    monitorUrls: cluster.monitorUrls,
    async connect(identity, o = {}) {
      const nc = await connectAs(config, identity, { tlsDir: cluster.tlsDir, ...o });
      opened.push(nc);
      return nc;
    },
    async stop() {
      await Promise.all(opened.map((nc) => nc.close().catch(() => undefined)));
      await cluster.stop(3000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { loadConfig };
