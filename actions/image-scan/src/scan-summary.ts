// The scan's job summary: the verdict, then one table per severity (most severe first) with the package,
// installed and fixed version for vulnerabilities and the file and line for misconfigurations.
import * as core from '@actions/core';
import { escapeHtml, MAX_LISTED_FINDINGS, type SummaryTableRow } from '../../kit/src/summary.js';
import { rank, SEVERITIES, type Severity } from './severity.js';
import type { ScanFinding } from './trivy-report.js';

const header = (...cells: string[]): SummaryTableRow => cells.map((data) => ({ data, header: true }));
const cell = (text: string | undefined): string => (text ? escapeHtml(text) : '–');

export function severityRows(findings: readonly ScanFinding[]): SummaryTableRow[] {
  const rows = findings.map((f) =>
    f.kind === 'vulnerability'
      ? [cell(f.ruleId), cell(f.pkg), cell(f.installed), cell(f.fixed), cell(f.target), cell(f.title)]
      : [cell(f.ruleId), '–', '–', '–', cell(`${f.file}:${f.line}`), cell(f.title)],
  );
  return [header('ID', 'Package', 'Installed', 'Fixed', 'Where', 'Title'), ...rows];
}

/** Counts per severity, most severe first, e.g. '2 CRITICAL, 1 HIGH'. */
export function severityCounts(findings: readonly ScanFinding[]): string {
  return [...SEVERITIES]
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

export interface ScanReport {
  title: string;
  verdict: string;
  findings: readonly ScanFinding[];
  omittedAnnotations: number;
}

/** Adds the report to core.summary's buffer; the entry writes it. */
export function addScanReport(report: ScanReport): typeof core.summary {
  const s = core.summary.addHeading(escapeHtml(report.title), 2).addRaw(escapeHtml(report.verdict), true);
  const listed = report.findings.slice(0, MAX_LISTED_FINDINGS);
  for (const severity of [...SEVERITIES].sort((a: Severity, b: Severity) => rank(b) - rank(a))) {
    const group = listed.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    s.addHeading(`${severity} (${report.findings.filter((f) => f.severity === severity).length})`, 3).addTable(
      severityRows(group),
    );
  }
  if (report.findings.length > listed.length) {
    s.addRaw(
      `<p>${report.findings.length - listed.length} more findings are not listed here; the SARIF file has them all.</p>`,
      true,
    );
  }
  if (report.omittedAnnotations > 0) {
    s.addRaw(
      `<p>${report.omittedAnnotations} findings have no annotation because GitHub shows at most 10 of each level per step.</p>`,
      true,
    );
  }
  return s;
}
