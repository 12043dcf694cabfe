import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DRAIN_WATCH_SCRIPT, ingestBootScript, natsBootScript, subscriberBootScript } from './boot-scripts.js';
import { shellQuote } from './user-data.js';
import { clientTlsPaths, tlsPaths } from '../services/nats/tls-paths.js';
import { clientParameters, serverParameters } from '../config/tls-layout.js';

const nats = natsBootScript({ env: 'prod', region: 'us-east-1', node: 2, serverName: 'nats-2', opsIdentity: 'ops', ip: '10.40.2.10' });
const ingestStandby = ingestBootScript({ env: 'prod', region: 'us-east-1', identity: 'ingest', standby: true });
const subscriber = subscriberBootScript({ env: 'prod', region: 'us-east-1', identity: 'subscriber', asgName: 'dsm-prod-subscribers', lifecycleHook: 'drain' });

describe('boot scripts', () => {
  it('render the NATS config with the shared renderer, then start nats-server', () => {
    const lines = nats.split('\n');
    const render = lines.indexOf('dsm render nats-config --env prod --node 2 --tls-dir /etc/nats/tls --out /etc/nats/nats-server.conf');
    const start = lines.indexOf('systemctl enable --now nats-server dsm-metrics');
    const lastFetch = lines.map((l) => l.startsWith('fetch_tls ')).lastIndexOf(true);
    expect(lastFetch).toBeGreaterThan(0);
    expect(render).toBeGreaterThan(lastFetch);
    expect(start).toBeGreaterThan(render);
    expect(lines).toContain('DSM_NODE=2');
  });

  it('fetch exactly the node\'s server material for nats-server, and the ops client certificate for its metrics agent', () => {
    expect(nats.split('\n').filter((l) => l.startsWith('fetch_tls '))).toEqual([
      'fetch_tls /etc/nats/tls /dsm/prod/tls/ca.crt ca.crt 0644',
      'fetch_tls /etc/nats/tls /dsm/prod/tls/servers/nats-2.crt servers/nats-2.crt 0644',
      'fetch_tls /etc/nats/tls /dsm/prod/tls/servers/nats-2.key servers/nats-2.key 0600',
      'fetch_tls /etc/dsm/tls /dsm/prod/tls/ca.crt ca.crt 0644',
      'fetch_tls /etc/dsm/tls /dsm/prod/tls/clients/ops.crt clients/ops.crt 0644',
      'fetch_tls /etc/dsm/tls /dsm/prod/tls/clients/ops.key clients/ops.key 0600',
    ]);
    expect(nats).toContain("\nDSM_METRICS_ARGS='--node 2 --tls-dir /etc/dsm/tls --prometheus-host 10.40.2.10'\n");
  });

  it('lay TLS files out where the renderer and connectAs look for them', () => {
    const server = tlsPaths('/etc/nats/tls', 'nats-2');
    expect(serverParameters('prod', 'nats-2').map((p) => path.join('/etc/nats/tls', p.file))).toEqual([server.ca, server.cert, server.key]);
    const client = clientTlsPaths('/etc/dsm/tls', 'ingest');
    expect(clientParameters('prod', 'ingest').map((p) => path.join('/etc/dsm/tls', p.file))).toEqual([client.ca, client.cert, client.key]);
  });

  it('mark the ingestion standby and give subscribers their drain hook', () => {
    expect(ingestStandby).toContain('\nDSM_NODE=2\nDSM_STANDBY=true\n');
    expect(ingestStandby).toContain("\nDSM_INGEST_ARGS='--tls-dir /etc/dsm/tls --publisher-id ingest-standby --lease ingest'\n");
    expect(subscriber).toContain("\nDSM_SUBSCRIBE_ARGS='--tls-dir /etc/dsm/tls --identity subscriber'\n");
    expect(ingestStandby).toContain('systemctl enable --now dsm-ingest');
    expect(subscriber).toContain('\nDSM_ASG_NAME=dsm-prod-subscribers\nDSM_LIFECYCLE_HOOK=drain\n');
    expect(subscriber).toContain('systemctl enable --now dsm-subscriber dsm-drain-watch');
  });

  it('start the CloudWatch agent first, shipping each role\'s service logs into the stack\'s log groups', () => {
    const shipped = (script: string) => {
      const json = script.split("<<'DSM_CW_AGENT'\n")[1]!.split('\nDSM_CW_AGENT')[0]!;
      return JSON.parse(json).logs.logs_collected.files.collect_list.map((f: { file_path: string; log_group_name: string }) => `${f.file_path} -> ${f.log_group_name}`);
    };
    expect(shipped(nats)).toEqual(['/var/log/dsm/nats-server.log -> /dsm/prod/nats-server', '/var/log/dsm/metrics-agent.log -> /dsm/prod/metrics-agent', '/var/log/dsm/boot.log -> /dsm/prod/boot']);
    expect(shipped(ingestStandby)).toEqual(['/var/log/dsm/ingest.log -> /dsm/prod/ingest', '/var/log/dsm/boot.log -> /dsm/prod/boot']);
    expect(shipped(subscriber)).toEqual(['/var/log/dsm/subscriber.log -> /dsm/prod/subscriber', '/var/log/dsm/boot.log -> /dsm/prod/boot']);
    for (const script of [nats, ingestStandby, subscriber]) {
      const lines = script.split('\n');
      const start = lines.findIndex((l) => l.includes('amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json -s'));
      // Before the TLS wait, so a host stuck waiting for `dsm certs push` still ships its boot log.
      expect(start).toBeGreaterThan(0);
      expect(start).toBeLessThan(lines.findIndex((l) => l.startsWith('fetch_tls ')));
      expect(lines[start]).toContain('|| echo "dsm-boot: ERROR: CloudWatch agent did not start');
    }
  });

  it('keep the AMI\'s baked DSM_LOG_FORMAT when replacing dsm.env', () => {
    for (const script of [nats, ingestStandby, subscriber]) expect(script).toContain('\nDSM_LOG_FORMAT=json\n');
  });

  it('quote values that would break the env file', () => {
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(shellQuote('us-east-1')).toBe('us-east-1');
  });

  it('pass shellcheck', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsm-boot-'));
    try {
      const files = { 'nats.sh': nats, 'ingest.sh': ingestStandby, 'subscriber.sh': subscriber, 'drain.sh': DRAIN_WATCH_SCRIPT };
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      // Throws with shellcheck's findings when any script has one.
      execFileSync('shellcheck', ['-s', 'bash', ...Object.keys(files).map((f) => path.join(dir, f))], { encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
