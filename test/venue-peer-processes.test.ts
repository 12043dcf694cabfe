/**
 * Venue faults injected from outside the test suite, laid out as in production: a real 3-node
 * mTLS nats-server cluster; `dsm venue-peer serve` processes speaking Kraken, Binance and
 * Coinbase Advanced Trade (the sequenced protocol production uses) on loopback; a config file whose feeds point at them (`--config FILE`, as an operator
 * would write it from the peers' printed entries); `dsm ingest` started as dsm-ingest.service
 * starts it (`--tls-dir --publisher-id ingest-<member> --lease ingest`, worker threads running the
 * feeds); `dsm subscribe` as a host-group member (dsm-subscriber.service's arguments) with its
 * books written to a report every 250 ms and every applied update to JSONL; and `dsm
 * metrics-agent` (CloudWatch dry run, Prometheus). Every fault goes in through
 * `dsm venue-peer fault`. After each round the subscriber's books equal the peers' own, the
 * counters show the gap and the recovery per symbol (ingest progress log) and per exchange
 * (CloudWatch names, Prometheus), and no stale book was published as good: after a STALE marker
 * the next update a subscriber applied was the recovery snapshot.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../config/load.js';
import { PeerControlClient, type PeerBookView } from '../services/feeds/peer-control.js';
import type { SymbolHealth } from '../services/ingest/feed-update.js';
import { shardOf } from '../services/ingest/shard.js';
import { parseScaled } from '../services/marketdata/decimal.js';
import { startTestCluster, type TestCluster } from './harness/cluster.js';
import { runDsm, spawnDsm, type DsmProcess } from './harness/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, why: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${why() ? `: ${why()}` : ''}`);
    await sleep(100);
  }
}

const VENUES = [
  { venue: 'kraken', exchange: 'KRAKEN', symbols: ['XBT/USD', 'ETH/USD'] },
  { venue: 'binance', exchange: 'BINANCE', symbols: ['BTCUSDT', 'ETHUSDT'] },
  { venue: 'coinbase-advanced', exchange: 'COINBASE', symbols: ['BTC-USD', 'ETH-USD', 'SOL-USD'] },
] as const;
/**
 * Advanced Trade numbers messages per connection, and each ingest worker opens its own: a message
 * lost on BTC-USD's connection resyncs ETH-USD too (same worker), SOL-USD is on the other one.
 */
const COINBASE_LOSSY = ['BTC-USD', 'ETH-USD'];
type Exchange = (typeof VENUES)[number]['exchange'];

/**
 * Feed timings tight enough for a test: a stall is noticed after 2.5 s of silence (twice the
 * peers' keep-alive period, so a paused walk on a loaded machine never trips it).
 */
const connection = { watchdogMs: 2500, connectTimeoutMs: 3000, reconnect: { baseMs: 50, maxMs: 500, jitterMs: 50 }, recovery: { baseMs: 50, maxMs: 500, jitterMs: 50 }, recoveryTimeoutMs: 500, restTimeoutMs: 1000 };

interface PeerOut { venue: string; url: string; restUrl?: string; control: string; symbols: string[]; exchange: { name: string; symbols: string[]; feed: Record<string, unknown> } }
interface ReportBook { exchange: string; symbol: string; seq: number; live: boolean; stale: boolean; format: { priceDecimals: number; sizeDecimals: number }; bids: Array<[number, number]>; asks: Array<[number, number]> }
interface Report { at: number; totals: { gaps: number }; books: ReportBook[] }
interface JsonLine { type: string; flags: string[]; exchange: string; symbol: string; seq: number }

describe('venue faults injected with dsm venue-peer into dsm ingest and dsm subscribe processes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsm-venue-peers-'));
  const configFile = path.join(dir, 'peers-env.json');
  const reportFile = path.join(dir, 'books.json');
  const jsonlFile = path.join(dir, 'updates.jsonl');
  let tc: TestCluster;
  const peers = new Map<Exchange, { proc: DsmProcess; out: PeerOut; control: PeerControlClient }>();
  let ingest: DsmProcess;
  let subscriber: DsmProcess;
  let agent: DsmProcess;
  let prometheusUrl = '';
  const t0 = Date.now();

  beforeAll(async () => {
    // The cluster and the peers start side by side.
    const cluster = startTestCluster().then((c) => (tc = c));
    await Promise.all([cluster, ...VENUES.map(async (v) => {
      const proc = spawnDsm(`peer-${v.venue}`, ['venue-peer', 'serve', v.venue, '--symbols', v.symbols.join(','), '--interval', '20', '--json']);
      const line = await proc.waitFor(/^\{.*\}$/m);
      const out = JSON.parse(line[0]) as PeerOut;
      peers.set(v.exchange, { proc, out, control: new PeerControlClient(out.control) });
    })]);
    // The operator's config: the test environment with each live exchange's entry as its peer
    // printed it, plus the feed timings; worker threads as in production.
    const config = validateConfig({
      ...tc.config,
      exchanges: tc.config.exchanges.map((ex) => {
        const p = peers.get(ex.name as Exchange);
        return p ? { ...p.out.exchange, feed: { ...p.out.exchange.feed, connection } } : ex;
      }),
      ingest: { ...tc.config.ingest, workers: 2 },
      metrics: { ...tc.config.metrics, scrapeIntervalSeconds: 1 },
      groups: { ...tc.config.groups, announceIntervalMs: 500 },
    }, 'test');
    writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
    const common = ['--config', configFile, '--tls-dir', tc.tlsDir];
    // dsm-ingest.service: `dsm ingest --env ${DSM_ENV} $DSM_INGEST_ARGS`, the args from stacks/boot-scripts.ts.
    ingest = spawnDsm('ingest', ['ingest', ...common, '--publisher-id', 'ingest-a', '--lease', 'ingest', '--exchanges', VENUES.map((v) => v.exchange).join(','), '--progress-interval', '500']);
    // dsm-subscriber.service: `--identity subscriber --group subscribers`, plus the dump facility.
    subscriber = spawnDsm('subscriber', ['subscribe', ...common, '--identity', 'subscriber', '--group', 'subscribers', '--member', 'm1', '--report', reportFile, '--report-every', '250', '--jsonl', jsonlFile]);
    agent = spawnDsm('metrics-agent', ['metrics-agent', ...common, '--cloudwatch', 'dry-run', '--prometheus-port', '0', '--interval', '1']);
    prometheusUrl = (await agent.waitFor(/prometheus metrics on (\S+)/))[1]!;
    await subscriber.waitFor(/^joined group subscribers/m, 'stderr');
    await waitFor('every book live at the subscriber', () => {
      const r = report();
      return r !== undefined && VENUES.every((v) => v.symbols.every((s) => r.books.some((b) => b.exchange === v.exchange && b.symbol === s && b.live && !b.stale)));
    }, 30_000, () => `ingest: ${ingest.stderr().split('\n').slice(-3).join(' ')}`);
  }, 90_000);

  afterAll(async () => {
    const codes = await Promise.all([subscriber, ingest, agent, ...[...peers.values()].map((p) => p.proc)].filter(Boolean).map(async (p) => [p.name, await p.stop()] as const));
    await tc?.stop();
    rmSync(dir, { recursive: true, force: true });
    // Each of them stops cleanly on SIGTERM, as under systemd.
    expect(codes.filter(([, c]) => c !== 0)).toEqual([]);
  }, 60_000);

  function report(): Report | undefined {
    try { return JSON.parse(readFileSync(reportFile, 'utf8')) as Report; } catch { return undefined; }
  }

  /** The ingest's per-symbol health, from its progress log: a symbol is listed while stale and after its counters move. */
  function symbolHealth(): Map<string, SymbolHealth> {
    const out = new Map<string, SymbolHealth>();
    for (const line of ingest.stderr().split('\n')) {
      if (!line.includes('"progress"')) continue;
      const p = JSON.parse(line) as { msg: string; symbols?: Record<string, SymbolHealth> };
      if (p.msg === 'progress') for (const [s, h] of Object.entries(p.symbols ?? {})) out.set(s, h);
    }
    return out;
  }
  const health = (exchange: Exchange, symbol: string): SymbolHealth => symbolHealth().get(`${exchange}:${symbol}`) ?? { gaps: 0, recoveries: 0, attempts: 0, staleMs: 0, stale: false };

  /** What the agent would have sent CloudWatch: counts summed over its ticks, and the latest level. */
  function cloudwatch(): { sums: Map<string, number>; latest: Map<string, number>; max: Map<string, number> } {
    const sums = new Map<string, number>();
    const latest = new Map<string, number>();
    const max = new Map<string, number>();
    for (const line of agent.stdout().split('\n')) {
      if (!line.startsWith('would call PutMetricData')) continue;
      for (const m of line.matchAll(/(Feed\w+)\{[^}]*Exchange=(\w+)[^}]*\}=([\d.]+)/g)) {
        const key = `${m[1]} ${m[2]}`;
        const v = Number(m[3]);
        sums.set(key, (sums.get(key) ?? 0) + v);
        latest.set(key, v);
        max.set(key, Math.max(max.get(key) ?? 0, v));
      }
    }
    return { sums, latest, max };
  }

  const fault = async (exchange: Exchange, kind: string, ...more: string[]) => {
    const r = await runDsm(['venue-peer', 'fault', '--control', peers.get(exchange)!.out.control, '--kind', kind, ...more]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  /**
   * Pause every peer's walk (through the CLI, or its control URL directly to save the CLI's start
   * time), then each subscriber book must equal the peer's own.
   */
  async function booksEqualPeers(via: 'cli' | 'http', resume: boolean): Promise<void> {
    if (via === 'cli') {
      const paused = await Promise.all(VENUES.map((v) => runDsm(['venue-peer', 'walk', 'off', '--control', peers.get(v.exchange)!.out.control])));
      expect(paused.map((r) => [r.code, r.stdout.trim()])).toEqual(VENUES.map(() => [0, 'walk paused']));
    } else {
      await Promise.all(VENUES.map((v) => peers.get(v.exchange)!.control.walk({ running: false })));
    }
    const want = new Map<string, PeerBookView>();
    for (const v of VENUES) for (const s of v.symbols) want.set(`${v.exchange}:${s}`, await peers.get(v.exchange)!.control.book(s));
    if (via === 'cli') {
      // What an operator compares with: the same book from `dsm venue-peer book`.
      const book = await runDsm(['venue-peer', 'book', '--control', peers.get('KRAKEN')!.out.control, '--symbol', 'XBT/USD', '--json']);
      expect(book.code, book.stderr).toBe(0);
      expect(JSON.parse(book.stdout)).toEqual(want.get('KRAKEN:XBT/USD'));
    }
    const differing = () => {
      const r = report();
      if (!r) return ['no report yet'];
      return [...want].filter(([key, peer]) => {
        const b = r.books.find((x) => `${x.exchange}:${x.symbol}` === key);
        if (!b || !b.live || b.stale) return true;
        const scale = (levels: Array<[string, string]>) => levels.map(([p, q]) => [parseScaled(p, b.format.priceDecimals), parseScaled(q, b.format.sizeDecimals)]);
        return JSON.stringify([b.bids, b.asks]) !== JSON.stringify([scale(peer.bids), scale(peer.asks)]);
      }).map(([key]) => key);
    };
    await waitFor('the subscriber\'s books to equal the peers\'', () => differing().length === 0, 15_000, () => `differing: ${differing().join(', ')}`);
    if (via === 'cli') {
      // And as an operator checks it: the peer's book against the subscriber's report.
      const checks = await Promise.all([['BINANCE', 'BTCUSDT'], ['COINBASE', 'ETH-USD']].map(([ex, s]) => runDsm(['venue-peer', 'book', '--control', peers.get(ex as Exchange)!.out.control, '--symbol', s!, '--against', reportFile])));
      for (const [i, key] of ['BINANCE:BTCUSDT', 'COINBASE:ETH-USD'].entries()) {
        expect(checks[i]!.code, checks[i]!.stderr).toBe(0);
        expect(checks[i]!.stdout).toMatch(new RegExp(`^${key}: the subscriber's book equals the peer's \\(\\d+ bids, \\d+ asks, seq \\d+, report [\\d.]+ s old\\)$`, 'm'));
      }
    }
    if (resume) await Promise.all(VENUES.map((v) => peers.get(v.exchange)!.control.walk({ running: true })));
  }

  /** Per symbol, what the subscriber applied: after a STALE marker only a snapshot, never a delta. */
  function staleMarkers(): Map<string, number> {
    const lines = readFileSync(jsonlFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
    const markers = new Map<string, number>();
    const stale = new Set<string>();
    for (const m of lines) {
      const key = `${m.exchange}:${m.symbol}`;
      if (m.type === 'snapshot') stale.delete(key);
      else if (m.flags.includes('STALE')) { stale.add(key); markers.set(key, (markers.get(key) ?? 0) + 1); }
      else expect(stale.has(key), `${key} seq ${m.seq}: a delta applied while the book was stale`).toBe(false);
    }
    expect([...stale], 'books still stale at the subscriber').toEqual([]);
    return markers;
  }

  it('round 1: a bad Kraken checksum, a skipped Binance update id, a lost Coinbase message', async () => {
    // The workers' split that makes BTC-USD and ETH-USD share a Coinbase connection (ingest.workers 2).
    expect(VENUES[2].symbols.map((s) => shardOf('COINBASE', s, 2))).toEqual([1, 1, 0]);
    const done = await Promise.all([
      fault('KRAKEN', 'bad-checksum', '--symbol', 'XBT/USD'),
      fault('BINANCE', 'skip-update-id', '--symbol', 'BTCUSDT'),
      fault('COINBASE', 'lose-message', '--symbol', 'BTC-USD'),
    ]);
    expect(done[0]).toMatch(/XBT\/USD carries a wrong checksum/);
    expect(done[2]).toMatch(/BTC-USD \(a deep size change\) is applied and numbered but never sent/);
    const hit = [['KRAKEN', 'XBT/USD'], ['BINANCE', 'BTCUSDT'], ...COINBASE_LOSSY.map((s) => ['COINBASE', s])] as Array<[Exchange, string]>;
    await waitFor('the books recovered (ingest progress log)', () => hit.every(([ex, s]) => health(ex, s).recoveries >= 1 && !health(ex, s).stale), 20_000, () => JSON.stringify(Object.fromEntries(symbolHealth())));
    await booksEqualPeers('cli', true);
    for (const [ex, s] of hit) expect(health(ex, s), `${ex}:${s}`).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
    for (const [ex, s] of hit.slice(0, 2)) expect(health(ex, s).attempts, `${ex}:${s}`).toBeGreaterThanOrEqual(1);
    // One resubscribe brings both Coinbase books back; whichever asked first counts the attempt.
    expect(COINBASE_LOSSY.reduce((a, s) => a + health('COINBASE', s).attempts, 0)).toBeGreaterThanOrEqual(1);
    // The other symbols were not touched: Kraken's and Binance's other one, Coinbase's on the other connection.
    for (const [ex, s] of [['KRAKEN', 'ETH/USD'], ['BINANCE', 'ETHUSDT'], ['COINBASE', 'SOL-USD']] as const) expect(health(ex, s).gaps, `${ex}:${s}`).toBe(0);
    const markers = staleMarkers();
    expect(Object.fromEntries(markers)).toEqual({ 'KRAKEN:XBT/USD': 1, 'BINANCE:BTCUSDT': 1, 'COINBASE:BTC-USD': 1, 'COINBASE:ETH-USD': 1 });
    // The peer took one lost message; the ingest found it by sequence_num alone.
    expect((await peers.get('COINBASE')!.control.status()).faults).toEqual({ 'lose-message': 1 });
    // Per exchange, through the agent, under the CloudWatch names: a gap and a recovery per book hit.
    const perExchange = { KRAKEN: 1, BINANCE: 1, COINBASE: COINBASE_LOSSY.length };
    await waitFor('the agent to count the recoveries', () => VENUES.every((v) => cloudwatch().sums.get(`FeedRecoveries ${v.exchange}`) === perExchange[v.exchange]), 10_000, () => JSON.stringify(Object.fromEntries(cloudwatch().sums)));
    for (const v of VENUES) expect(cloudwatch().sums.get(`FeedGaps ${v.exchange}`), v.exchange).toBe(perExchange[v.exchange]);
  }, 60_000);

  it('round 2: a Kraken stall without close, a Coinbase disconnect mid-snapshot, a Binance REST snapshot cut mid-body', async () => {
    const before = { coinbase: (await peers.get('COINBASE')!.control.status()).connections };
    const done = await Promise.all([
      fault('KRAKEN', 'stall', '--ms', '5500'),
      fault('COINBASE', 'disconnect-mid-snapshot'),
      fault('BINANCE', 'cut-rest-snapshot', '--symbol', 'ETHUSDT'),
    ]);
    expect(done[0]).toMatch(/stalled for 5500 ms/);
    // While Kraken is stalled its books are stale, and the metrics say so.
    await waitFor('Kraken\'s books stale (watchdog)', () => health('KRAKEN', 'XBT/USD').stale && health('KRAKEN', 'ETH/USD').stale, 10_000);
    await waitFor('FeedSymbolsStale for Kraken', () => (cloudwatch().max.get('FeedSymbolsStale KRAKEN') ?? 0) >= 1, 10_000);
    await waitFor('every book recovered', () => [
      health('KRAKEN', 'XBT/USD').recoveries >= 2, health('KRAKEN', 'ETH/USD').recoveries >= 1,
      health('COINBASE', 'BTC-USD').recoveries >= 2, health('COINBASE', 'ETH-USD').recoveries >= 2, health('COINBASE', 'SOL-USD').recoveries >= 1,
      health('BINANCE', 'ETHUSDT').recoveries >= 1,
    ].every(Boolean) && [...symbolHealth().values()].every((h) => !h.stale), 20_000, () => JSON.stringify(Object.fromEntries(symbolHealth())));
    await booksEqualPeers('http', false);
    // The cut REST body was an attempt that failed: the Binance symbol needed another one.
    expect(health('BINANCE', 'ETHUSDT')).toMatchObject({ gaps: 1, recoveries: 1 });
    expect(health('BINANCE', 'ETHUSDT').attempts).toBeGreaterThanOrEqual(2);
    expect(health('KRAKEN', 'ETH/USD').staleMs).toBeGreaterThan(0);
    // Coinbase: both workers' connections dropped and reconnected; the first snapshot cut half-way and dropped again, then whole.
    expect((await peers.get('COINBASE')!.control.status()).connections).toBeGreaterThanOrEqual(before.coinbase + 3);
    // No stale book applied as good, for any symbol, over both rounds.
    const markers = staleMarkers();
    for (const key of ['KRAKEN:XBT/USD', 'KRAKEN:ETH/USD', 'COINBASE:BTC-USD', 'COINBASE:ETH-USD', 'COINBASE:SOL-USD', 'BINANCE:ETHUSDT']) expect(markers.get(key), key).toBeGreaterThanOrEqual(1);
    expect(markers.get('BINANCE:BTCUSDT')).toBe(1);
    // The agent's per-exchange counts add up to the ingest's per-symbol ones; nothing is stale at the end.
    const perExchange = (ex: Exchange, k: 'gaps' | 'recoveries') => VENUES.find((v) => v.exchange === ex)!.symbols.reduce((a, s) => a + health(ex, s)[k], 0);
    await waitFor('the agent\'s counts to catch up', () => VENUES.every((v) => cloudwatch().sums.get(`FeedRecoveries ${v.exchange}`) === perExchange(v.exchange, 'recoveries') && cloudwatch().latest.get(`FeedSymbolsStale ${v.exchange}`) === 0), 10_000,
      () => JSON.stringify({ sums: Object.fromEntries(cloudwatch().sums), latest: Object.fromEntries(cloudwatch().latest) }));
    for (const v of VENUES) expect(cloudwatch().sums.get(`FeedGaps ${v.exchange}`), v.exchange).toBe(perExchange(v.exchange, 'gaps'));
    expect(cloudwatch().sums.get('FeedStaleSeconds KRAKEN')).toBeGreaterThan(1);
    // The same figures on the agent's Prometheus endpoint.
    const prom = await (await fetch(prometheusUrl)).text();
    for (const v of VENUES) expect(prom).toMatch(new RegExp(`^dsm_feed_symbols_stale\\{cluster="${tc.config.nats.clusterName}",exchange="${v.exchange}"\\} 0$`, 'm'));
    expect(prom).toMatch(/^# HELP dsm_feed_recoveries /m);
    // The subscriber saw every recovery as an in-stream snapshot, never as a sequence gap of its own.
    expect(report()!.totals.gaps).toBe(0);
    // The peers logged what they were told to do.
    expect(peers.get('KRAKEN')!.proc.stderr()).toMatch(/"fault injected"/);
    process.stderr.write(`venue-peer processes: ${((Date.now() - t0) / 1000).toFixed(1)} s to here\n`);
  }, 60_000);
});
