/**
 * Confirmation before a drill that touches real infrastructure. Only an interactive "yes" counts:
 * a pipe or CI job (no TTY) must say `--yes` explicitly, so nobody breaks production by
 * piping a script into the wrong terminal.
 */
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';

export interface ConfirmIo {
  input: Readable & { isTTY?: boolean };
  output: Writable;
}

export class ConfirmationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfirmationRefused';
  }
}

export async function confirmOrRefuse(question: string, io: ConfirmIo = { input: process.stdin, output: process.stderr }): Promise<void> {
  if (!io.input.isTTY) {
    throw new ConfirmationRefused('refusing to run an AWS drill without confirmation: stdin is not a terminal; pass --yes to confirm non-interactively');
  }
  const rl = createInterface({ input: io.input, output: io.output, terminal: false });
  try {
    const answer = (await rl.question(`${question}\nType "yes" to continue: `)).trim().toLowerCase();
    if (answer !== 'yes') throw new ConfirmationRefused(`aborted: answered "${answer}", not "yes"`);
  } finally {
    rl.close();
  }
}
