/**
 * Every AWS call the drill makes goes through here, so that:
 * - `--dry-run` prints each mutating call (service, command, input JSON) instead of sending it,
 *   while read-only Describe/Get calls still run (they resolve instance ids from tags);
 * - throttling is retried with exponential backoff and full jitter on top of the SDK's own retry
 *   (waiters poll for minutes and would otherwise burn the SDK's attempts);
 * - any other error becomes one line naming the service, the command and the AWS error code.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { retry } from '../../common/retry.js';

export interface AwsClients {
  ec2: EC2Client;
  ssm: SSMClient;
  asg: AutoScalingClient;
}

/** Clients with adaptive retry (client-side rate limiting when AWS throttles). */
export function createAwsClients(region: string): AwsClients {
  const common = { region, maxAttempts: 4, retryMode: 'adaptive' as const };
  return { ec2: new EC2Client(common), ssm: new SSMClient(common), asg: new AutoScalingClient(common) };
}

const THROTTLE_CODES = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'RequestLimitExceeded', 'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'RequestLimitExceededException',
]);

export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return THROTTLE_CODES.has(e?.name ?? '') || THROTTLE_CODES.has(e?.Code ?? '') || e?.$metadata?.httpStatusCode === 429 || e?.$retryable?.throttling === true;
}

export class AwsCallError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'AwsCallError';
  }
}

type AnyClient = { send(command: never): Promise<unknown> };
type AnyCommand = { input: object; constructor: { name: string } };

export interface CallerOptions {
  dryRun: boolean;
  /** Where dry-run calls (and, when not dry, every call made) are listed. */
  plan: string[];
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class AwsCaller {
  /** Every call sent (dry or not), for tests and the report. */
  readonly sent: string[] = [];
  constructor(readonly clients: AwsClients, private readonly opts: CallerOptions) {}

  get dryRun(): boolean { return this.opts.dryRun; }

  static describe(service: string, command: AnyCommand): string {
    return `${service} ${command.constructor.name.replace(/Command$/, '')} ${JSON.stringify(command.input)}`;
  }

  /** Read-only call: always sent, dry run included. */
  read<O>(service: keyof AwsClients, command: AnyCommand): Promise<O> {
    return this.send<O>(service, command);
  }

  /** Mutating call: printed, not sent, in a dry run (returns undefined then). */
  async write<O>(service: keyof AwsClients, command: AnyCommand): Promise<O | undefined> {
    if (this.opts.dryRun) { this.opts.plan.push(AwsCaller.describe(labels[service], command)); return undefined; }
    return this.send<O>(service, command);
  }

  /** A wait the drill would do; skipped (and listed) in a dry run. */
  async wait<T>(what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs: number; intervalMs: number }): Promise<T | undefined> {
    if (this.opts.dryRun) { this.opts.plan.push(`wait: ${what} (up to ${Math.round(opts.timeoutMs / 1000)} s)`); return undefined; }
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() >= deadline) throw new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${what}`);
      await (this.opts.sleep ?? realSleep)(opts.intervalMs);
    }
  }

  private async send<O>(service: keyof AwsClients, command: AnyCommand): Promise<O> {
    const retries = this.opts.retries ?? 6;
    const base = this.opts.baseDelayMs ?? 250;
    const cap = this.opts.maxDelayMs ?? 10_000;
    const name = command.constructor.name.replace(/Command$/, '');
    this.sent.push(AwsCaller.describe(labels[service], command));
    try {
      return await retry(async () => (await (this.clients[service] as unknown as AnyClient).send(command as never)) as O, {
        baseMs: base, maxMs: cap, jitter: 'full', retries, retryable: isThrottling, sleep: this.opts.sleep ?? realSleep,
      });
    } catch (err) {
      const e = err as { name?: string; message?: string };
      const code = e?.name ?? 'Error';
      const msg = (e?.message ?? String(err)).split('\n')[0];
      throw new AwsCallError(`${labels[service]} ${name} failed: ${code}: ${msg}${isThrottling(err) ? ` (still throttled after ${retries} retries)` : ''}`, code);
    }
  }
}

const labels: Record<keyof AwsClients, string> = { ec2: 'EC2', ssm: 'SSM', asg: 'AutoScaling' };
