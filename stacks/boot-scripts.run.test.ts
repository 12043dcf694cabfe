/**
 * Runs the generated boot scripts for real, in a temp root, against fake `aws`, `dsm`,
 * `nats-server`, `systemctl`, `chown`, `logger` and `sleep` on PATH: the files, modes and the
 * order of commands are what a host would get.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ingestBootScript, natsBootScript } from './boot-scripts.js';
import { TLS_WAIT_SECONDS, TLS_POLL_SECONDS } from './user-data.js';

const PEM = (what: string) => `-----BEGIN ${what}-----\nMIIB${what.replace(/ /g, '')}\n-----END ${what}-----`;

interface Run { root: string; status: number | null; calls: string[]; log: () => string }

/** `placeholderCalls`: how many `aws ssm get-parameter` calls answer with the placeholder first. */
function runInSandbox(script: string, placeholderCalls: number, env: Record<string, string> = {}): Run {
  const root = mkdtempSync(path.join(tmpdir(), 'dsm-boot-run-'));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  const calls = path.join(root, 'calls.log');
  const fake = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  const record = `echo "$(basename "$0") $*" >> ${calls}`;
  fake('aws', `${record}
n=$(cat ${root}/aws-count 2>/dev/null || echo 0); echo $((n + 1)) > ${root}/aws-count
while [[ $# -gt 0 ]]; do [[ $1 == --name ]] && name=$2; shift; done
if (( n < ${placeholderCalls} )); then echo 'PLACEHOLDER'; exit 0; fi
case $name in
  */ca.crt) printf '%s\\n' '${PEM('CA CERTIFICATE')}' ;;
  *.crt) printf '%s\\n' '${PEM('CERTIFICATE')}' ;;
  *.key) printf '%s\\n' '${PEM('PRIVATE KEY')}' ;;
esac`);
  fake('dsm', `${record}\nwhile [[ $# -gt 0 ]]; do [[ $1 == --out ]] && out=$2; shift; done\necho "# rendered" > "$out"`);
  for (const name of ['nats-server', 'systemctl', 'chown']) fake(name, record);
  fake('logger', 'cat > /dev/null');
  fake('sleep', ':');
  // Point the script's absolute paths into the temp root.
  const sandboxed = script.replace(/(?<=[\s'"=>:])\/(etc|var\/log|opt)\//g, `${root}/$1/`);
  mkdirSync(path.join(root, 'var', 'log'), { recursive: true });
  // The CloudWatch agent's control script, as the AMI installs it.
  mkdirSync(path.join(root, 'opt', 'aws', 'amazon-cloudwatch-agent', 'bin'), { recursive: true });
  writeFileSync(path.join(root, 'opt', 'aws', 'amazon-cloudwatch-agent', 'bin', 'amazon-cloudwatch-agent-ctl'), `#!/bin/bash\n${record}\n`, { mode: 0o755 });
  const run = spawnSync('bash', ['-c', sandboxed], { encoding: 'utf8', env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` } });
  const lines = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
  return { root, status: run.status, calls: lines, log: () => readFileSync(path.join(root, 'var', 'log', 'dsm-boot.log'), 'utf8') };
}

/** The boot log is written through a process substitution that may finish just after bash exits. */
async function eventually(read: () => string, expected: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const text = read();
    if (text.includes(expected)) return text;
    await new Promise((r) => setTimeout(r, 40));
  }
  return read();
}

describe('boot scripts, run', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  it('NATS node: fetches TLS with the right modes, renders the config, then starts nats-server', () => {
    const run = runInSandbox(natsBootScript({ env: 'prod', region: 'us-east-1', node: 2, serverName: 'nats-2', opsIdentity: 'ops', ip: '10.40.2.10' }), 0);
    roots.push(run.root);
    expect(run.status).toBe(0);
    const tls = path.join(run.root, 'etc', 'nats', 'tls');
    expect(readFileSync(path.join(tls, 'servers', 'nats-2.key'), 'utf8')).toBe(`${PEM('PRIVATE KEY')}\n`);
    expect(statSync(path.join(tls, 'servers', 'nats-2.key')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(tls, 'ca.crt')).mode & 0o777).toBe(0o644);
    expect(statSync(tls).mode & 0o777).toBe(0o750);
    expect(statSync(path.join(run.root, 'etc', 'dsm', 'tls', 'clients', 'ops.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(run.root, 'etc', 'dsm', 'dsm.env'), 'utf8')).toBe(
      `DSM_ENV=prod\nDSM_ROLE=nats\nDSM_NODE=2\nDSM_IDENTITY=ops\nDSM_TLS_DIR=${run.root}/etc/dsm/tls\nDSM_REGION=us-east-1\nDSM_LOG_FORMAT=json\n`);
    // The units' EnvironmentFile and bash read the quoted argument list the same way.
    const args = spawnSync('bash', ['-c', `. ${run.root}/etc/dsm/instance.env; printf '%s|' $DSM_METRICS_ARGS`], { encoding: 'utf8' }).stdout;
    expect(args).toBe(`--node|2|--tls-dir|${run.root}/etc/dsm/tls|--prometheus-host|10.40.2.10|`);
    expect(readFileSync(path.join(run.root, 'etc', 'nats', 'nats-server.conf'), 'utf8')).toBe('# rendered\n');
    const programs = run.calls.map((c) => c.split(' ')[0]);
    expect(programs).toEqual(['amazon-cloudwatch-agent-ctl', 'aws', 'aws', 'aws', 'chown', 'aws', 'aws', 'aws', 'chown', 'dsm', 'nats-server', 'systemctl']);
    const cwConfig = `${run.root}/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json`;
    expect(run.calls[0]).toBe(`amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:${cwConfig} -s`);
    expect(JSON.parse(readFileSync(cwConfig, 'utf8')).logs.logs_collected.files.collect_list[0]).toEqual({ file_path: `${run.root}/var/log/dsm/nats-server.log`, log_group_name: '/dsm/prod/nats-server', log_stream_name: '{instance_id}' });
    expect(run.calls[4]).toBe(`chown -R nats: ${run.root}/etc/nats/tls`);
    expect(run.calls[8]).toBe(`chown -R dsm: ${run.root}/etc/dsm/tls`);
    expect(run.calls[9]).toBe(`dsm render nats-config --env prod --node 2 --tls-dir ${run.root}/etc/nats/tls --out ${run.root}/etc/nats/nats-server.conf`);
    expect(run.calls[11]).toBe('systemctl enable --now nats-server dsm-metrics');
  });

  it('waits for `dsm certs push` while the parameters hold placeholders, then carries on', async () => {
    const run = runInSandbox(ingestBootScript({ env: 'prod', region: 'us-east-1', identity: 'ingest', standby: true }), 3);
    roots.push(run.root);
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.startsWith('aws ssm get-parameter'))).toHaveLength(3 + 3);
    expect(await eventually(run.log, 'waiting for /dsm/prod/tls/ca.crt')).toContain('dsm-boot: waiting for /dsm/prod/tls/ca.crt (dsm certs push)');
    expect(existsSync(path.join(run.root, 'etc', 'dsm', 'tls', 'clients', 'ingest.key'))).toBe(true);
    expect(run.calls.at(-1)).toBe('systemctl enable --now dsm-ingest');
  });

  it('gives up after the deadline without starting anything', async () => {
    // A shorter deadline than the default (TLS_WAIT_SECONDS) keeps the test quick.
    expect(TLS_WAIT_SECONDS).toBe(3600);
    const run = runInSandbox(natsBootScript({ env: 'prod', region: 'us-east-1', node: 1, serverName: 'nats-1', opsIdentity: 'ops', ip: '10.40.1.10' }), Number.MAX_SAFE_INTEGER, { DSM_TLS_WAIT_SECONDS: '60' });
    roots.push(run.root);
    expect(run.status).toBe(1);
    expect(run.calls.filter((c) => c.startsWith('aws '))).toHaveLength(60 / TLS_POLL_SECONDS + 1);
    expect(run.calls.some((c) => c.startsWith('systemctl') || c.startsWith('dsm '))).toBe(false);
    expect(await eventually(run.log, 'still holds no PEM')).toContain('dsm-boot: /dsm/prod/tls/ca.crt still holds no PEM after 60s');
  });
});
