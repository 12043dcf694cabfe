import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig } from '../../config/load.js';
import { pushTlsMaterial } from './certs-push.js';
import { CommandFailed } from '../exit.js';

const cfg = loadConfig('prod');
const FILES = [
  'ca.crt', 'servers/nats-1.crt', 'servers/nats-1.key', 'servers/nats-2.crt', 'servers/nats-2.key', 'servers/nats-3.crt', 'servers/nats-3.key',
  'clients/ingest.crt', 'clients/ingest.key', 'clients/subscriber.crt', 'clients/subscriber.key',
  'clients/subscriber-nyse.crt', 'clients/subscriber-nyse.key', 'clients/ops.crt', 'clients/ops.key',
];

describe('dsm certs push', () => {
  let dir: string;
  const ssm = mockClient(SSMClient);
  beforeEach(() => {
    ssm.reset();
    dir = mkdtempSync(path.join(tmpdir(), 'dsm-push-'));
    for (const f of FILES) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), `-----BEGIN ${f}-----\nAAAA\n-----END ${f}-----\n`);
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every file to its parameter as a SecureString under the stack\'s TLS key', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    const lines: string[] = [];
    const names = await pushTlsMaterial(new SSMClient({ region: 'us-east-1' }), cfg, dir, { dryRun: false, write: (l) => lines.push(l) });
    expect(names).toEqual(FILES.map((f) => `/dsm/prod/tls/${f}`));
    const calls = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(15);
    expect(calls[2]).toEqual({
      Name: '/dsm/prod/tls/servers/nats-1.key', Type: 'SecureString', KeyId: 'alias/dsm-prod-tls', Overwrite: true,
      Value: '-----BEGIN servers/nats-1.key-----\nAAAA\n-----END servers/nats-1.key-----\n',
    });
    expect(lines[0]).toBe('PutParameter /dsm/prod/tls/ca.crt (SecureString, alias/dsm-prod-tls, 49 bytes)');
  });

  it('makes no call on a dry run and never prints a value', async () => {
    const lines: string[] = [];
    await pushTlsMaterial(new SSMClient({ region: 'us-east-1' }), cfg, dir, { dryRun: true, write: (l) => lines.push(l) });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(lines).toHaveLength(15);
    expect(lines.every((l) => l.startsWith('would PutParameter /dsm/prod/tls/') && !l.includes('AAAA'))).toBe(true);
  });

  it('refuses before any call when a file is missing or not PEM', async () => {
    rmSync(path.join(dir, 'clients', 'ops.key'));
    writeFileSync(path.join(dir, 'ca.crt'), 'PLACEHOLDER');
    const push = pushTlsMaterial(new SSMClient({ region: 'us-east-1' }), cfg, dir, { dryRun: false, write: () => {} });
    await expect(push).rejects.toThrow(CommandFailed);
    await expect(push).rejects.toThrow(/no PEM in .* for ca\.crt, clients\/ops\.key; run dsm certs init --env prod/);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('names the parameter when SSM refuses', async () => {
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error('User is not authorized to perform ssm:PutParameter'), { name: 'AccessDeniedException' }));
    await expect(pushTlsMaterial(new SSMClient({ region: 'us-east-1' }), cfg, dir, { dryRun: false, write: () => {} }))
      .rejects.toThrow('PutParameter /dsm/prod/tls/ca.crt failed: AccessDeniedException: User is not authorized to perform ssm:PutParameter');
  });
});
