/** Layout of a TLS directory made by `dsm certs init`; renderer, connect and stacks agree on it. */
import path from 'node:path';

export function tlsPaths(dir: string, serverName: string): { ca: string; cert: string; key: string } {
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'servers', `${serverName}.crt`), key: path.join(dir, 'servers', `${serverName}.key`) };
}

export function clientTlsPaths(dir: string, identity: string): { ca: string; cert: string; key: string } {
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'clients', `${identity}.crt`), key: path.join(dir, 'clients', `${identity}.key`) };
}
