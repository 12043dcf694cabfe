/**
 * Where the drill gets its load and its local services. The pipeline (issue 4) registers its own
 * here (`registerLoad('pipeline', ...)`, `setLocalServicesFactory(...)`), and `dsm drill --load
 * pipeline` picks it up; until then the built-in sequenced load is the default.
 */
import type { DsmConfig } from '../../config/schema.js';
import type { LocalCluster } from '../nats/local-cluster.js';
import { SequencedLoad } from './sequenced-load.js';
import { unavailableLocalServices, type DrillLoad, type LocalServices } from './types.js';

export interface LoadContext {
  cfg: DsmConfig;
  tlsDir: string;
  servers: string[];
  /** Updates per second requested on the command line. */
  rate?: number;
}

export type LoadFactory = (ctx: LoadContext) => DrillLoad;

const loads = new Map<string, LoadFactory>([
  ['builtin', (ctx) => new SequencedLoad({ cfg: ctx.cfg, tlsDir: ctx.tlsDir, servers: ctx.servers, ...(ctx.rate ? { rate: ctx.rate } : {}) })],
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
