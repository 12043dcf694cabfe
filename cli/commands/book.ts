/**
 * `dsm book replay`: rebuild books offline from a recorded feed, check them against the
 * exchange's own ground truth, optionally emit the top levels after every event.
 * A user-facing contract: options, emitted lines and summary fields stay stable.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { failures, fileSink, isReplayFormat, NO_EMIT, REPLAY_FORMATS } from '../../services/replay/index.js';
import { CommandFailed, UsageError } from '../exit.js';
import { positiveInt } from '../options.js';

interface ReplayCliOptions {
  format: string;
  depth: number;
  emit?: string;
}

const FORMAT_NAMES = Object.keys(REPLAY_FORMATS);

export function register(program: Command): void {
  const book = program.command('book').description('order-book tools: offline replay of recorded feeds');
  book
    .command('replay')
    .description('replay a recorded feed into books, verify against exchange ground truth, print a JSON summary')
    .addOption(new Option('-f, --format <format>', 'input format').choices(FORMAT_NAMES).makeOptionMandatory())
    .option('-d, --depth <n>', 'levels per side in emitted lines', positiveInt('--depth'), 10)
    .option('--emit <file>', 'write one JSON line per applied event: {exchange,symbol,seq,row?,bids,asks}')
    .argument('<inputs...>', inputHelp())
    .showHelpAfterError('(run dsm book replay --help for usage)')
    .exitOverride()
    .action(async (inputs: string[], opts: ReplayCliOptions) => {
      const summary = await runReplayCommand(inputs, opts);
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      const failed = failures(summary);
      if (failed.length) throw new CommandFailed(`replay check failed: ${failed.join('; ')}`);
    });
}

async function runReplayCommand(inputs: string[], opts: ReplayCliOptions) {
  if (!isReplayFormat(opts.format)) throw new UsageError(`--format must be one of ${FORMAT_NAMES.join(', ')}, got "${opts.format}"`);
  const format = REPLAY_FORMATS[opts.format]!;
  if (inputs.length !== format.inputs.length) {
    throw new UsageError(`--format ${opts.format} takes ${format.inputs.length} input${format.inputs.length > 1 ? 's' : ''} (${format.inputs.join(' ')}), got ${inputs.length}`);
  }
  for (const path of inputs) {
    if (!existsSync(path)) throw new UsageError(`input file not found: ${path}`);
    if (!statSync(path).isFile()) throw new UsageError(`input is not a file: ${path}`);
  }
  if (opts.emit !== undefined && !existsSync(dirname(opts.emit) || '.')) throw new UsageError(`--emit directory does not exist: ${dirname(opts.emit)}`);
  const emit = opts.emit === undefined ? NO_EMIT : fileSink(opts.emit);
  try {
    return await format.run(inputs, { depth: opts.depth, emit });
  } finally {
    await emit.close();
  }
}

function inputHelp(): string {
  return `input files: ${Object.entries(REPLAY_FORMATS)
    .map(([name, f]) => `${name}: ${f.inputs.join(' ')}`)
    .join('; ')}`;
}
