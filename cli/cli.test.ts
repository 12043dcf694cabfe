import type { Command } from 'commander';
import { buildProgram } from './main.js';
import { runDsm } from '../test/harness/cli.js';


const dsm = (...args: string[]) => runDsm(args);

function allCommands(cmd: Command, prefix = ''): Array<[string, Command]> {
  return cmd.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return [[name, c] as [string, Command], ...allCommands(c, `${name} `)];
  });
}

describe('dsm CLI', () => {
  it('describes every command and has help for each', () => {
    const commands = allCommands(buildProgram());
    expect(commands.map(([n]) => n)).toEqual(expect.arrayContaining(['config', 'certs', 'certs init', 'up', 'down', 'status', 'render nats-config']));
    for (const [name, c] of commands) {
      expect(c.description(), `${name} has a description`).not.toBe('');
      expect(c.helpInformation()).toContain(`Usage: dsm ${name.split(' ').slice(0, -1).join(' ')}`.trim().replace(/ $/, ''));
    }
  });

  it('exits 0 on success and prints help with --help', async () => {
    expect((await dsm('config')).code).toBe(0);
    const help = await dsm('render', 'nats-config', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--node <n>/);
  });

  it('exits 2 with one clear line for usage and config errors', async () => {
    const unknownEnv = await dsm('config', '--env', 'nope');
    expect(unknownEnv.code).toBe(2);
    expect(unknownEnv.stderr.trim()).toBe('dsm: config nope: env: unknown environment, expected one of local, prod, got "nope"');
    const badNode = await dsm('render', 'nats-config', '--node', 'x');
    expect(badNode.code).toBe(2);
    expect(badNode.stderr).toMatch(/--node must be a positive integer, got "x"/);
    const outOfRange = await dsm('render', 'nats-config', '--node', '4');
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr.trim()).toBe('dsm: --node must be between 1 and 3, got 4');
    expect((await dsm('no-such-command')).code).toBe(2);
  });
});
