/**
 * Certificates for a cluster, made with the openssl CLI (no hand-rolled ASN.1):
 * - a CA (ca.crt, ca.key);
 * - one server certificate per node, used for client TLS and for routes (so both serverAuth and
 *   clientAuth), with a SAN for every name or address a route or client dials — route SAN
 *   mistakes are the most common NATS cluster failure;
 * - one client certificate per identity, its subject mapped to a user by `verify_and_map`.
 * Private keys are written 0600. Existing files are kept, so re-running only fills gaps.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { DsmConfig } from '../../config/schema.js';
import { natsNodes, type NatsNode } from '../../config/topology.js';
import { clientTlsPaths, tlsPaths } from './tls-paths.js';

const run = promisify(execFile);

export interface CertsResult {
  dir: string;
  created: string[];
  kept: string[];
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
  }
}

/** SANs for a node: every name or address a peer route or a client uses to reach it. */
export function serverSans(cfg: DsmConfig, node: NatsNode): { dns: string[]; ips: string[] } {
  const dns = [node.dnsName, node.name];
  const ips = [node.ip];
  if (cfg.nats.placement === 'loopback') {
    dns.push('localhost');
    if (!ips.includes('127.0.0.1')) ips.push('127.0.0.1');
  }
  return { dns, ips };
}

async function newKeyAndCsr(keyFile: string, csrFile: string, subject: string): Promise<void> {
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', subject]);
  await chmod(keyFile, 0o600);
}

async function signWithCa(dir: string, csrFile: string, certFile: string, extensions: string, days: number): Promise<void> {
  const extFile = `${csrFile}.ext`;
  await writeFile(extFile, extensions, { mode: 0o600 });
  try {
    await openssl([
      'x509', '-req', '-in', csrFile, '-CA', path.join(dir, 'ca.crt'), '-CAkey', path.join(dir, 'ca.key'),
      '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(days), '-sha256', '-extfile', extFile, '-out', certFile,
    ]);
  } finally {
    await rm(extFile, { force: true });
    await rm(csrFile, { force: true });
  }
}

export interface InitCertsOptions {
  /** Replace everything, CA included (a new trust root). */
  force?: boolean;
  /** Validity of leaf certificates; the CA gets twice this. */
  days?: number;
}

export async function initCerts(cfg: DsmConfig, dir: string, opts: InitCertsOptions = {}): Promise<CertsResult> {
  const days = opts.days ?? 397;
  const created: string[] = [];
  const kept: string[] = [];
  if (opts.force) await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'servers'), { recursive: true, mode: 0o700 });
  await mkdir(path.join(dir, 'clients'), { recursive: true, mode: 0o700 });

  const caCrt = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  if (await exists(caCrt)) {
    kept.push(caCrt);
  } else {
    await openssl([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caCrt,
      '-days', String(days * 2), '-sha256', '-subj', `/O=DSM/CN=DSM ${cfg.nats.clusterName} CA`,
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await chmod(caKey, 0o600);
    created.push(caCrt);
  }

  for (const node of natsNodes(cfg)) {
    const p = tlsPaths(dir, node.name);
    if (await exists(p.cert)) { kept.push(p.cert); continue; }
    const { dns, ips } = serverSans(cfg, node);
    const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
    await newKeyAndCsr(p.key, `${p.cert}.csr`, `/O=DSM/OU=nats/CN=${node.dnsName}`);
    // Routes dial out with the same certificate, so it must be valid as a client too.
    await signWithCa(dir, `${p.cert}.csr`, p.cert,
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`, days);
    created.push(p.cert);
  }

  for (const id of cfg.identities) {
    const p = clientTlsPaths(dir, id.name);
    if (await exists(p.cert)) { kept.push(p.cert); continue; }
    await newKeyAndCsr(p.key, `${p.cert}.csr`, `/O=DSM/OU=${id.role}/CN=${id.name}`);
    await signWithCa(dir, `${p.cert}.csr`, p.cert,
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=clientAuth\n', days);
    created.push(p.cert);
  }
  return { dir, created, kept };
}

/** Subject and SANs of a certificate, as openssl prints them (for `dsm certs show` and tests). */
export async function describeCertificate(certFile: string): Promise<{ subject: string; sans: string[]; notAfter: string }> {
  const { stdout } = await run('openssl', ['x509', '-in', certFile, '-noout', '-subject', '-enddate', '-ext', 'subjectAltName'], { timeout: 10_000 });
  const subject = /subject=\s*(.*)/.exec(stdout)?.[1]?.trim() ?? '';
  const notAfter = /notAfter=(.*)/.exec(stdout)?.[1]?.trim() ?? '';
  const sanLine = stdout.split('\n').find((l) => /DNS:|IP Address:/.test(l)) ?? '';
  const sans = sanLine.split(',').map((s) => s.trim()).filter(Boolean);
  return { subject, sans, notAfter };
}
