/**
 * The stack exactly as `make synth` builds it (stacks/main.ts: DsmPlatformStack for the env's
 * config), synthesized in-process to Terraform JSON. Reads the stacks; the stacks never import
 * the twin. The stacks (and cdktf) are not in the AMI's bundle, so they are imported only when a
 * twin runs: every other `dsm` command on a host must start without them.
 */
import type { DsmConfig } from '../../config/schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function synthesizeStack(cfg: DsmConfig): Promise<{ name: string; json: any }> {
  const { Testing } = await import('../../stacks/cdktf.js');
  const { DsmPlatformStack } = await import('../../stacks/platform-stack.js');
  // Same name as stacks/main.ts gives it (that module synthesizes on import, so it is not imported).
  const name = `dsm-${cfg.env}`;
  const stack = new DsmPlatformStack(Testing.app(), name, cfg);
  return { name, json: JSON.parse(Testing.synth(stack)) };
}
