// Decides what gitleaks scans: the working tree (`dir`), the whole history (`git`), or on a pull request
// only the PR's commits (`git` with --log-opts base..head). Pure; refs are validated because they are
// handed to `git log` through gitleaks.
import { InputError } from '../../kit/src/errors.js';

export type Mode = 'git' | 'dir';

export interface ScanPlan {
  mode: Mode;
  /** `base..head` for git mode on a pull request, else empty (all history). */
  range: string;
}

const MODES: readonly Mode[] = ['git', 'dir'];
// A commit sha or a plain ref name: nothing git could read as an option or a revision expression.
const REF = /^(?!-)[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

export function parseMode(input: string): Mode {
  const mode = (input.trim() || 'git').toLowerCase();
  if ((MODES as readonly string[]).includes(mode)) return mode as Mode;
  throw new InputError(
    `The mode input "${input}" is not one of ${MODES.join(', ')}; use git to scan commits or dir to scan the working tree.`,
  );
}

export function validRef(ref: string, inputName: string): string {
  if (REF.test(ref) && !ref.includes('..')) return ref;
  throw new InputError(
    `The ${inputName} input "${ref}" is not a commit sha or branch name; give one like 3f2c1e9 or main.`,
  );
}

interface PullRequestEvent {
  pull_request?: { base?: { sha?: unknown }; head?: { sha?: unknown } };
}

/** base and head from the inputs, else from a pull_request event's payload, else none (full history). */
export function planScan(
  mode: Mode,
  inputs: { base: string; head: string },
  eventName: string,
  event: unknown,
): ScanPlan {
  if (mode === 'dir') return { mode, range: '' };
  let { base, head } = inputs;
  const pr = (event as PullRequestEvent | undefined)?.pull_request;
  if (!base && eventName === 'pull_request' && pr) {
    base = typeof pr.base?.sha === 'string' ? pr.base.sha : '';
    head = head || (typeof pr.head?.sha === 'string' ? pr.head.sha : '');
  }
  if (!base) return { mode, range: '' };
  return { mode, range: `${validRef(base, 'base')}..${validRef(head || 'HEAD', 'head')}` };
}

/** `ignorePath`: a .gitleaksignore or the folder holding one; `configPath`: a config that overrides any in the scanned folder. */
export function gitleaksArgs(plan: ScanPlan, reportPath: string, ignorePath: string, configPath?: string): string[] {
  return [
    plan.mode,
    '.',
    '--report-format',
    'json',
    '--report-path',
    reportPath,
    '--redact',
    '--exit-code',
    '2',
    '--no-banner',
    '--log-level',
    'error',
    '--gitleaks-ignore-path',
    ignorePath,
    ...(configPath ? ['--config', configPath] : []),
    ...(plan.range ? [`--log-opts=${plan.range}`] : []),
  ];
}
