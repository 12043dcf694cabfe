/**
 * What nats-server.service does at boot on an AMI host, run here: the unit's ExecStartPre
 * command (`dsm render nats-config ...`, taken from the rendered unit itself) renders the prod
 * config for each node, and `nats-server -t` accepts it with real certificates in place.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { initCerts } from '../services/nats/certs.js';
import { renderNatsConfig } from '../services/nats/render.js';
import { renderUnits } from './units.js';
import { tempDir } from './testing.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cfg = loadConfig('prod');
const unit = renderUnits(cfg)['nats-server.service']!;
const execStartPre = [...unit.matchAll(/^ExecStartPre=(.*)$/gm)].map((m) => m[1]!);

let tlsDir: string;
beforeAll(async () => {
  tlsDir = path.join(tempDir('nats-tls'), 'tls');
  await initCerts(cfg, tlsDir, { days: 30 });
}, 120_000);

function natsTest(conf: string) {
  return spawnSync('nats-server', ['-c', conf, '-t'], { encoding: 'utf8' });
}

describe('nats-server config for an AMI host', () => {
  it.each([1, 2, 3])('node %i: the unit\'s boot-time render passes nats-server -t', (node) => {
    const out = path.join(tempDir(`nats-conf-${node}`), 'nats-server.conf');
    // The exact command line systemd runs, with its variables and paths filled in for this test.
    const line = execStartPre[0]!.replace(/^\+/, '')
      .replace('${DSM_ENV}', 'prod').replace('${DSM_NODE}', String(node))
      .replace('/etc/nats/tls', tlsDir).replace('/etc/nats/nats-server.conf', out);
    const [bin, ...args] = line.split(' ');
    expect(bin).toBe('/usr/local/bin/dsm');
    const r = spawnSync(process.execPath, [path.join(REPO, 'cli/bin/dsm.js'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, DSM_NO_FORCE_EXIT: '0' } });
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toBe(renderNatsConfig(cfg, node, { tlsDir }));
    // Binds the node's fixed private IP, never 0.0.0.0.
    expect(text).toContain(`listen: "10.40.${node}.10:4222"`);

    const t = natsTest(out);
    expect(t.stderr + t.stdout).toMatch(/configuration file .* (is valid|test is successful)/i);
    expect(t.status).toBe(0);
  }, 120_000);

  it('is then checked by the unit itself before the server starts', () => {
    expect(execStartPre[1]).toBe('/usr/local/bin/nats-server -c /etc/nats/nats-server.conf -t');
  });
});
