/**
 * Structured logs (pino). JSON to stdout by default, as services on hosts need; human-readable
 * when stderr is a terminal, as people at a CLI need. DSM_LOG_LEVEL sets the level.
 */
import { pino, type Logger } from 'pino';

let root: Logger | undefined;

export function logger(): Logger {
  if (!root) {
    const level = process.env.DSM_LOG_LEVEL ?? 'info';
    const pretty = process.stderr.isTTY && process.env.DSM_LOG_FORMAT !== 'json';
    root = pretty
      ? pino({ level, base: undefined, transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } })
      : pino({ level, base: { svc: 'dsm' } }, pino.destination(2));
  }
  return root;
}

export function childLogger(component: string): Logger {
  return logger().child({ component });
}
