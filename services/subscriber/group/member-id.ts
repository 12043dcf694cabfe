/**
 * A member id that is unique per host and process unless one is given: on AWS the boot script
 * writes the instance id to DSM_MEMBER (/etc/dsm/dsm.env), so a replaced instance is a new member.
 */
import os from 'node:os';

export function defaultMemberId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DSM_MEMBER) return env.DSM_MEMBER;
  const host = os.hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'host';
  return `${host}-${process.pid}`;
}
