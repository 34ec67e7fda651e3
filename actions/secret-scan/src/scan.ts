// Runs gitleaks over one directory of the workspace and returns its findings. gitleaks exits 2 on leaks
// (we ask it to), 0 when clean and 1 on errors; it also exits 0 when `git log` fails, so errors logged
// on stderr count as failures too, or a bad commit range would look like a clean scan.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { InputError, ToolReportError } from '../../kit/src/errors.js';
import type { Finding } from '../../kit/src/finding.js';
import { runTool } from '../../kit/src/run-tool.js';
import { parseGitleaksReport } from './gitleaks-report.js';
import { gitleaksArgs, type ScanPlan } from './scan-plan.js';
import { hideWorkspaceIgnore } from './trusted-settings.js';

export interface ScanRequest {
  gitleaks: string;
  workspace: string;
  /** Absolute directory to scan, inside the workspace. */
  target: string;
  plan: ScanPlan;
  /** On a pull request: the base commit's config and ignore list (trusted-settings.ts); else the workspace's. */
  trusted?: { configPath: string; ignorePath: string };
}

/** The first error gitleaks logged, without colours or timestamp, or '' if none. */
export function loggedError(stderr: string): string {
  for (const line of stripVTControlCharacters(stderr).split('\n')) {
    const match = /\b(?:ERR|FTL)\b\s*(.*)$/.exec(line);
    if (match) return (match[1] ?? '').trim();
  }
  return '';
}

export async function scan(request: ScanRequest): Promise<Finding[]> {
  const isDir = await stat(request.target).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir)
    throw new InputError(
      `The path input must name a directory of the workspace, and ${request.target} is not one; give a directory such as ".".`,
    );
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'gitleaks-'));
  try {
    const reportPath = join(dir, 'report.json');
    const { trusted } = request;
    const args = trusted
      ? gitleaksArgs(request.plan, reportPath, trusted.ignorePath, trusted.configPath)
      : gitleaksArgs(request.plan, reportPath, request.workspace);
    const restore = trusted ? await hideWorkspaceIgnore(request.target) : async () => {};
    let result;
    try {
      result = await runTool(request.gitleaks, args, { cwd: request.target, pathInput: 'gitleaks-path' });
    } finally {
      await restore();
    }
    const error = loggedError(result.stderr);
    if (result.exitCode === 1 || error || ![0, 2].includes(result.exitCode)) {
      const what = request.plan.range
        ? `commits ${request.plan.range}`
        : `the ${request.plan.mode === 'git' ? 'history' : 'files'}`;
      throw new ToolReportError(
        `gitleaks could not scan ${what} (${error || `exit ${result.exitCode}`}); check that the checkout has those commits (fetch-depth: 0) and that gitleaks-path is gitleaks 8.`,
      );
    }
    return parseGitleaksReport(await readFile(reportPath, 'utf8'), request.workspace, request.target);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
