/**
 * Where TLS material lives in SSM Parameter Store. A parameter's name below the prefix is the
 * file's path inside the TLS directory (`dsm certs init` layout: ca.crt, servers/<node>.{crt,key},
 * clients/<identity>.{crt,key}), so boot scripts copy names to paths without a mapping table and
 * `dsm certs push` writes the same names. No cdktf imports: the CLI may read this module.
 */
export interface TlsParameter {
  /** Full parameter name, e.g. /dsm/prod/tls/servers/nats-1.key. */
  name: string;
  /** Path relative to the TLS directory, e.g. servers/nats-1.key. */
  file: string;
  /** Private keys are 0600; certificates 0644. */
  mode: '0600' | '0644';
}

/** KMS key the SecureStrings are encrypted with (created by the stack, used by `dsm certs push`). */
export function tlsKeyAlias(env: string): string {
  return `alias/dsm-${env}-tls`;
}

export function tlsParameterPrefix(env: string): string {
  return `/dsm/${env}/tls`;
}

function param(env: string, file: string): TlsParameter {
  return { name: `${tlsParameterPrefix(env)}/${file}`, file, mode: file.endsWith('.key') ? '0600' : '0644' };
}

export function caParameter(env: string): TlsParameter {
  return param(env, 'ca.crt');
}

/** CA plus one NATS node's server certificate and key. */
export function serverParameters(env: string, serverName: string): TlsParameter[] {
  return [caParameter(env), param(env, `servers/${serverName}.crt`), param(env, `servers/${serverName}.key`)];
}

/** CA plus one client identity's certificate and key. */
export function clientParameters(env: string, identity: string): TlsParameter[] {
  return [caParameter(env), param(env, `clients/${identity}.crt`), param(env, `clients/${identity}.key`)];
}

/** Every parameter of an environment, each once, in a stable order. */
export function allTlsParameters(env: string, serverNames: readonly string[], identities: readonly string[]): TlsParameter[] {
  const all = [...serverNames.flatMap((s) => serverParameters(env, s)), ...identities.flatMap((i) => clientParameters(env, i))];
  return [...new Map(all.map((p) => [p.name, p])).values()];
}
