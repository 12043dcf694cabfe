/**
 * The stack exactly as `make synth` builds it (stacks/main.ts: DsmPlatformStack for the env's
 * config), synthesized in-process to Terraform JSON. Reads the stacks; the stacks never import
 * the twin.
 */
import { App, Testing } from '../../stacks/cdktf.js';
import { DsmPlatformStack } from '../../stacks/platform-stack.js';
import type { DsmConfig } from '../../config/schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function synthesizeStack(cfg: DsmConfig): { name: string; json: any } {
  // Same name as stacks/main.ts gives it (that module synthesizes on import, so it is not imported).
  const name = `dsm-${cfg.env}`;
  const app: App = Testing.app();
  const stack = new DsmPlatformStack(app, name, cfg);
  return { name, json: JSON.parse(Testing.synth(stack)) };
}
