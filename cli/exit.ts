/** Exit codes every `dsm` command keeps: 0 ok, 1 failure, 2 usage or config error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Thrown for bad CLI input; main prints the message on one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Thrown when a command ran but its check failed (mismatch, drill not ok); exits 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

/** A long-running start interrupted by Ctrl-C/SIGTERM after cleaning up (the shell's 128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** A failure with a specific exit code, e.g. `dashboards diff` exits 2 when it cannot check at all. */
export class ExitError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'ExitError';
  }
}
