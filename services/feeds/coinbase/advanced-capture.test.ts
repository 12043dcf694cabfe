/**
 * The recorded Advanced Trade kind (`coinbase-advanced-capture`): `dsm record --venue coinbase
 * --kind coinbase-advanced-ws` against the local peer, then the capture as the ingest reads it:
 * frames decoded (and their sequence checked) by FrameCaptureSource on one side, each input
 * cloned across as to the owning worker and kept by the venue's keeper on the other.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDsm } from '../../../test/harness/cli.js';
import type { DecodeProblem } from '../../marketdata/events.js';
import { FrameCaptureSource } from '../../ingest/sources/captures.js';
import { recordFeed } from '../capture/recorder.js';
import { coinbaseAdvancedLive } from './advanced-live.js';
import { CoinbaseAdvancedPeer } from './advanced-peer.js';
import { NO_EMIT } from '../../replay/emit.js';
import { coinbaseKeeper } from './keeper.js';
import { replayCoinbase } from './replay.js';
import { coinbaseRecording } from './venue.js';
import { sleep, waitFor } from '../../../test/harness/live-run.js';

const PRODUCTS = ['BTC-USD', 'ETH-USD'];

/** Replay a capture as the ingest does; the keeper's books and problems. */
async function replay(path: string) {
  const decoder = coinbaseAdvancedLive({ url: 'capture', products: PRODUCTS, exchange: 'COINBASE' });
  const keeper = coinbaseKeeper('COINBASE');
  const src = new FrameCaptureSource(path, decoder, 'COINBASE');
  const problems: DecodeProblem[] = [];
  for await (const u of src.updates()) {
    const r = keeper.keep(structuredClone(u.input!.data), { recvMonoNs: u.recvMonoNs, recvWallUs: u.atUs }, u.input!.line);
    problems.push(...r.problems);
  }
  return { keeper, problems, sequence: decoder.sequence.stats, stats: src.stats };
}

function equalsPeer(keeper: ReturnType<typeof coinbaseKeeper>, peer: CoinbaseAdvancedPeer, product: string): boolean {
  const book = keeper.book(product);
  if (!book) return false;
  const { priceDecimals: pd, sizeDecimals: sd } = book.format;
  return JSON.stringify([book.top('bid', 100), book.top('ask', 100)]) === JSON.stringify([peer.bookOf(product).scaled('bid', pd, sd), peer.bookOf(product).scaled('ask', pd, sd)]);
}

describe('coinbase-advanced-capture: record, then replay with the sequence check', () => {
  let dir: string;
  let peer: CoinbaseAdvancedPeer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dsm-cb-adv-'));
    peer = await new CoinbaseAdvancedPeer({ symbols: PRODUCTS }).start();
  });
  afterEach(async () => {
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Record until the peer saw both subscribes, let `act` change the books, then stop. */
  async function record(out: string, act: () => void): Promise<void> {
    const stop = new AbortController();
    const done = recordFeed(coinbaseRecording(PRODUCTS, { kind: 'coinbase-advanced-ws', wsUrl: peer.wsUrl }), { out, signal: stop.signal });
    const before = peer.received.length;
    await waitFor('the subscribes', () => peer.received.length >= before + 2);
    act();
    await sleep(250);
    stop.abort();
    await done;
  }

  it('dsm record --kind coinbase-advanced-ws subscribes level2 and heartbeats; the replayed books equal the peer\'s', async () => {
    const out = join(dir, 'cb.ws.txt');
    const cli = runDsm(['record', '--venue', 'coinbase', '--kind', 'coinbase-advanced-ws', '--symbols', PRODUCTS.join(','), '--url', peer.wsUrl, '--out', out, '--seconds', '4'], { env: { DSM_LOG_LEVEL: 'warn' } });
    await waitFor('the subscribes', () => peer.received.length >= 2, 30_000);
    for (let i = 0; i < 100; i++) peer.walkOnce();
    const r = await cli;
    expect(r.code, r.stderr).toBe(0);
    expect(peer.received.map((m) => JSON.parse(m))).toEqual([
      { type: 'subscribe', product_ids: PRODUCTS, channel: 'level2' },
      { type: 'subscribe', channel: 'heartbeats' },
    ]);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+ <-> \d+\.\d{6}$/);
    const { keeper, problems, sequence } = await replay(out);
    expect(problems).toEqual([]);
    expect(sequence).toMatchObject({ gaps: 0, old: 0 });
    for (const p of PRODUCTS) expect(equalsPeer(keeper, peer, p), p).toBe(true);
    expect(keeper.syncStats()).toMatchObject({ gaps: 0, applied: 2 + 200 });
    // dsm book replay tells the protocol from the frames and checks the sequence.
    const replayed = await runDsm(['book', 'replay', '-f', 'coinbase', out], { env: { DSM_LOG_LEVEL: 'warn' } });
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ format: 'coinbase', protocol: 'advanced-trade', events: 202, books: 2, gaps: 0, crossed: 0, malformed: 0, sequence_gaps: 0, sequence_lost: 0, connections: 1 });
    const refused = await runDsm(['record', '--venue', 'kraken', '--kind', 'coinbase-advanced-ws', '--symbols', 'XBT/USD', '--out', join(dir, 'x.txt')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--kind: kraken records kraken-ws, not coinbase-advanced-ws/);
  }, 60_000);

  it('a message lost in the recording is found on replay: every product of the connection stops, with a gap problem', async () => {
    const out = join(dir, 'lossy.ws.txt');
    await record(out, () => {
      for (let i = 0; i < 20; i++) peer.walkOnce();
      peer.inject({ kind: 'lose-message', symbol: 'ETH-USD' });
      for (let i = 0; i < 20; i++) peer.walkOnce();
    });
    const { keeper, problems, sequence, stats } = await replay(out);
    expect(sequence).toMatchObject({ gaps: 1, lost: 1 });
    expect(stats.notes).toContainEqual(expect.stringMatching(/^COINBASE sequence_num: 1 gap\(s\), 1 message\(s\) lost/));
    expect(problems.map((p) => p.kind)).toEqual(['gap', 'gap']);
    expect(keeper.syncStats()).toMatchObject({ gaps: 2, resyncs: 0 });
    // Nothing after the loss is applied: steps 22..40 of both products (step 21 lost ETH-USD's change after sending BTC-USD's).
    expect(keeper.syncStats().dropped).toBe(19 * 2);
    expect(equalsPeer(keeper, peer, 'BTC-USD')).toBe(false);
    expect(await replayCoinbase([out], { depth: 10, emit: NO_EMIT })).toMatchObject({ protocol: 'advanced-trade', books: 2, gaps: 2, resyncs: 0, dropped: 38, sequence_gaps: 1, sequence_lost: 1, problems: { gap: 2 } });
  });

  it('a recording that spans a reconnect: the open line invalidates every product, the new connection\'s snapshots bring them back', async () => {
    const out = join(dir, 'two.ws.txt');
    const first = join(dir, 'a.ws.txt');
    const second = join(dir, 'b.ws.txt');
    await record(first, () => { for (let i = 0; i < 20; i++) peer.walkOnce(); });
    // Changes no recording saw, then a second connection.
    for (let i = 0; i < 5; i++) peer.walkOnce();
    await record(second, () => { for (let i = 0; i < 20; i++) peer.walkOnce(); });
    appendFileSync(out, readFileSync(first, 'utf8'));
    appendFileSync(out, readFileSync(second, 'utf8'));
    const { keeper, problems, sequence } = await replay(out);
    expect(problems.map((p) => [p.kind, p.detail.split(':')[0]])).toEqual([['gap', 'BTC-USD'], ['gap', 'ETH-USD']]);
    expect(sequence).toMatchObject({ gaps: 0, connections: 2 });
    expect(keeper.syncStats()).toMatchObject({ gaps: 2, resyncs: 2 });
    for (const p of PRODUCTS) expect(equalsPeer(keeper, peer, p), p).toBe(true);
  });
});
