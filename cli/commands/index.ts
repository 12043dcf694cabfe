/**
 * Registry of `dsm` subcommands. Each module exports `register(program: Command): void`.
 * Add a line here when adding a command file.
 */
import type { Command } from 'commander';
import { register as config } from './config.js';
import { register as certs } from './certs.js';
import { register as cluster } from './cluster.js';
import { register as render } from './render.js';
import { register as demo } from './demo.js';
import { register as ingest } from './ingest.js';
import { register as subscribe } from './subscribe.js';
import { register as tail } from './tail.js';
import { register as dashboards } from './dashboards.js';
import { register as book } from './book.js';
import { register as bench } from './bench.js';
import { register as record } from './record.js';
import { register as metricsAgent } from './metrics-agent.js';
import { register as tune } from './tune.js';
import { register as dashboard } from './dashboard.js';
import { register as drill } from './drill.js';
import { register as certsPush } from './certs-push.js';
import { register as twin } from './twin.js';
import { register as venuePeer } from './venue-peer.js';

export const COMMANDS: Array<(program: Command) => void> = [
  config,
  certs,
  cluster,
  render,
  demo,
  ingest,
  subscribe,
  tail,
  dashboards,
  book,
  bench,
  record,
  metricsAgent,
  tune,
  dashboard,
  drill,
  certsPush,
  twin,
  venuePeer,
];
