/**
 * Runbooks are Markdown people read; their executable steps are fenced `drill` blocks inside
 * them, so the document and the drill cannot drift apart:
 *
 *     ```drill
 *     step: kill-node                       # id, unique in the runbook
 *     local: kill-nats-node node=2          # what the local target does
 *     aws: ec2-stop role=nats node=2        # what the AWS target does
 *     fault: yes                            # the moment detection and recovery are timed from
 *     repair: yes                           # (another step) time recovery from here instead
 *     expect: routes-degraded within=3s     # checks (both targets); expect-local / expect-aws for one
 *     ```
 *
 * A block belongs to the `##` section it sits in: Preconditions and Verification hold checks
 * only; Steps and Rollback hold actions (plus checks). Every problem names its file and line.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { validateCall } from './registry.js';
import { TARGETS, type Call, type TargetName } from './types.js';

export const SECTIONS = ['purpose', 'preconditions', 'steps', 'verification', 'rollback', 'metrics to watch'] as const;
export type SectionName = (typeof SECTIONS)[number];
export type BlockSection = 'preconditions' | 'steps' | 'verification' | 'rollback';

export interface Expectation {
  call: Call;
  /** Targets the check applies to (`expect:` = both). */
  targets: readonly TargetName[];
}

export interface DrillStep {
  id: string;
  section: BlockSection;
  line: number;
  actions: Partial<Record<TargetName, Call>>;
  expects: Expectation[];
  fault: boolean;
  /** Recovery is timed from this step (the repair) instead of the fault: e.g. a link restored. */
  repair: boolean;
}

export interface Runbook {
  /** File name without .md: what `dsm drill <name>` takes. */
  name: string;
  title: string;
  file: string;
  /** `##` headings in order, lower-cased. */
  sections: string[];
  /** Text of each `##` section (for metrics-to-watch checks and reports). */
  sectionText: Record<string, string>;
  steps: DrillStep[];
}

export class RunbookError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'RunbookError';
  }
}

const KEYS = new Set(['step', 'local', 'aws', 'expect', 'expect-local', 'expect-aws', 'fault', 'repair']);

/** `kill-nats-node node=2 signal=SIGKILL` -> Call; undefined + reason when malformed. */
export function parseCall(text: string, line: number): Call | string {
  const [name, ...rest] = text.trim().split(/\s+/);
  if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) return `"${text.trim()}" does not start with an action name (lower-case, dashes)`;
  const args: Record<string, string> = {};
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    if (eq <= 0) return `"${tok}" is not an argument of the form key=value`;
    const key = tok.slice(0, eq);
    if (key in args) return `argument ${key} given twice`;
    args[key] = tok.slice(eq + 1);
  }
  return { name, args, line };
}

/** Parse without checking names against the registry (see `validateRunbook`). */
export function parseRunbook(text: string, file: string): Runbook {
  const lines = text.split(/\r?\n/);
  const problems: string[] = [];
  const at = (n: number, msg: string) => problems.push(`${file}:${n}: ${msg}`);
  const sections: string[] = [];
  const sectionText: Record<string, string> = {};
  const steps: DrillStep[] = [];
  let title = '';
  let section: string | undefined;
  let block: { start: number; body: Array<[number, string]> } | undefined;
  let otherFence = false;

  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const l = lines[i]!;
    if (block) {
      if (/^\s*```\s*$/.test(l)) { steps.push(...toStep(block.start, block.body, section, at)); block = undefined; }
      else if (/^\s*```/.test(l)) { at(block.start, `drill block is never closed (\`\`\`) before the fence at line ${n}`); block = undefined; otherFence = !/^\s*```drill\s*$/.test(l); if (!otherFence) block = { start: n, body: [] }; }
      else block.body.push([n, l]);
      continue;
    }
    // Fences may be indented (a drill block inside a numbered list item).
    if (/^\s*```/.test(l)) {
      if (otherFence) { otherFence = false; continue; }
      if (/^\s*```drill\s*$/.test(l)) block = { start: n, body: [] };
      else otherFence = true;
      continue;
    }
    if (otherFence) continue;
    const h1 = /^#\s+(.+)$/.exec(l);
    if (h1 && !title) { title = h1[1]!.trim(); continue; }
    const h2 = /^##\s+(.+)$/.exec(l);
    if (h2) { section = h2[1]!.trim().toLowerCase(); sections.push(section); sectionText[section] = ''; continue; }
    if (section !== undefined) sectionText[section] += `${l}\n`;
  }
  if (block) at(block.start, 'drill block is never closed (```)');
  if (!title) at(1, 'runbook has no "# Title" line');
  const seen = new Map<string, number>();
  for (const s of steps) {
    const prev = seen.get(s.id);
    if (prev !== undefined) at(s.line, `step id "${s.id}" already used at line ${prev}`);
    seen.set(s.id, s.line);
  }
  if (problems.length) throw new RunbookError(problems);
  return { name: path.basename(file, '.md'), title, file, sections, sectionText, steps };
}

function toStep(start: number, body: Array<[number, string]>, section: string | undefined, at: (n: number, msg: string) => void): DrillStep[] {
  if (section !== 'preconditions' && section !== 'steps' && section !== 'verification' && section !== 'rollback') {
    at(start, `drill block in section "${section ?? '(none)'}"; drill blocks belong under ## Preconditions, ## Steps, ## Verification or ## Rollback`);
    return [];
  }
  let id: string | undefined;
  let fault = false;
  let repair = false;
  const actions: Partial<Record<TargetName, Call>> = {};
  const expects: Expectation[] = [];
  let ok = true;
  for (const [n, raw] of body) {
    const l = raw.replace(/\s+#.*$/, '').trim();
    if (!l || l.startsWith('#')) continue;
    const m = /^([a-z-]+):\s*(.*)$/.exec(l);
    if (!m) { at(n, `"${l}" is not a "key: value" line`); ok = false; continue; }
    const [, key, value] = m as unknown as [string, string, string];
    if (!KEYS.has(key)) { at(n, `unknown key "${key}"; use ${[...KEYS].join(', ')}`); ok = false; continue; }
    if (key === 'step') {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(value)) { at(n, `step id "${value}" must be lower-case letters, digits and -`); ok = false; } else id = value;
      continue;
    }
    if (key === 'fault' || key === 'repair') {
      if (value !== 'yes' && value !== 'no') { at(n, `${key} must be yes or no`); ok = false; } else if (key === 'fault') fault = value === 'yes'; else repair = value === 'yes';
      continue;
    }
    const call = parseCall(value, n);
    if (typeof call === 'string') { at(n, call); ok = false; continue; }
    if (key === 'local' || key === 'aws') {
      if (actions[key]) { at(n, `${key}: given twice in one step`); ok = false; }
      actions[key] = call;
    } else {
      expects.push({ call, targets: key === 'expect' ? TARGETS : [key === 'expect-local' ? 'local' : 'aws'] });
    }
  }
  if (!id) { at(start, 'drill block has no "step:" line'); ok = false; }
  // One problem per block is enough: a malformed line explains what follows from it.
  if (!ok) return [];
  const blockSection = section;
  if (blockSection === 'preconditions' || blockSection === 'verification') {
    if (Object.keys(actions).length) { at(start, `step ${id ?? ''} under ## ${section} may only hold expect lines (checks), not actions`); ok = false; }
    if (!expects.length) { at(start, `step ${id ?? ''} under ## ${section} has no expect line`); ok = false; }
  } else if (!Object.keys(actions).length) { at(start, `step ${id ?? ''} has neither a local: nor an aws: line`); ok = false; }
  if ((fault || repair) && blockSection !== 'steps') { at(start, `${fault ? 'fault' : 'repair'}: yes belongs to a step under ## Steps`); ok = false; }
  if (fault && repair) { at(start, 'a step is either the fault or the repair'); ok = false; }
  return ok && id ? [{ id, section: blockSection, line: start, actions, expects, fault, repair }] : [];
}

/**
 * Registry and structure checks for one target: every section present, every action and check
 * known with valid arguments, every Steps/Rollback block has an action for the target (`none`
 * says so explicitly), at most one fault, `updates-resumed` only after it.
 */
export function validateRunbook(rb: Runbook, target: TargetName): string[] {
  const problems: string[] = [];
  const at = (n: number, msg: string) => problems.push(`${rb.file}:${n}: ${msg}`);
  for (const s of SECTIONS) if (!rb.sections.includes(s)) at(1, `missing section "## ${s[0]!.toUpperCase()}${s.slice(1)}"`);
  if (!rb.steps.some((s) => s.section === 'steps')) at(1, 'no drill blocks under ## Steps: nothing to execute');
  const faults = rb.steps.filter((s) => s.fault);
  if (faults.length > 1) at(faults[1]!.line, `only one step may be the fault (first at line ${faults[0]!.line})`);
  const repairs = rb.steps.filter((s) => s.repair);
  if (repairs.length > 1) at(repairs[1]!.line, `only one step may be the repair (first at line ${repairs[0]!.line})`);
  if (repairs[0] && (!faults[0] || repairs[0].line < faults[0].line)) at(repairs[0].line, 'the repair step must come after the fault step');
  let faultSeen = false;
  for (const s of rb.steps) {
    const action = s.actions[target];
    if ((s.section === 'steps' || s.section === 'rollback') && !action) at(s.line, `step ${s.id} has no ${target}: line (write "${target}: none reason=..." if nothing is to be done)`);
    if (action) for (const p of validateCall(action, 'action', target)) at(action.line, p);
    if (s.fault) faultSeen = true;
    for (const e of s.expects) {
      if (!e.targets.includes(target)) continue;
      for (const p of validateCall(e.call, 'check', target)) at(e.call.line, p);
      if (e.call.name === 'updates-resumed' && !faultSeen && s.section !== 'rollback') at(e.call.line, 'updates-resumed needs an earlier step with fault: yes');
    }
  }
  return problems;
}

export const RUNBOOK_DIR = path.resolve(import.meta.dirname, '../../runbooks');

export async function listRunbooks(dir = RUNBOOK_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.md') && f !== 'README.md').map((f) => f.slice(0, -3)).sort();
}

/** Load `runbooks/<name>.md` (or a path to a .md file). */
export async function loadRunbook(nameOrPath: string, dir = RUNBOOK_DIR): Promise<Runbook> {
  const file = nameOrPath.endsWith('.md') ? path.resolve(nameOrPath) : path.join(dir, `${nameOrPath}.md`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const known = await listRunbooks(dir).catch(() => []);
    throw new RunbookError([`no runbook "${nameOrPath}" (${file}); known: ${known.join(', ')}`]);
  }
  return parseRunbook(text, path.relative(process.cwd(), file) || file);
}
