/**
 * Where local clusters keep their state: `<state root>/<env>`, where the state root is DSM_HOME
 * if set, else the `.dsm` directory of the repository the command runs in. The repository is found
 * by walking up from the working directory (the nearest `.dsm` or `.git`, else package.json), so
 * `dsm status` and `dsm down` find the cluster from any subdirectory.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const DIR_OPTION = ['--dir <path>', 'working directory for certificates, configs, logs and pid files (default: $DSM_HOME/<env>, else .dsm/<env> at the repository root)'] as const;

/** The directory holding `.dsm`: nearest ancestor with one, else the repository root, else cwd. */
export function stateRoot(cwd = process.cwd()): string {
  if (process.env.DSM_HOME) return path.resolve(process.env.DSM_HOME);
  const ancestors: string[] = [];
  for (let d = path.resolve(cwd); ; d = path.dirname(d)) {
    ancestors.push(d);
    if (path.dirname(d) === d) break;
  }
  // Nearest ancestor that is a repository root (.git) or already holds state (.dsm); a bundle
  // without .git falls back to its package.json.
  const root = ancestors.find((d) => existsSync(path.join(d, '.dsm')) || existsSync(path.join(d, '.git')))
    ?? ancestors.find((d) => existsSync(path.join(d, 'package.json')));
  return path.join(root ?? path.resolve(cwd), '.dsm');
}

export function localDir(env: string, dir?: string): string {
  return dir ? path.resolve(dir) : path.join(stateRoot(), env);
}
