/** Where local clusters keep their state: .dsm/<env> under the repository (gitignored). */
import path from 'node:path';

export const DIR_OPTION = ['--dir <path>', 'working directory for certificates, configs, logs and pid files (default .dsm/<env>)'] as const;

export function localDir(env: string, dir?: string): string {
  return path.resolve(dir ?? path.join('.dsm', env));
}
