/**
 * Foundation integration tests against a real 3-node mTLS nats-server cluster (issue 2).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { loadConfig, validateConfig } from '../config/load.js';
import { localConfig } from '../config/local.js';
import { prodConfig } from '../config/prod.js';
import { initCerts } from '../services/nats/certs.js';
import { fetchRoutez } from '../services/nats/monitor.js';
import { renderNatsConfig } from '../services/nats/render.js';
import { clientTlsPaths, tlsPaths } from '../services/nats/tls-paths.js';
import { startTestCluster, type TestCluster } from './harness/cluster.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collect what a subscription delivers; a permission error ends it and is recorded. */
function collect(sub: Subscription): { got: string[]; error: Promise<string> } {
  const got: string[] = [];
  const error = (async () => {
    try { for await (const m of sub) got.push(m.subject); return 'ended'; } catch (e) { return (e as Error).message; }
  })();
  return { got, error };
}

/** First async error (e.g. a permissions violation) the connection reports. */
async function nextError(nc: NatsConnection, timeoutMs = 3000): Promise<string> {
  const timer = sleep(timeoutMs).then(() => 'no error');
  const err = (async () => {
    // nats.js reports a publish violation as a status event carrying the error code.
    for await (const s of nc.status()) if (s.type === 'error') return String(s.data);
    return 'closed';
  })();
  return Promise.race([timer, err]);
}

describe('local 3-node mTLS cluster', () => {
  let tc: TestCluster;
  beforeAll(async () => { tc = await startTestCluster(); });
  afterAll(async () => { await tc?.stop(); });

  it('forms routes between all 3 nodes, and the route port speaks only TLS', async () => {
    for (const url of tc.monitorUrls) {
      const r = await fetchRoutez(url);
      expect(r.num_routes).toBe(2);
      const peers = new Set((r.routes ?? []).map((x) => x.remote_id));
      expect(peers.size).toBe(2);
    }
    // The route port speaks TLS only and demands a certificate from the cluster CA.
    const n1 = tc.nodes[0]!;
    const plain = await new Promise<string>((resolve) => {
      const sock = net.connect(n1.clusterPort, n1.ip);
      sock.once('data', (d) => { resolve(d.toString()); sock.destroy(); });
      sock.once('close', () => resolve('closed'));
      setTimeout(() => { resolve('silent'); sock.destroy(); }, 1500);
    });
    expect(plain).not.toMatch(/^INFO/);
    const peer = tlsPaths(tc.tlsDir, 'nats-2');
    const readInfo = (certOpts: tls.ConnectionOptions) => new Promise<string>((resolve) => {
      const sock = tls.connect({ host: n1.ip, port: n1.clusterPort, ...certOpts });
      sock.once('data', (d) => { resolve(d.toString()); sock.destroy(); });
      sock.once('error', (e) => resolve(`error: ${e.message}`));
      setTimeout(() => { resolve('silent'); sock.destroy(); }, 3000);
    });
    const asPeer = await readInfo({ ca: await readFile(peer.ca), cert: await readFile(peer.cert), key: await readFile(peer.key), servername: n1.dnsName });
    expect(asPeer).toMatch(/^INFO /);
    expect(JSON.parse(asPeer.slice(5).trim()) as { cluster?: string }).toMatchObject({ cluster: tc.config.nats.clusterName });
    const noCert = await readInfo({ ca: await readFile(peer.ca), servername: n1.dnsName });
    expect(noCert).not.toMatch(/^INFO/);
  });

  it('delivers a message published on node 1 to a wildcard subscriber on node 3', async () => {
    const sub = await tc.connect('subscriber', { servers: [tc.clientUrls[2]!] });
    const pub = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const s = sub.subscribe('NYSE.*.orderbook');
    await sub.flush();
    await sleep(200); // subscription interest propagates over routes
    pub.publish('NYSE.IBM.orderbook', new TextEncoder().encode('hello'));
    await pub.flush();
    const msg = await (async () => { for await (const m of s) return m; })();
    expect(msg?.subject).toBe('NYSE.IBM.orderbook');
    expect(new TextDecoder().decode(msg?.data)).toBe('hello');
    expect(sub.info?.server_name).toBe('nats-3');
    expect(pub.info?.server_name).toBe('nats-1');
  });

  it('refuses a client without a certificate', async () => {
    const ca = clientTlsPaths(tc.tlsDir, 'ingest').ca;
    await expect(connect({ servers: tc.clientUrls, tls: { caFile: ca }, reconnect: false, timeout: 3000 })).rejects.toThrow();
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    const otherDir = await mkdtemp(path.join(os.tmpdir(), 'dsm-other-ca-'));
    try {
      await initCerts(tc.config, otherDir);
      const other = clientTlsPaths(otherDir, 'ingest');
      const ca = clientTlsPaths(tc.tlsDir, 'ingest').ca;
      await expect(connect({ servers: tc.clientUrls, tls: { caFile: ca, certFile: other.cert, keyFile: other.key }, reconnect: false, timeout: 3000 })).rejects.toThrow();
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('denies a subscriber-role publish to a data subject; its subscribers never see it', async () => {
    const watcher = await tc.connect('subscriber');
    const seen = collect(watcher.subscribe('NYSE.AAPL.orderbook'));
    await watcher.flush();
    const rogue = await tc.connect('subscriber');
    const err = nextError(rogue);
    rogue.publish('NYSE.AAPL.orderbook', new TextEncoder().encode('forged'));
    await rogue.flush();
    expect(await err).toBe('PERMISSIONS_VIOLATION');
    await sleep(300);
    expect(seen.got).toEqual([]);
  });

  it('gives a NYSE-only client nothing from NASDAQ, even through ">"', async () => {
    const nyse = await tc.connect('subscriber-nyse');
    const wide = collect(nyse.subscribe('>'));
    expect(await wide.error).toMatch(/permissions violation for subscription to ">"/i);
    const nasdaq = collect(nyse.subscribe('NASDAQ.>'));
    expect(await nasdaq.error).toMatch(/permissions violation for subscription to "NASDAQ\.>"/i);
    const own = collect(nyse.subscribe('NYSE.*.orderbook'));
    await nyse.flush();
    await sleep(200);
    const ingest = await tc.connect('ingest');
    ingest.publish('NASDAQ.AAPL.orderbook', new TextEncoder().encode('x'));
    ingest.publish('NYSE.IBM.orderbook', new TextEncoder().encode('y'));
    await ingest.flush();
    await sleep(400);
    expect(wide.got).toEqual([]);
    expect(nasdaq.got).toEqual([]);
    expect(own.got).toEqual(['NYSE.IBM.orderbook']);
  });

  it('logs connections, authentication failures and permission violations for audit', async () => {
    // Earlier tests made a no-cert connection, a foreign-CA connection and permission violations.
    const logs = (await Promise.all(tc.nodes.map((n) => readFile(tc.cluster.logPath(n.index), 'utf8')))).join('\n');
    expect(logs).toMatch(/Client connection created/);
    expect(logs).toMatch(/TLS handshake error|authentication error/i);
    expect(logs).toMatch(/Publish Violation - User "CN=subscriber,OU=subscriber,O=DSM", Subject "NYSE\.AAPL\.orderbook"/);
    expect(logs).toMatch(/Subscription Violation - User "CN=subscriber-nyse,OU=subscriber,O=DSM", Subject ">"/);
  });
});

describe('rendered configs', () => {
  const envs = [
    ['local, 3 nodes', validateConfig(localConfig, 'local')],
    ['local, 5 nodes', validateConfig({ ...localConfig, nats: { ...localConfig.nats, nodes: 5 } }, 'local5')],
    ['prod, 3 nodes', loadConfig('prod')],
    ['prod, 5 nodes', validateConfig({ ...prodConfig, nats: { ...prodConfig.nats, nodes: 5 }, aws: { ...prodConfig.aws!, subnets: { ...prodConfig.aws!.subnets, nats: ['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24', '10.40.4.0/24', '10.40.5.0/24'] } } }, 'prod5')],
  ] as const;

  it.each(envs)('every node config of %s passes nats-server -t', async (_name, cfg) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-render-'));
    try {
      await initCerts(cfg, path.join(dir, 'tls'));
      for (let i = 1; i <= cfg.nats.nodes; i++) {
        const text = renderNatsConfig(cfg, i, { tlsDir: path.join(dir, 'tls') });
        const file = path.join(dir, `n${i}.conf`);
        await writeFile(file, text);
        const { stdout, stderr } = await run('nats-server', ['-c', file, '-t']);
        expect(`${stdout}${stderr}`).toMatch(/is valid/);
        // Routes to every peer, never to itself; no JetStream; monitoring not on 0.0.0.0.
        expect(text.match(/nats-route:\/\//g)?.length).toBe(cfg.nats.nodes - 1);
        expect(text).not.toMatch(/jetstream/i.test(text.replace(/# .*$/gm, '')) ? /jetstream\s*[{:]/ : /^$/);
        expect(text).not.toMatch(/0\.0\.0\.0/);
        expect(text).toMatch(/verify_and_map: true/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
