// The comparison as markdown: one table for one run (metric by metric against the baseline), a ranked table
// for a sweep with a chart of the primary metric under it (render-chart.ts). Pure. Text that came from
// outside (MLflow values, runner reasons, params) is escaped; the result always fits a GitHub comment,
// cutting whole rows and saying how many were left out.
import { escapeMarkdown } from '../commands/quote-input.js';
import type { TrainbotConfig } from '../config/config-types.js';
import { paramsKey } from '../runs/plan.js';
import { type ColumnAlign, alignedTable, compactTable } from './aligned-table.js';
import { type Baseline, type MetricComparison, type RunResult, compareRun, rankRuns } from './compare.js';
import { renderChart, sweptParams } from './render-chart.js';

/** GitHub's comment limit is 65,536; the rest is room for the status line and the hidden marker. */
export const REPORT_MAX_CHARS = 60_000;

export interface ReportInput {
  title: string;
  runs: readonly RunResult[];
  baseline?: Baseline;
  config: TrainbotConfig;
  now: number;                                   // ms since epoch, for the baseline's age
  runUrl?: (runId: string) => string | undefined;
  noBaselineHint: string;                        // how to make a baseline where this report is shown
}

const VERDICT_TEXT: Record<MetricComparison['verdict'], string> = {
  better: '✅ better',
  worse: '❌ worse',
  unchanged: '➖ unchanged',
  'no-baseline': '— no baseline',
  missing: '⚠️ not logged',
};

const STATE_TEXT: Record<RunResult['state'], string> = {
  queued: '⏳ queued',
  running: '🏃 running',
  finished: '✅ finished',
  failed: '❌ failed',
  timeout: '⌛ timed out',
  cancelled: '🚫 cancelled',
};

export function formatNumber(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

export function formatDelta(delta: number | undefined, digits: number): string {
  if (delta === undefined) return '';
  const text = Math.abs(delta).toFixed(digits);
  if (Number(text) === 0) return `±${text}`;
  return `${delta < 0 ? '−' : '+'}${text}`;
}

/** "3 hours ago"-style age: coarse on purpose, it only tells whether the baseline is stale. */
export function formatAge(fromMs: number, nowMs: number): string {
  const minutes = Math.max(0, Math.round((nowMs - fromMs) / 60_000));
  const units: [number, string][] = [[60 * 24, 'day'], [60, 'hour'], [1, 'minute']];
  for (const [size, unit] of units) {
    if (minutes >= size) {
      const n = Math.floor(minutes / size);
      return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/** Inline code: backslash escapes do not work inside it, so backticks and line breaks are replaced instead. */
export function codeSpan(text: string): string {
  return `\`${text.replace(/[`\r\n]/g, "'").slice(0, 200)}\``;
}

function runLink(run: RunResult, input: ReportInput): string {
  const name = codeSpan(run.name);
  const url = run.runId ? input.runUrl?.(run.runId) : undefined;
  return url ? `[${name}](${url})` : name;
}

function baselineLine(input: ReportInput): string {
  const { baseline, config } = input;
  if (!baseline) return `**No baseline yet** for ${codeSpan(config.baselineBranch)} with the default params. ${input.noBaselineHint}`;
  const url = input.runUrl?.(baseline.runId);
  const sha = codeSpan(baseline.sha.slice(0, 7));
  return `Baseline: ${url ? `[${sha}](${url})` : sha} on ${codeSpan(config.baselineBranch)}, trained ${formatAge(baseline.startTime, input.now)}.`;
}

function singleRunTable(run: RunResult, input: ReportInput): string {
  const { config } = input;
  const rows = compareRun(run, input.baseline, config).map((c) => {
    const digits = config.metrics[c.metric]?.digits ?? 4;
    const name = c.metric === config.primaryMetric ? `**${c.metric}** (primary)` : c.metric;
    return [name, formatNumber(c.baseline, digits), formatNumber(c.candidate, digits), formatDelta(c.delta, digits), VERDICT_TEXT[c.verdict]];
  });
  return alignedTable([['Metric', 'Baseline', 'This run', 'Δ', 'Verdict'], ...rows], ['l', 'r', 'r', 'r', 'l']);
}

function sweepRows(ranked: readonly RunResult[], input: ReportInput, params: string[]): string[][] {
  const { config } = input;
  const primary = config.primaryMetric;
  const digits = config.metrics[primary]?.digits ?? 4;
  const others = Object.keys(config.metrics).filter((m) => m !== primary);
  return ranked.map((run, i) => {
    const [first] = compareRun(run, input.baseline, config).filter((c) => c.metric === primary);
    const best = i === 0 && run.state === 'finished' ? '🏆 ' : '';
    const state = run.state === 'finished' ? VERDICT_TEXT[first?.verdict ?? 'missing'] : `${STATE_TEXT[run.state]}${run.reason ? `: ${escapeMarkdown(run.reason)}` : ''}`;
    return [
      `${best}${run.state === 'finished' ? i + 1 : '—'}`,
      ...params.map((p) => escapeMarkdown(String(run.params[p] ?? ''))),
      formatNumber(run.metrics[primary], digits),
      formatDelta(first?.delta, digits),
      ...others.map((m) => formatNumber(run.metrics[m], config.metrics[m]?.digits ?? 4)),
      state,
      runLink(run, input),
    ];
  });
}

/**
 * The table padded to line up when it fits in `budget`. Otherwise unpadded, since the padding only helps the
 * raw text and rows matter more: one long cell (a failure's reason) widens its whole column. Rows are then
 * added while they fit; the last line says how many did not (and is counted in the budget too).
 */
function fitTable(header: string[][], rows: string[][], align: ColumnAlign[], budget: number): string {
  const padded = alignedTable([...header, ...rows], align);
  if (padded.length <= budget) return padded;
  const note = (cut: number) => (cut > 0 ? `\n\n… and ${cut} more run${cut === 1 ? '' : 's'}, not shown to stay within GitHub's comment size; all are in MLflow.` : '');
  let kept = rows.length;
  let text = compactTable([...header, ...rows], align);
  while (text.length > budget && kept > 0) {
    kept = Math.max(0, Math.floor(kept * (budget / text.length)));   // < 1 here, so each pass drops a row at least
    text = compactTable([...header, ...rows.slice(0, kept)], align) + note(rows.length - kept);
  }
  return text;
}

export function renderReport(input: ReportInput): string {
  const { config, runs } = input;
  const parts = [`### ${escapeMarkdown(input.title)}`, ''];
  if (runs.length === 1) {
    const run = runs[0] as RunResult;
    if (run.state === 'finished') parts.push(singleRunTable(run, input), '');
    else parts.push(`${STATE_TEXT[run.state]}${run.reason ? `: ${escapeMarkdown(run.reason)}` : ''}`, '');
    parts.push(`Run ${runLink(run, input)} with ${codeSpan(paramsKey(run.params))}.`, baselineLine(input));
    return parts.join('\n');
  }
  const ranked = rankRuns(runs, config);
  const swept = sweptParams(runs, config);
  const primary = config.primaryMetric;
  const others = Object.keys(config.metrics).filter((m) => m !== primary);
  const header = [['#', ...swept, `**${primary}**`, `Δ ${primary}`, ...others, 'Verdict', 'Run']];
  const paramAlign = (p: string): ColumnAlign => (config.params[p]?.type === 'string' ? 'l' : 'r');
  const align: ColumnAlign[] = ['r', ...swept.map(paramAlign), 'r', 'r', ...others.map((): ColumnAlign => 'r'), 'l', 'l'];
  const finished = runs.filter((r) => r.state === 'finished').length;
  parts.push(`${finished} of ${runs.length} runs finished, ranked by ${primary} (${config.metrics[primary]?.goal ?? 'minimize'}).`, '');
  // The chart goes under the table and is budgeted first: it is small (one point per run) and bounded.
  const chart = renderChart(runs, config);
  const footer = chart.kind === 'none' ? baselineLine(input) : `${chart.markdown}\n\n${baselineLine(input)}`;
  const budget = REPORT_MAX_CHARS - parts.join('\n').length - footer.length - 10;
  parts.push(fitTable(header, sweepRows(ranked, input, swept), align, budget), '', footer);
  return parts.join('\n');
}
