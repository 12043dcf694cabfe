/**
 * A stand-in for the CloudWatch client that records each PutMetricData request (one JSON line:
 * {Namespace, MetricData}) to a file instead of sending it. Selected by DSM_CLOUDWATCH_RECORD=FILE
 * so that `dsm twin` can start the metrics agent with exactly the arguments of its unit and still
 * see what would reach CloudWatch. The real emitter (batching, datum conversion) runs unchanged.
 */
import { appendFileSync } from 'node:fs';
import type { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';

export const CLOUDWATCH_RECORD_ENV = 'DSM_CLOUDWATCH_RECORD';

export class RecordingCloudWatch {
  requests = 0;

  constructor(readonly file: string) {}

  /** Same shape as CloudWatchClient.send for the one command the emitter sends. */
  async send(command: PutMetricDataCommand): Promise<Record<string, never>> {
    // Appends of one line each are atomic enough for several agents sharing a file (O_APPEND).
    appendFileSync(this.file, `${JSON.stringify({ at: new Date().toISOString(), pid: process.pid, ...command.input })}\n`);
    this.requests++;
    return {};
  }
}

/** The recorder when DSM_CLOUDWATCH_RECORD is set, else undefined (use the real client). */
export function recordingClientFromEnv(environ: NodeJS.ProcessEnv = process.env): CloudWatchClient | undefined {
  const file = environ[CLOUDWATCH_RECORD_ENV];
  return file ? (new RecordingCloudWatch(file) as unknown as CloudWatchClient) : undefined;
}
