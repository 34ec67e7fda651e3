// Runs the chosen linters over one path and collects their findings, sorted by file and line so the
// annotations and the summary read top to bottom.
import { existsSync } from 'node:fs';
import { InputError } from '../../kit/src/errors.js';
import { countByLevel, type Finding } from '../../kit/src/finding.js';
import { failingFindings, type FailOn } from '../../kit/src/fail-on.js';
import { runTool } from '../../kit/src/run-tool.js';
import { resolveInWorkspace } from '../../kit/src/workspace-path.js';
import { LINTERS, type LinterName } from './linters.js';

export interface LintRequest {
  workspace: string;
  path: string;
  linters: LinterName[];
  failOn: FailOn;
  /** Binary per linter; a bare name is looked up on PATH. */
  binaries: Record<LinterName, string>;
}

export interface LintResult {
  findings: Finding[];
  failing: Finding[];
  verdict: string;
}

export function byLocation(a: Finding, b: Finding): number {
  return (
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    (a.column ?? 0) - (b.column ?? 0) ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function verdict(
  findings: readonly Finding[],
  failing: readonly Finding[],
  request: Pick<LintRequest, 'path' | 'linters' | 'failOn'>,
): string {
  const where = `${request.path || '.'} with ${request.linters.join(', ')}`;
  if (findings.length === 0) return `Lint found no findings in ${where}.`;
  const c = countByLevel(findings);
  const counts = `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${plural(c.notice, 'notice')}`;
  if (failing.length === 0)
    return `Lint found ${plural(findings.length, 'finding')} (${counts}) in ${where}, none at or above fail-on ${request.failOn}.`;
  return `Lint failed: ${plural(failing.length, 'finding')} at or above fail-on ${request.failOn} (${counts}) in ${where}; see the annotations or run the linters locally.`;
}

export async function lint(request: LintRequest): Promise<LintResult> {
  const target = resolveInWorkspace(request.workspace, request.path, 'path');
  if (!existsSync(target)) {
    throw new InputError(
      `The path input "${request.path}" does not exist in the workspace; give a file or directory of the repository.`,
    );
  }
  const findings: Finding[] = [];
  for (const name of request.linters) {
    const linter = LINTERS[name];
    for (const step of linter.steps) {
      const result = await runTool(request.binaries[name], step.args(target), {
        cwd: request.workspace,
        pathInput: linter.pathInput,
      });
      findings.push(...step.parse(result, request.workspace));
    }
  }
  findings.sort(byLocation);
  const failing = failingFindings(findings, request.failOn);
  return { findings, failing, verdict: verdict(findings, failing, request) };
}

/** "ruff 0.17.6; black, 26.10.1 (compiled: yes)": the first line each linter prints for --version, for SARIF. */
export async function toolVersions(
  linters: readonly LinterName[],
  binaries: Record<LinterName, string>,
): Promise<string> {
  const lines: string[] = [];
  for (const name of linters) {
    const result = await runTool(binaries[name], ['--version'], { pathInput: LINTERS[name].pathInput });
    lines.push(result.stdout.trim().split('\n')[0] ?? name);
  }
  return lines.join('; ');
}
