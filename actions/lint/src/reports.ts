// Pure parsers: each linter's report → findings with workspace-relative paths. A report that is not in
// the expected shape is a ToolReportError, never a silent "no findings".
import { parseToolJson, ToolReportError } from '../../kit/src/errors.js';
import type { Finding, Level } from '../../kit/src/finding.js';
import { toWorkspaceRelative } from '../../kit/src/workspace-path.js';

interface RuffDiagnostic {
  code: string | null;
  name?: string;
  message: string;
  filename: string;
  location: { row: number; column: number } | null;
  end_location: { row: number; column: number } | null;
  severity?: string;
}

const RUFF_LEVEL: Record<string, Level> = { error: 'error', warning: 'warning' };

/** `ruff check --output-format json` and `ruff format --check --output-format json` share one schema. */
export function parseRuffReport(tool: string, stdout: string, workspace: string, stderr = ''): Finding[] {
  const report = parseToolJson(tool, stdout, stderr);
  if (!Array.isArray(report))
    throw new ToolReportError(
      `${tool} printed JSON that is not a list of diagnostics; check that the binary is ruff 0.9 or newer.`,
    );
  return (report as RuffDiagnostic[]).map((d) => {
    if (typeof d?.filename !== 'string' || typeof d.message !== 'string') {
      throw new ToolReportError(
        `${tool} printed a diagnostic without a file name or message; check that the binary is ruff 0.9 or newer.`,
      );
    }
    const code = d.code ?? d.name ?? 'unknown';
    return {
      ruleId: `ruff/${code}`,
      message: d.name && d.name !== code ? `${d.message} (${d.name})` : d.message,
      file: toWorkspaceRelative(workspace, d.filename),
      line: d.location?.row ?? 1,
      ...(d.end_location ? { endLine: d.end_location.row } : {}),
      ...(d.location ? { column: d.location.column } : {}),
      level: RUFF_LEVEL[d.severity ?? 'error'] ?? 'notice',
    };
  });
}

interface PylintMessage {
  type: string;
  symbol: string;
  message: string;
  messageId: string;
  line: number | null;
  column: number | null;
  endLine: number | null;
  path: string;
}

const PYLINT_LEVEL: Record<string, Level> = { fatal: 'error', error: 'error', warning: 'warning' };

/** `pylint --output-format=json2`: `{messages: [...], statistics: {...}}`; pylint columns start at 0. */
export function parsePylintReport(stdout: string, workspace: string, stderr = ''): Finding[] {
  const report = parseToolJson('pylint', stdout, stderr) as { messages?: unknown };
  if (!report || !Array.isArray(report.messages)) {
    throw new ToolReportError(
      'pylint printed JSON without a messages list; check that the binary is pylint 3 or newer (json2 output).',
    );
  }
  return (report.messages as PylintMessage[]).map((m) => ({
    ruleId: `pylint/${m.messageId}`,
    message: `${m.message} (${m.symbol})`,
    file: toWorkspaceRelative(workspace, m.path),
    line: m.line ?? 1,
    ...(m.endLine ? { endLine: m.endLine } : {}),
    ...(m.column !== null ? { column: m.column + 1 } : {}),
    level: PYLINT_LEVEL[m.type] ?? 'notice',
  }));
}

/**
 * `black --check` has no machine-readable output: it writes one line per file to stderr, e.g.
 * `would reformat /abs/a.py` and `error: cannot format /abs/b.py: Cannot parse…: 1:11: …`
 * (newer releases: `error: cannot parse: /abs/b.py:1:11`). Exit 0 clean, 1 would reformat, 123 failed.
 */
export function parseBlackReport(stderr: string, exitCode: number, workspace: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of stderr.split(/\r?\n/)) {
    const reformat = /^would reformat (.+)$/.exec(line);
    const parse = /^error: cannot parse: (.+):(\d+):(\d+)$/.exec(line);
    const format = /^error: cannot format (.+?): (.*?)(?:: (\d+):(\d+):.*)?$/.exec(line);
    if (reformat) {
      findings.push({
        ruleId: 'black/would-reformat',
        message: 'black would reformat this file; run `black` on it.',
        file: toWorkspaceRelative(workspace, reformat[1] ?? ''),
        line: 1,
        level: 'error',
      });
    } else if (parse || format) {
      const [, file = '', a, b] = parse ?? [];
      const [, ffile = '', reason = '', fline, fcol] = format ?? [];
      findings.push({
        ruleId: 'black/cannot-parse',
        message: parse ? 'black cannot parse this file.' : `black cannot format this file: ${reason}.`,
        file: toWorkspaceRelative(workspace, parse ? file : ffile),
        line: Number(parse ? a : (fline ?? 1)),
        column: Number(parse ? b : (fcol ?? 1)),
        level: 'error',
      });
    }
  }
  if (exitCode !== 0 && findings.length === 0) {
    const said = stderr.trim().split('\n')[0]?.slice(0, 200) || 'nothing';
    throw new ToolReportError(
      `black exited with ${exitCode} but named no file (it said: ${said}); run black --check locally to see why.`,
    );
  }
  return findings;
}
