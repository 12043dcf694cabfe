/** The action/check reference in runbooks/README.md, rendered from the registry (a test keeps them equal). */
import { REGISTRY, type ActionSpec, type ArgSpec } from './registry.js';

function argText(name: string, a: ArgSpec): string {
  const kind = Array.isArray(a.kind) ? (a.kind as readonly string[]).join('\\|') : (a.kind as string);
  return `\`${name}=\`${a.required ? '' : ' (optional)'} ${kind}`;
}

export function registryTable(): string {
  const rows = Object.entries(REGISTRY as Record<string, ActionSpec>).map(([name, s]) =>
    `| \`${name}\` | ${s.kind} | ${s.targets.join(', ')} | ${Object.entries(s.args).map(([k, a]) => argText(k, a)).join('; ') || '—'} | ${s.summary.replace(/\|/g, '\\|')} |`);
  return ['| name | kind | targets | arguments | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}
