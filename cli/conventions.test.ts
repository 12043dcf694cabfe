/**
 * The command-line contract: 0 ok, 1 failure, 2 usage or config error, one line each, for the
 * cases that broke it (bad numbers, unknown identities, missing directories, a refused
 * subscription, the wrong replay format), plus startup lines and an example in every --help.
 */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from './main.js';
import { startTestCluster, type TestCluster } from '../test/harness/cluster.js';
import { runDsm } from '../test/harness/cli.js';

const dsm = (...args: string[]) => runDsm(args);
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dsm: '));

function leaves(cmd: Command, prefix = ''): Array<[string, Command]> {
  return cmd.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return c.commands.length ? leaves(c, `${name} `) : [[name, c] as [string, Command]];
  });
}

describe('every flag with a bad value exits 2 with one line', () => {
  const cases: string[][] = [
    ['subscribe', '--seconds', 'abc'],
    ['subscribe', '--seconds', '-1'],
    ['subscribe', '--identity', 'bogus'],
    ['subscribe', '--jsonl', '/nonexistent/x.jsonl'],
    ['subscribe', 'NYSE.BRK.B.orderbook'],
    ['subscribe', '--report-every', '500'],
    ['subscribe', '--report', '/tmp/r.json', '--report-every', '50'],
    ['metrics-agent', '--prometheus-port', '70000'],
    ['tail', 'NASDAQ.*.orderbook', '-n', 'x'],
    ['tail', 'NASDAQ.*.orderbook', '--identity', 'bogus'],
    ['tail', '_DSM.lease.x'],
    ['tail'],
    ['up', '--timeout', 'abc'],
    ['status', '--interval', '0'],
    ['certs', 'init', '--days', 'soon', '--dir', '/tmp/never-made'],
    ['certs', 'show', '--dir', '/nonexistent'],
    ['demo', '--dashboard-port', '70000'],
    ['drill', 'nats-node-loss', '--warmup', 'abc'],
    ['bench', 'pipeline', '--workers', 'two'],
    ['render', 'nats-config', '--node', '1', '--ports', '99999'],
    ['config', '--env', 'nope'],
    ['config', '-q', '-v'],
    ['venue-peer', 'serve', 'nasdaq', '--symbols', 'AAPL'],
    ['venue-peer', 'serve', 'kraken', '--symbols', 'XBT/USD,XBT/USD'],
    ['venue-peer', 'serve', 'kraken', '--symbols', 'XBT/USD', '--port', '70000'],
    ['venue-peer', 'serve', 'kraken', '--symbols', 'XBT/USD', '--exchange', 'kraken'],
    ['venue-peer', 'fault', '--control', 'http://127.0.0.1:9101', '--kind', 'gremlins'],
    ['venue-peer', 'fault', '--control', 'not-a-url', '--kind', 'stall'],
    ['venue-peer', 'fault', '--control', 'http://127.0.0.1:9101', '--kind', 'disconnect', '--ms', '100'],
    ['venue-peer', 'walk', 'sideways', '--control', 'http://127.0.0.1:9101'],
  ];
  it.each(cases)('dsm %s ...', async (...args) => {
    const r = await dsm(...args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    expect(errorLines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 90_000);
});

describe('failures exit 1', () => {
  it('book replay of a file in another venue\'s format', async () => {
    const r = await dsm('book', 'replay', '-f', 'kraken', 'services/feeds/samples/captures/coinbase-level2-2021-04-17.ws.txt');
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)[0]).toMatch(/no book event read and \d+ malformed frames: is this a kraken file\?/);
  }, 150_000);

  it('a connection refused names the servers and says what to run', async () => {
    const r = await dsm('tail', 'NASDAQ.*.orderbook', '--ports', '1', '--tls-dir', '/tmp');
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)[0]).toMatch(/cannot connect to tls:\/\/127\.0\.0\.1:1, .* as ops: .*dsm (status|up)/);
  }, 90_000);

  it('dashboards diff cannot check without credentials: exit 2, and import --dry-run falls back and says so', async () => {
    const env = { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
    const diff = await runDsm(['dashboards', 'diff', '--env', 'prod'], { env });
    expect(diff.code).toBe(2);
    expect(errorLines(diff.stderr)[0]).toMatch(/cannot check the dashboards/);
    const dry = await runDsm(['dashboards', 'import', '--env', 'prod', '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/dry run: .*rendering without instance ids/);
    expect(dry.stdout).toMatch(/would call PutDashboard DashboardName=dsm-prod-overview/);
    const drill = await runDsm(['drill', 'nats-node-loss', '--target', 'aws', '--env', 'prod', '--dry-run'], { env });
    expect(drill.code, drill.stderr).toBe(0);
    expect(drill.stderr).toMatch(/dry run without AWS access .*CredentialsProviderError/);
    expect(drill.stdout).toMatch(/steps lose-node: ec2-stop role=nats node=2/);
    // No third-party warnings in normal output.
    expect(dry.stderr + diff.stderr + drill.stderr).not.toMatch(/NodeVersionSupportWarning/);
  }, 150_000);
});

describe('against a running cluster', () => {
  let tc: TestCluster;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsm-conv-'));
  beforeAll(async () => { tc = await startTestCluster(); }, 60_000);
  afterAll(async () => { await tc?.stop(); rmSync(dir, { recursive: true, force: true }); });
  const conn = () => ['--servers', tc.clientUrls.join(','), '--tls-dir', tc.tlsDir, '--ports', String(tc.config.nats.ports.client)];

  it('a refused subscription is an error (exit 1) and the startup line says what and where', async () => {
    const r = await dsm('subscribe', 'NASDAQ.*.orderbook', '--identity', 'subscriber-nyse', '--seconds', '20', ...conn());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^subscribing to NASDAQ\.\*\.orderbook on tls:\/\/127\.0\.0\.1:\d+.* as subscriber-nyse$/m);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/subscription refused by the server: NASDAQ\.\*\.orderbook/)]);
    const tail = await dsm('tail', 'KRAKEN.>', '--identity', 'subscriber-nyse', ...conn());
    expect(tail.code).toBe(1);
    expect(tail.stderr).toMatch(/KRAKEN\.> means KRAKEN\.\*\.orderbook/);
    expect(errorLines(tail.stderr)[0]).toMatch(/subscription to KRAKEN\.\*\.orderbook refused/);
  }, 150_000);

  it('tail --symbol encodes the exchange\'s spelling and says what it subscribes to', async () => {
    // Nothing is published here, so tail waits until the harness stops it (SIGTERM: a clean exit).
    const r = await runDsm(['tail', '--symbol', 'KRAKEN:XMR/USD', ...conn()], { timeoutMs: 20_000 });
    expect(r.stderr).toMatch(/subscribing to KRAKEN\.XMR~2FUSD\.orderbook on tls:\/\/127\.0\.0\.1:\d+/);
    expect(errorLines(r.stderr)).toEqual([]);
  }, 150_000);

  it('subscribe --symbol with --seconds exits 0 and prints the encoded subject; -q prints no note', async () => {
    const r = await dsm('subscribe', '--symbol', 'KRAKEN:XMR/USD', '--seconds', '0.5', ...conn());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/subscribing to KRAKEN\.XMR~2FUSD\.orderbook on /);
    const q = await dsm('subscribe', '--symbol', 'KRAKEN:XMR/USD', '--seconds', '0.5', '-q', ...conn());
    expect(q.code).toBe(0);
    expect(q.stderr).not.toMatch(/subscribing to/);
  }, 150_000);
});

describe('--help', () => {
  it('every command has an example', () => {
    for (const [name, c] of leaves(buildProgram())) {
      let text = '';
      c.configureOutput({ writeOut: (s) => { text += s; } });
      c.outputHelp();
      // From cli/examples.ts or the command's own addHelpText('after', '\nExamples: ...').
      expect(/Examples?:\n  \S/.test(text), `${name} --help has an example (add one to cli/examples.ts)`).toBe(true);
    }
  });
});
