/**
 * A throw-away local cluster for `dsm drill --ephemeral` (CI): the environment's config with its
 * ports moved to a free block and its state in a temp directory, stopped and removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DsmConfig } from '../../config/schema.js';
import { LocalCluster } from '../nats/local-cluster.js';
import { findFreePortBlock } from '../nats/ports.js';

export interface EphemeralCluster {
  cfg: DsmConfig;
  cluster: LocalCluster;
  dispose(): Promise<void>;
}

export async function startEphemeralCluster(base: DsmConfig): Promise<EphemeralCluster> {
  const n = base.nats.nodes;
  const port = await findFreePortBlock(n * 3);
  const cfg: DsmConfig = {
    ...base,
    nats: { ...base.nats, clusterName: `${base.nats.clusterName}-drill-${process.pid}`, ports: { client: port, cluster: port + n, monitor: port + 2 * n } },
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-drill-'));
  const cluster = new LocalCluster(cfg, { dir });
  const dispose = async () => {
    await cluster.stop(3000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await cluster.start({ timeoutMs: 20_000 });
  } catch (err) {
    await dispose();
    throw err;
  }
  return { cfg, cluster, dispose };
}
