import { PassThrough, Readable } from 'node:stream';
import { confirmOrRefuse, ConfirmationRefused } from './confirm.js';

const io = (answer: string, tty: boolean) => {
  const input = Object.assign(Readable.from([answer]), { isTTY: tty });
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => { text += d.toString(); });
  return { io: { input, output }, printed: () => text };
};

describe('confirmation before an AWS drill', () => {
  it('goes ahead only on "yes" typed at a terminal', async () => {
    const yes = io('yes\n', true);
    await expect(confirmOrRefuse('Stop nats-2?', yes.io)).resolves.toBeUndefined();
    expect(yes.printed()).toBe('Stop nats-2?\nType "yes" to continue: ');
    await expect(confirmOrRefuse('Stop nats-2?', io('y\n', true).io)).rejects.toThrow(new ConfirmationRefused('aborted: answered "y", not "yes"'));
  });

  it('refuses without a terminal, even if the pipe says yes', async () => {
    await expect(confirmOrRefuse('Stop nats-2?', io('yes\n', false).io)).rejects.toThrow(
      'refusing to run an AWS drill without confirmation: stdin is not a terminal; pass --yes to confirm non-interactively',
    );
  });
});
