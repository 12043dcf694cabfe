/**
 * One twin host: its user data run for real in a directory standing in for the host's root (as
 * stacks/boot-scripts.run.test.ts does), with `aws` answering SSM reads from the twin's TLS
 * directory and `systemctl` recording what the script enables; then each enabled unit of the AMI
 * (ami/units.ts) started with its ExecStartPre/ExecStart lines, the variables systemd would
 * substitute from /etc/dsm/dsm.env and /etc/dsm/instance.env, and Restart=always.
 *
 * What differs from EC2, on purpose: no User=/sandboxing/CPUAffinity (one unprivileged machine),
 * absolute paths under /etc, /var/log and /usr/local/sbin moved into the host directory, and the
 * env's config read from DSM_TWIN_CONFIG (loopback ports, recorded feeds).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the image installs dsm and nats-server (ami/units.ts PATHS). */
const DSM_BIN = '/usr/local/bin/dsm';
const NATS_BIN = '/usr/local/bin/nats-server';

/** Units user data may enable that cannot run off EC2, and why. */
export const UNRUNNABLE_UNITS: Record<string, string> = {
  'dsm-drain-watch': 'polls EC2 instance metadata (IMDS) for the scale-in lifecycle state; nothing to drain in the twin',
};

export interface TwinRuntime {
  /** Repository root: the bundle's working directory. */
  root: string;
  /** Node binary and the dsm entry script that stand in for /usr/local/bin/dsm. */
  node: string;
  dsmJs: string;
  /** Shared fake-command directory (bin/aws, bin/systemctl, ...). */
  binDir: string;
  tlsDir: string;
  /** DSM_CLOUDWATCH_RECORD file. */
  cloudwatchFile: string;
  env: string;
}

/** Write the fake commands a boot script calls (once per twin). */
export function writeFakeCommands(rt: TwinRuntime): void {
  mkdirSync(rt.binDir, { recursive: true });
  const fake = (name: string, body: string) => {
    writeFileSync(path.join(rt.binDir, name), `#!/bin/bash\n${body}\n`);
    chmodSync(path.join(rt.binDir, name), 0o755);
  };
  // `aws ssm get-parameter --name /dsm/<env>/tls/<file> ...`: the file from the twin's TLS directory.
  fake('aws', `while [[ $# -gt 0 ]]; do [[ $1 == --name ]] && name=$2; shift; done
file="$DSM_TWIN_TLS/\${name#/dsm/*/tls/}"
if [[ -f $file ]]; then cat "$file"; else echo "twin: no TLS file for $name" >&2; exit 255; fi`);
  fake('systemctl', 'echo "$*" >> "$DSM_TWIN_HOST_ROOT/systemctl.log"');
  fake('chown', ':');
  fake('logger', 'cat > /dev/null');
  fake('sleep', ':');
  fake('dsm', `exec ${JSON.stringify(rt.node)} ${JSON.stringify(rt.dsmJs)} "$@"`);
  // Instance metadata (IMDSv2) for the boot script: a token, and this host's instance id, address
  // and AZ from DSM_TWIN_IMDS_*; any other URL goes to the real curl.
  fake('curl', `url=; for a in "$@"; do [[ $a == http://169.254.169.254/* ]] && url=$a; done
if [[ -z $url ]]; then exec /usr/bin/curl "$@"; fi
case $url in
  */latest/api/token) echo twin-imds-token ;;
  */meta-data/instance-id) echo "$DSM_TWIN_IMDS_INSTANCE_ID" ;;
  */meta-data/local-ipv4) echo "$DSM_TWIN_IMDS_LOCAL_IPV4" ;;
  */meta-data/placement/availability-zone) echo "$DSM_TWIN_IMDS_AZ" ;;
  */meta-data/placement/availability-zone-id) echo "$DSM_TWIN_IMDS_AZ_ID" ;;
  *) echo "twin: no instance metadata at $url" >&2; exit 22 ;;
esac`);
}

/**
 * The host's absolute paths moved under its directory (what a script or unit line writes or reads):
 * /etc, /var/log, /usr/local/sbin and the CloudWatch agent's /opt/aws.
 */
export function sandboxPaths(text: string, hostRoot: string): string {
  return text.replace(/(?<=^|[\s'"=>:])\/(etc|var\/log|usr\/local\/sbin|opt\/aws)(?=[/\s'"]|$)/gm, `${hostRoot}/$1`);
}

export interface BootResult {
  ok: boolean;
  /** Units the script enabled (`systemctl enable --now ...`). */
  units: string[];
  /** /etc/dsm/dsm.env then /etc/dsm/instance.env, as systemd would read them. */
  environment: Record<string, string>;
  log: string;
  /** Log groups the CloudWatch agent was configured (and started) to ship into, from its config file. */
  shippedLogGroups: string[];
}

/** `amazon-cloudwatch-agent-ctl -a fetch-config ... -c file:PATH -s` calls -> the log groups of each config. */
export function shippedLogGroups(ctlCalls: string[]): string[] {
  const groups: string[] = [];
  for (const call of ctlCalls) {
    if (!/-a\s+fetch-config/.test(call) || !/(^|\s)-s(\s|$)/.test(call)) continue;
    const file = /-c\s+file:(\S+)/.exec(call)?.[1];
    if (!file || !existsSync(file)) continue;
    try {
      const cfg = JSON.parse(readFileSync(file, 'utf8')) as { logs?: { logs_collected?: { files?: { collect_list?: Array<{ log_group_name?: string }> } } } };
      for (const c of cfg.logs?.logs_collected?.files?.collect_list ?? []) if (c.log_group_name) groups.push(c.log_group_name);
    } catch { /* an unreadable config ships nothing */ }
  }
  return [...new Set(groups)];
}

function runBash(script: string, env: NodeJS.ProcessEnv, cwd: string, logFile: string, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
  return new Promise((resolve) => {
    const out = openSync(logFile, 'a');
    // Its own process group, so that a timeout or Ctrl-C takes the script's children (dsm render, tee) along.
    const child = spawn('bash', ['-c', script], { env, cwd, stdio: ['ignore', out, out], detached: true });
    closeSync(out);
    const kill = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } };
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    const onExit = process.once('exit', kill);
    child.once('exit', (code) => { clearTimeout(timer); signal?.removeEventListener('abort', kill); onExit.removeListener('exit', kill); resolve(code); });
    child.once('error', () => { clearTimeout(timer); signal?.removeEventListener('abort', kill); onExit.removeListener('exit', kill); resolve(null); });
  });
}

/** Values as `bash` reads the env files (systemd's EnvironmentFile reads these quoted forms alike). */
function readEnvFiles(files: string[], env: NodeJS.ProcessEnv, cwd: string): Record<string, string> {
  const present = files.filter(existsSync);
  if (!present.length) return {};
  const script = `${present.map((f) => `. ${JSON.stringify(f)}`).join('; ')}; for v in $(compgen -v DSM_); do printf '%s=%s\\0' "$v" "\${!v}"; done`;
  const res = spawnSyncText('bash', ['-c', script], env, cwd);
  return Object.fromEntries(res.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

function spawnSyncText(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): string {
  return spawnSync(cmd, args, { env: { PATH: env.PATH }, cwd, encoding: 'utf8' }).stdout ?? '';
}

export async function bootHost(rt: TwinRuntime, hostRoot: string, userData: string, hostEnv: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<BootResult> {
  mkdirSync(path.join(hostRoot, 'var', 'log'), { recursive: true });
  mkdirSync(path.join(hostRoot, 'etc'), { recursive: true });
  // The CloudWatch agent the AMI installs: here it records how user data configured it.
  const ctl = path.join(hostRoot, 'opt', 'aws', 'amazon-cloudwatch-agent', 'bin', 'amazon-cloudwatch-agent-ctl');
  mkdirSync(path.dirname(ctl), { recursive: true });
  writeFileSync(ctl, `#!/bin/bash\necho "$*" >> "$DSM_TWIN_HOST_ROOT/cloudwatch-agent.log"\n`, { mode: 0o755 });
  const script = sandboxPaths(userData, hostRoot);
  writeFileSync(path.join(hostRoot, 'user-data.sh'), script, { mode: 0o700 });
  const logFile = path.join(hostRoot, 'boot.log');
  const env: NodeJS.ProcessEnv = { ...hostEnv, PATH: `${rt.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, DSM_TWIN_TLS: rt.tlsDir, DSM_TWIN_HOST_ROOT: hostRoot };
  const code = await runBash(script, env, rt.root, logFile, 300_000, signal);
  const calls = existsSync(path.join(hostRoot, 'systemctl.log')) ? readFileSync(path.join(hostRoot, 'systemctl.log'), 'utf8').trim().split('\n') : [];
  const units = calls.flatMap((c) => {
    const m = /^enable\s+--now\s+(.+)$/.exec(c.trim());
    return m ? m[1]!.split(/\s+/).map((u) => u.replace(/\.service$/, '')) : [];
  });
  const environment = readEnvFiles([path.join(hostRoot, 'etc', 'dsm', 'dsm.env'), path.join(hostRoot, 'etc', 'dsm', 'instance.env')], env, rt.root);
  const ctlLog = path.join(hostRoot, 'cloudwatch-agent.log');
  const ctlCalls = existsSync(ctlLog) ? readFileSync(ctlLog, 'utf8').trim().split('\n') : [];
  // The script sends its own output to /var/log/dsm-boot.log (exec > >(tee ...)); bash's own errors may land in either.
  const bootLog = path.join(hostRoot, 'var', 'log', 'dsm-boot.log');
  const log = [logFile, bootLog].filter(existsSync).map((f) => readFileSync(f, 'utf8')).join('');
  return { ok: code === 0, units, environment, log: code === 0 ? log : `${log}exit status ${code}\n`, shippedLogGroups: shippedLogGroups(ctlCalls) };
}

export interface UnitSpec {
  name: string;
  execStartPre: string[];
  execStart: string;
  environment: Record<string, string>;
}

/** The [Service] lines of a unit file that say what to run. */
export function parseUnit(name: string, text: string): UnitSpec {
  const spec: UnitSpec = { name, execStartPre: [], execStart: '', environment: {} };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const i = line.indexOf('=');
    const key = line.slice(0, i);
    const value = line.slice(i + 1);
    if (key === 'ExecStartPre') spec.execStartPre.push(value);
    else if (key === 'ExecStart') spec.execStart = value;
    else if (key === 'Environment') for (const kv of value.split(/\s+/)) { const j = kv.indexOf('='); if (j > 0) spec.environment[kv.slice(0, j)] = kv.slice(j + 1); }
  }
  return spec;
}

/**
 * A unit command line as systemd runs it: `${VAR}` is replaced inside a word, a word that is
 * exactly `$VAR` becomes the value split on whitespace; the `+-@!` prefixes are dropped.
 */
export function expandExec(line: string, vars: Record<string, string>): string[] {
  const words = line.replace(/^[+\-@!:]+/, '').trim().split(/\s+/);
  const out: string[] = [];
  for (const w of words) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w);
    if (whole) { out.push(...(vars[whole[1]!] ?? '').split(/\s+/).filter(Boolean)); continue; }
    out.push(w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, v: string) => vars[v] ?? ''));
  }
  return out;
}

/** argv of a unit line on this machine: the image's binaries mapped to the repository's. */
export function localArgv(rt: TwinRuntime, argv: string[], hostRoot: string): string[] {
  const [bin, ...args] = argv;
  const moved = args.map((a) => sandboxPaths(a, hostRoot));
  if (bin === DSM_BIN) return [rt.node, rt.dsmJs, ...moved];
  if (bin === NATS_BIN) return ['nats-server', ...moved];
  return [sandboxPaths(bin!, hostRoot), ...moved];
}

export interface RunningUnit {
  host: string;
  unit: string;
  argv: string[];
  child?: ChildProcess;
  restarts: number;
  exits: Array<{ code: number | null; signal: string | null }>;
  logFile: string;
}

/** Run one ExecStartPre line to completion; throws with the log tail when it fails. */
export async function runPre(argv: string[], env: NodeJS.ProcessEnv, cwd: string, logFile: string): Promise<void> {
  const code = await new Promise<number | null>((resolve) => {
    const out = openSync(logFile, 'a');
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', out, out] });
    closeSync(out);
    child.once('exit', (c) => resolve(c));
    child.once('error', () => resolve(null));
  });
  if (code !== 0) {
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
    throw new Error(`${argv.join(' ')} exited ${code}: ${tail}`);
  }
}
