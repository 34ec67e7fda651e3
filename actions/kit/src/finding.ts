// The one shape every check action reduces its tool's report to, so annotations, the job summary and
// SARIF are produced the same way whatever the tool.
export type Level = 'error' | 'warning' | 'notice';

export interface Finding {
  ruleId: string;
  message: string;
  /** Path relative to the workspace, with forward slashes, as GitHub expects in annotations. */
  file: string;
  line: number;
  endLine?: number;
  column?: number;
  level: Level;
}

export const LEVELS: readonly Level[] = ['error', 'warning', 'notice'];

/** Findings per level, for outputs and the verdict sentence. */
export function countByLevel(findings: readonly Finding[]): Record<Level, number> {
  const counts: Record<Level, number> = { error: 0, warning: 0, notice: 0 };
  for (const f of findings) counts[f.level] += 1;
  return counts;
}
