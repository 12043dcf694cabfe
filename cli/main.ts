/**
 * The `dsm` command. Each subcommand lives in cli/commands/<name>.ts and exports
 * `register(program)`. Errors are mapped to exit codes in one place:
 * usage/config -> 2, failures -> 1.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { NatsConnectError } from '../services/nats/connect.js';
import { CommandFailed, EXIT_FAILURE, EXIT_USAGE, ExitError, UsageError } from './exit.js';
import { COMMANDS } from './commands/index.js';
import { addConfigOptions } from './options.js';
import { addExamples } from './examples.js';
import { addVerbosityOptions } from './output.js';

export function buildProgram(): Command {
  const program = new Command('dsm')
    .description('Data Stream Manager: market-data ingestion and distribution over NATS')
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  addConfigOptions(program);
  addExamples(program);
  addVerbosityOptions(program);
  // Every subcommand inherits the override so usage errors surface here, not as process.exit,
  // and prints commander's own errors as one line with the hint, like every other dsm error.
  const visit = (cmd: Command, name: string) => {
    cmd.exitOverride().showHelpAfterError(false).configureOutput({
      outputError: (str, write) => write(`dsm: ${str.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (run ${name} --help for usage)\n`),
    });
    for (const c of cmd.commands) visit(c, `${name} ${c.name()}`);
  };
  visit(program, 'dsm');
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here as "errors" with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`dsm: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      for (const p of err.problems) process.stderr.write(`dsm: config ${err.env}: ${p}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof NatsConnectError) {
      const hint = err.code === 'CONNECTION_REFUSED' || err.code === 'TIMEOUT'
        ? 'is the cluster running? check with dsm status, start one with dsm up; --servers picks others'
        : 'check the client certificates (--tls-dir; dsm certs show) and the servers (--servers)';
      process.stderr.write(`dsm: ${err.message} (${hint})\n`);
      return EXIT_FAILURE;
    }
    if (err instanceof ExitError) {
      process.stderr.write(`dsm: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof CommandFailed) {
      process.stderr.write(`dsm: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`dsm: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.DSM_DEBUG) console.error(err);
    return EXIT_FAILURE;
  }
}

/** Process entry used by cli/bin/dsm.js. */
export async function main(argv: string[]): Promise<void> {
  // `dsm status | head` closes the pipe early; that is not an error worth a stack trace.
  // The AWS SDK warns (9 lines, every AWS command) that its 2027 releases will need Node 22; that is
  // a note for whoever upgrades dependencies, not for an operator. DSM_LOG_LEVEL=debug shows it.
  if (process.env.DSM_LOG_LEVEL !== 'debug' && process.env.DSM_LOG_LEVEL !== 'trace') process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw err; });
  const code = await run(argv);
  process.exitCode = code;
  // Give pino and sockets a moment to flush, then exit even if a library left a handle open.
  setTimeout(() => process.exit(code), 200).unref();
}
