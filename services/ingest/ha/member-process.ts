/**
 * One member of a local hot-standby ingest pair, as its own process (so a drill can SIGKILL it).
 * Both members receive the same feed updates from their parent over IPC, as two hosts receive
 * the same multicast feed, and run an HaIngest each; the lease decides which one publishes.
 */
import type { DsmConfig } from '../../../config/schema.js';
import type { FeedUpdate } from '../feed-update.js';
import type { BookDump } from '../publish-engine.js';
import { HaIngest } from './ha-ingest.js';

export type ToMember =
  | { type: 'init'; config: DsmConfig; tlsDir: string; servers: string[]; group: string; id: string; root: string }
  | { type: 'updates'; updates: FeedUpdate[] }
  | { type: 'dump' }
  | { type: 'stop' };

export interface MemberStatus { id: string; leader: boolean; epoch: number; published: number; routed: number }

export type FromMember = { type: 'ready' } | { type: 'status'; status: MemberStatus } | { type: 'dump'; books: BookDump[] } | { type: 'error'; message: string };

const send = (m: FromMember) => process.send?.(m);
let member: HaIngest | undefined;
/** Updates that arrive while the member is still connecting are held, in order. */
let early: FeedUpdate[] | undefined = [];
let id = '';

function status(): MemberStatus {
  const published = member ? member.ingest.workerStats().reduce((a, w) => a + w.published, 0) : 0;
  return { id, leader: member?.leader ?? false, epoch: member?.epoch ?? 0, published, routed: member?.ingest.routed ?? 0 };
}

process.on('message', (m: ToMember) => {
  switch (m.type) {
    case 'init':
      id = m.id;
      member = new HaIngest({ config: m.config, tlsDir: m.tlsDir, servers: m.servers, root: m.root, pace: { mode: 'max' }, sources: [], workers: 0, group: m.group, publisherId: m.id });
      member.start().then(() => {
        for (const u of early ?? []) member!.ingest.route(u);
        early = undefined;
        setInterval(() => send({ type: 'status', status: status() }), 50).unref();
        send({ type: 'ready' });
      }, (e: Error) => send({ type: 'error', message: e.message }));
      break;
    case 'updates':
      if (early) early.push(...m.updates);
      else for (const u of m.updates) member!.ingest.route(u);
      break;
    case 'dump':
      void member?.ingest.dump().then((books) => send({ type: 'dump', books }));
      break;
    case 'stop':
      void (member?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
      break;
  }
});
// The parent going away ends the member too: nothing is left running after a drill or a test.
process.on('disconnect', () => process.exit(0));
