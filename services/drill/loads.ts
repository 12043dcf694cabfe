/**
 * Where the drill gets its load and its local services. The pipeline (issue 4) registers its own
 * here (`registerLoad(name, ...)`, `setLocalServicesFactory(...)`). `builtin` (sequenced
 * publisher + gap-checking mirrors) is the default; `pipeline` runs the real ingest service and
 * DSM subscribers on recorded sessions.
 */
import path from 'node:path';
import type { DsmConfig } from '../../config/schema.js';
import type { LocalCluster } from '../nats/local-cluster.js';
import { PipelineLoad } from './pipeline-load.js';
import { SequencedLoad } from './sequenced-load.js';
import { loadBackedServices } from './load-services.js';
import type { DrillLoad, LocalServices } from './types.js';

export interface LoadContext {
  cfg: DsmConfig;
  tlsDir: string;
  servers: string[];
  /** Updates per second requested on the command line. */
  rate?: number;
}

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export type LoadFactory = (ctx: LoadContext) => DrillLoad;

const loads = new Map<string, LoadFactory>([
  ['builtin', (ctx) => new SequencedLoad({ cfg: ctx.cfg, tlsDir: ctx.tlsDir, servers: ctx.servers, ...(ctx.rate ? { rate: ctx.rate } : {}) })],
  ['pipeline', (ctx) => new PipelineLoad({ cfg: ctx.cfg, tlsDir: ctx.tlsDir, servers: ctx.servers, root: REPO_ROOT, ...(ctx.rate ? { rate: ctx.rate } : {}) })],
  // The real pipeline with a hot-standby ingest pair: what ingest-failover drills run under.
  ['pipeline-ha', (ctx) => new PipelineLoad({ cfg: ctx.cfg, tlsDir: ctx.tlsDir, servers: ctx.servers, root: REPO_ROOT, pair: true, ...(ctx.rate ? { rate: ctx.rate } : {}) })],
]);

export function registerLoad(name: string, factory: LoadFactory): void {
  loads.set(name, factory);
}

export function loadNames(): string[] {
  return [...loads.keys(), 'none'];
}

export function createLoad(name: string, ctx: LoadContext): DrillLoad | undefined {
  if (name === 'none') return undefined;
  const f = loads.get(name);
  if (!f) throw new Error(`unknown load "${name}"; available: ${loadNames().join(', ')}`);
  return f(ctx);
}

type ServicesFactory = (cluster: LocalCluster, load: DrillLoad | undefined) => LocalServices;

/** Default: what the load itself can do (subscriber scaling, feed cut); no ingest pair. */
let localServicesFactory: ServicesFactory = (_cluster, load) => loadBackedServices(load);

export function setLocalServicesFactory(f: ServicesFactory): void {
  localServicesFactory = f;
}

export function localServicesFor(cluster: LocalCluster, load: DrillLoad | undefined): LocalServices {
  return localServicesFactory(cluster, load);
}
