/**
 * Zero-downtime certificate rotation for a local cluster: new leaf certificates (every node and
 * every client identity) from the SAME CA, so old and new certificates trust each other while
 * servers reload one by one and clients reconnect at their own pace.
 *
 * The new leaves are made by `initCerts` in a staging directory that holds only the CA, then
 * renamed into place (each rename is atomic); the replaced files go to `previous/`, so the
 * rollback can put them back. Servers pick the files up on SIGHUP (config reload).
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import type { DsmConfig } from '../../config/schema.js';
import type { NatsNode } from '../../config/topology.js';
import { initCerts } from '../nats/certs.js';
import { tlsPaths } from '../nats/tls-paths.js';

const LEAF_DIRS = ['servers', 'clients'] as const;

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Returns the files replaced (relative to `dir`). */
export async function rotateLeafCerts(cfg: DsmConfig, dir: string): Promise<string[]> {
  if (!(await exists(path.join(dir, 'ca.key')))) throw new Error(`no CA key in ${dir}: rotation issues new leaves from the existing CA (run dsm certs init first)`);
  const staging = path.join(dir, '.rotate-staging');
  const previous = path.join(dir, 'previous');
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    await copyFile(path.join(dir, 'ca.crt'), path.join(staging, 'ca.crt'));
    await copyFile(path.join(dir, 'ca.key'), path.join(staging, 'ca.key'));
    await initCerts(cfg, staging);
    await rm(previous, { recursive: true, force: true });
    const replaced: string[] = [];
    for (const sub of LEAF_DIRS) {
      await mkdir(path.join(previous, sub), { recursive: true, mode: 0o700 });
      for (const f of await readdir(path.join(staging, sub))) {
        const rel = path.join(sub, f);
        if (await exists(path.join(dir, rel))) await copyFile(path.join(dir, rel), path.join(previous, rel));
        await rename(path.join(staging, rel), path.join(dir, rel));
        replaced.push(rel);
      }
    }
    return replaced.sort();
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Put back what the last rotation replaced; false when there is nothing to restore. */
export async function restoreLeafCerts(dir: string): Promise<boolean> {
  const previous = path.join(dir, 'previous');
  if (!(await exists(previous))) return false;
  let any = false;
  for (const sub of LEAF_DIRS) {
    const from = path.join(previous, sub);
    if (!(await exists(from))) continue;
    for (const f of await readdir(from)) { await rename(path.join(from, f), path.join(dir, sub, f)); any = true; }
  }
  await rm(previous, { recursive: true, force: true });
  return any;
}

export async function fileSerial(certFile: string): Promise<string> {
  return new X509Certificate(await readFile(certFile)).serialNumber;
}

/**
 * Serial of the certificate a node presents right now. The route port speaks TLS from the first
 * byte (the client port sends a plain INFO first), and presents the same node certificate.
 */
export async function presentedSerial(node: NatsNode, tlsDir: string, timeoutMs = 2000): Promise<string> {
  const own = tlsPaths(tlsDir, node.name);
  const [ca, cert, key] = await Promise.all([readFile(own.ca), readFile(own.cert), readFile(own.key)]);
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: node.ip, port: node.clusterPort, ca, cert, key, servername: node.dnsName });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${node.name}: TLS handshake timed out`)); }, timeoutMs);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      const serial = sock.getPeerX509Certificate()?.serialNumber;
      sock.destroy();
      if (serial) resolve(serial); else reject(new Error(`${node.name}: no peer certificate`));
    });
    sock.once('error', (e) => { clearTimeout(timer); reject(new Error(`${node.name}: ${e.message}`)); });
  });
}
