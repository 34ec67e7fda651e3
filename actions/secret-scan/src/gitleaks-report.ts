// Reads gitleaks' JSON report into findings. Only fields that cannot hold the secret are read (rule,
// description, file, lines, commit, fingerprint); Match and Secret are never touched, so even a gitleaks
// run without --redact could not leak them into annotations, the summary or SARIF.
import { join } from 'node:path';
import { ToolReportError } from '../../kit/src/errors.js';
import type { Finding } from '../../kit/src/finding.js';
import { toWorkspaceRelative } from '../../kit/src/workspace-path.js';

interface GitleaksLeak {
  RuleID?: unknown;
  Description?: unknown;
  File?: unknown;
  StartLine?: unknown;
  EndLine?: unknown;
  Commit?: unknown;
  Fingerprint?: unknown;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const positive = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);

/** `scanRoot` is the directory gitleaks ran in: its file paths are relative to it. */
export function parseGitleaksReport(json: string, workspace: string, scanRoot: string): Finding[] {
  let report: unknown;
  try {
    report = JSON.parse(json);
  } catch {
    throw new ToolReportError(
      'gitleaks wrote a report that is not JSON; check that gitleaks-path points at gitleaks 8.',
    );
  }
  if (!Array.isArray(report))
    throw new ToolReportError(
      'gitleaks wrote a JSON report that is not a list of leaks; check that gitleaks-path points at gitleaks 8.',
    );
  return (report as GitleaksLeak[]).map((leak) => {
    const rule = text(leak.RuleID) || 'unknown-rule';
    const commit = text(leak.Commit);
    const line = positive(leak.StartLine) ?? 1;
    const endLine = positive(leak.EndLine);
    const where = commit ? ` in commit ${commit.slice(0, 12)}` : '';
    const fingerprint = text(leak.Fingerprint);
    const accept = fingerprint ? ` If it is not a real secret, add the line ${fingerprint} to .gitleaksignore.` : '';
    return {
      ruleId: rule,
      message: `Possible secret (${rule})${where}: ${text(leak.Description) || 'matched a gitleaks rule'} Remove it and rotate it.${accept}`,
      file: toWorkspaceRelative(workspace, join(scanRoot, text(leak.File))),
      line,
      ...(endLine !== undefined ? { endLine } : {}),
      level: 'error' as const,
    };
  });
}
