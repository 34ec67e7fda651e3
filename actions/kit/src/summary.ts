// The job summary every check writes: a heading, the verdict sentence, findings counted per rule, and the
// findings themselves. core.summary inserts table cells as raw HTML, so every cell is escaped here.
import * as core from '@actions/core';
import type { Finding } from './finding.js';

// @actions/core does not export its table row type by name.
export type SummaryTableRow = Parameters<typeof core.summary.addTable>[0][number];

/** Keeps the summary far below GitHub's 1 MiB per step however many findings a tool reports. */
export const MAX_LISTED_FINDINGS = 200;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const header = (...cells: string[]): SummaryTableRow => cells.map((data) => ({ data, header: true }));

/** One row per rule, most frequent first, ties by rule id so the table is stable. */
export function ruleCountRows(findings: readonly Finding[]): SummaryTableRow[] {
  const counts = new Map<string, { level: string; count: number }>();
  for (const f of findings) {
    const entry = counts.get(f.ruleId) ?? { level: f.level, count: 0 };
    entry.count += 1;
    counts.set(f.ruleId, entry);
  }
  const rows = [...counts.entries()]
    .sort(([a, x], [b, y]) => y.count - x.count || a.localeCompare(b))
    .map(([rule, { level, count }]) => [escapeHtml(rule), level, String(count)]);
  return [header('Rule', 'Level', 'Count'), ...rows];
}

export function findingRows(findings: readonly Finding[], limit = MAX_LISTED_FINDINGS): SummaryTableRow[] {
  const rows = findings
    .slice(0, limit)
    .map((f) => [escapeHtml(f.file), String(f.line), escapeHtml(f.ruleId), f.level, escapeHtml(f.message)]);
  return [header('File', 'Line', 'Rule', 'Level', 'Message'), ...rows];
}

export interface Report {
  title: string;
  /** One sentence: what was checked and what came of it. */
  verdict: string;
  findings: readonly Finding[];
  /** Findings that got no annotation because of GitHub's per-step limit. */
  omittedAnnotations: number;
}

/** Adds the report to core.summary's buffer without writing it: pure apart from that buffer. */
export function addReport(report: Report): typeof core.summary {
  const s = core.summary.addHeading(escapeHtml(report.title), 2).addRaw(escapeHtml(report.verdict), true);
  if (report.findings.length === 0) return s;
  s.addHeading('Findings per rule', 3).addTable(ruleCountRows(report.findings));
  s.addHeading('Findings', 3).addTable(findingRows(report.findings));
  const notes: string[] = [];
  if (report.findings.length > MAX_LISTED_FINDINGS) {
    notes.push(
      `${report.findings.length - MAX_LISTED_FINDINGS} more findings are not listed here; run the tool locally to see them all.`,
    );
  }
  if (report.omittedAnnotations > 0) {
    notes.push(
      `${report.omittedAnnotations} findings have no annotation because GitHub shows at most 10 of each level per step.`,
    );
  }
  for (const note of notes) s.addRaw(`<p>${escapeHtml(note)}</p>`, true);
  return s;
}

/** Writes the report to $GITHUB_STEP_SUMMARY; outside a runner (no such variable) it only logs it. */
export async function writeReport(report: Report): Promise<void> {
  const s = addReport(report);
  if (process.env.GITHUB_STEP_SUMMARY) await s.write();
  else {
    core.info(s.stringify());
    s.emptyBuffer();
  }
}
