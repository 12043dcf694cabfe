/**
 * Shell commands on DSM hosts through SSM Run Command (AWS-RunShellScript): send once to a set of
 * instances, then poll GetCommandInvocation per instance until each reaches a final status.
 */
import { GetCommandInvocationCommand, SendCommandCommand, type GetCommandInvocationCommandOutput, type SendCommandCommandOutput } from '@aws-sdk/client-ssm';
import { AwsCallError, type AwsCaller } from './caller.js';

const FINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Undeliverable', 'Terminated', 'InvalidPlatform', 'AccessDenied', 'DeliveryTimedOut', 'ExecutionTimedOut']);

export interface ShellOptions {
  comment: string;
  /** Per-instance execution timeout (seconds). */
  timeoutSeconds?: number;
  pollMs?: number;
}

/** Runs `commands` on every instance; resolves with stdout per instance, throws on any failure. */
export async function runShell(caller: AwsCaller, instanceIds: string[], commands: string[], opts: ShellOptions): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!instanceIds.length) return out;
  const timeoutSeconds = opts.timeoutSeconds ?? 120;
  const sent = await caller.write<SendCommandCommandOutput>('ssm', new SendCommandCommand({
    DocumentName: 'AWS-RunShellScript',
    InstanceIds: instanceIds,
    Comment: opts.comment.slice(0, 100),
    TimeoutSeconds: timeoutSeconds,
    Parameters: { commands, executionTimeout: [String(timeoutSeconds)] },
  }));
  const commandId = sent?.Command?.CommandId;
  if (caller.dryRun) {
    await caller.wait(`SSM GetCommandInvocation until final on ${instanceIds.join(', ')}`, async () => undefined, { timeoutMs: (timeoutSeconds + 60) * 1000, intervalMs: 1000 });
    return out;
  }
  if (!commandId) throw new Error('SSM SendCommand returned no CommandId');
  for (const id of instanceIds) {
    const inv = await caller.wait(`SSM command ${commandId} on ${id}`, async () => {
      try {
        const r = await caller.read<GetCommandInvocationCommandOutput>('ssm', new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }));
        return r.Status && FINAL.has(r.Status) ? r : undefined;
      } catch (err) {
        // The invocation appears a moment after SendCommand returns.
        if (err instanceof AwsCallError && err.code === 'InvocationDoesNotExist') return undefined;
        throw err;
      }
    }, { timeoutMs: (timeoutSeconds + 60) * 1000, intervalMs: opts.pollMs ?? 1000 });
    if (!inv) continue;
    if (inv.Status !== 'Success') {
      const why = (inv.StandardErrorContent ?? '').trim().split('\n').filter(Boolean).pop() ?? inv.StatusDetails ?? '';
      throw new Error(`SSM command ${commandId} on ${id}: ${inv.Status}${why ? `: ${why}` : ''}`);
    }
    out.set(id, inv.StandardOutputContent ?? '');
  }
  return out;
}
