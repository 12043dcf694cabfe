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
import { unavailableLocalServices, type DrillLoad, type LocalServices } from './types.js';

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

let localServicesFactory: (cluster: LocalCluster) => LocalServices = () => unavailableLocalServices;

export function setLocalServicesFactory(f: (cluster: LocalCluster) => LocalServices): void {
  localServicesFactory = f;
}

export function localServicesFor(cluster: LocalCluster): LocalServices {
  return localServicesFactory(cluster);
}
