// The comparison as markdown: one table for one run (metric by metric against the baseline), a ranked table
// for a sweep with a chart of the primary metric under it (render-chart.ts). Pure. Text that came from
// outside (MLflow values, runner reasons, params) is escaped; the result always fits a GitHub comment,
// cutting whole rows and saying how many were left out.
import type { TrainbotConfig } from '../config/config-types.js';
import type { RejectedMetrics } from '../runs/metrics-signature.js';
import type { RefusedPointer } from '../runs/baseline-pointer.js';
import { type PlannedRun, paramsKey } from '../runs/plan.js';
import { type ColumnAlign, alignedTable, compactTable } from './aligned-table.js';
import type { RejectedBaseline } from './changed-run.js';
import { codeSpan, escapeMarkdown } from './markdown-escape.js';
import { type Baseline, type MetricComparison, type RunResult, compareRun, rankRuns } from './compare.js';
import { renderChart, sweptParams } from './render-chart.js';
import { renderFooter } from './render-footer.js';
import { groupRepeats } from './group-repeats.js';

/** GitHub's comment limit is 65,536; the rest is room for the status line and the hidden marker. */
export const REPORT_MAX_CHARS = 60_000;

export interface ReportInput {
  title: string;
  /** The title's heading level; 0 leaves the title out (a report inside another, like the merge report's). */
  headingLevel?: 0 | 3 | 4;
  runs: readonly RunResult[];
  baseline?: Baseline;
  config: TrainbotConfig;
  now: number; // ms since epoch, for the baseline's age
  runUrl?: (runId: string) => string | undefined;
  noBaselineHint: string; // how to make a baseline where this report is shown
  /** The commit the runs trained, named next to the baseline's. */
  sha?: string;
  /** The newest baseline, found but not used: its metrics changed after trainbot recorded them. */
  rejectedBaseline?: RejectedBaseline;
  /** The baseline branch's pointer was there and not used (not the bot's): the baseline was searched for instead. */
  refusedPointer?: RefusedPointer;
}

const VERDICT_TEXT: Record<MetricComparison['verdict'], string> = {
  better: '✅ better',
  worse: '❌ worse',
  unchanged: '➖ unchanged',
  noise: '〰️ within noise',
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
  const units: [number, string][] = [
    [60 * 24, 'day'],
    [60, 'hour'],
    [1, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (minutes >= size) {
      const n = Math.floor(minutes / size);
      return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/** The params a command set, `alpha=0.1 l1_ratio=0.2`, or `default params`. */
export function describeRequest(run: PlannedRun): string {
  return run.swept.map((k) => `${k}=${String(run.params[k])}`).join(' ') || 'default params';
}

/** A request's report title: what one run changed, or how many runs a sweep has. */
export function requestTitle(plans: readonly PlannedRun[]): string {
  const count = plans[0]?.repeat?.count;
  if (count !== undefined) {
    const points = plans.filter((p) => p.repeat?.index === 0);
    return points.length === 1
      ? `trainbot: ${describeRequest(points[0] as PlannedRun)} vs baseline, ${count} seeds`
      : `trainbot sweep: ${points.length} points × ${count} seeds vs baseline`;
  }
  return plans.length === 1
    ? `trainbot: ${describeRequest(plans[0] as PlannedRun)} vs baseline`
    : `trainbot sweep: ${plans.length} runs vs baseline`;
}

function runLink(run: RunResult, input: ReportInput): string {
  const name = codeSpan(run.name);
  const url = run.runId ? input.runUrl?.(run.runId) : undefined;
  return url ? `[${name}](${url})` : name;
}

/**
 * "was changed after trainbot recorded it (rmse 0.7436 → 9.9900)": what happened to a run whose metrics are not
 * the signed ones, for a sentence that names the run. A value that was not (or is no longer) logged is "—".
 */
export function whatChanged(check: RejectedMetrics, config: Pick<TrainbotConfig, 'metrics'>): string {
  if (check.status === 'unrecorded')
    return 'has no record of its metrics from trainbot (an older trainbot trained it, or the record was removed after it finished)';
  if (check.status === 'unverifiable')
    return 'was changed after trainbot recorded it (its signed record of the metrics no longer verifies)';
  const changes = check.changes.map(({ metric, recorded, current }) => {
    const digits = config.metrics[metric]?.digits ?? 4;
    return `${metric} ${formatNumber(recorded, digits)} → ${formatNumber(current, digits)}`;
  });
  return `was changed after trainbot recorded it (${changes.join(', ')})`;
}

function linked(text: string, url: string | undefined): string {
  return url ? `[${text}](${url})` : text;
}

const REFUSED_POINTER: Record<RefusedPointer, string> = {
  forged: "does not carry trainbot's signature (it was set outside trainbot)",
  unsigned: 'carries no signature, and a signing key is configured',
  malformed: 'is not a value trainbot writes',
};

/** The baseline line, with a warning when the branch's baseline pointer had to be ignored. */
function baselineLine(input: ReportInput): string {
  const line = baselineFound(input);
  if (!input.refusedPointer) return line;
  const branch = codeSpan(input.config.baselineBranch);
  return (
    `${line}\n\n⚠️ The baseline pointer of ${branch} in MLflow ${REFUSED_POINTER[input.refusedPointer]}, so ` +
    `trainbot did not use it and searched for the baseline instead. The next merge into ${branch} writes it again.`
  );
}

function baselineFound(input: ReportInput): string {
  const { baseline, config, rejectedBaseline: rejected } = input;
  const branch = codeSpan(config.baselineBranch);
  const trained = input.sha === undefined ? '' : `Commit ${codeSpan(input.sha.slice(0, 7))}`;
  if (baseline) {
    const sha = linked(codeSpan(baseline.sha.slice(0, 7)), input.runUrl?.(baseline.runId));
    const age = formatAge(baseline.startTime, input.now);
    if (baseline.repeats !== undefined) {
      const seeds = `${baseline.repeats.length} run${baseline.repeats.length === 1 ? '' : 's'}, \`${config.seedParam}\` ${baseline.repeats.map((r) => r.seed).join(', ')}`;
      return trained
        ? `${trained} compared with the baseline ${sha} on ${branch} (${seeds}), trained ${age}.`
        : `Baseline: ${sha} on ${branch} (${seeds}), trained ${age}.`;
    }
    return trained
      ? `${trained} compared with the baseline ${sha} on ${branch}, trained ${age}.`
      : `Baseline: ${sha} on ${branch}, trained ${age}.`;
  }
  const lead = trained ? `${trained}. ` : '';
  if (rejected) {
    const run = linked(codeSpan(rejected.runId.slice(0, 8)), input.runUrl?.(rejected.runId));
    return `${lead}⚠️ The baseline run ${run} (${codeSpan(rejected.sha.slice(0, 7))} on ${branch}) ${whatChanged(rejected.check, config)}, so it was not used. ${input.noBaselineHint}`;
  }
  return `${lead}**No baseline yet** for ${branch} with the default params. ${input.noBaselineHint}`;
}

/** `0.7372 ± 0.0113`: a mean and its sd, for a point trained with repeats (and a baseline of several runs). */
export function formatSpread(value: number | undefined, sd: number | undefined, digits: number): string {
  const shown = formatNumber(value, digits);
  return sd === undefined || shown === '—' ? shown : `${shown} ± ${sd.toFixed(digits)}`;
}

/** A mean paired difference and the half-width of its interval, `−0.0070 ± 0.0029`. */
function formatPairedDelta(c: MetricComparison, digits: number): string {
  const half = c.spread?.interval?.half;
  const delta = formatDelta(c.delta, digits);
  if (half === undefined || delta === '') return delta;
  // A change that rounds to zero reads `0.0000 ± 0.0021`, not `±0.0000 ± 0.0021`.
  return `${delta.replace(/^±/, '')} ± ${half.toFixed(digits)}`;
}

/** What a table of repeats shows, in one sentence under it. */
function repeatsNote(run: RunResult, input: ReportInput): string {
  const seeds = (run.repeats ?? []).map((r) => r.seed);
  const pairs = compareRun(run, input.baseline, input.config)[0]?.spread?.interval?.pairs ?? 0;
  const percent = `${Math.round(input.config.confidence * 1000) / 10}%`;
  const paired = !input.baseline
    ? ''
    : pairs >= 2
      ? `Δ is the mean of the per-seed differences ± its ${percent} interval (${pairs} seeds paired with the baseline's); it is better or worse only when that interval excludes 0 and the change is larger than the threshold.`
      : 'Fewer than 2 seeds pair with the baseline, so the means are compared by the threshold alone.';
  return `Mean ± sd over ${seeds.length} seeds (\`${input.config.seedParam}\` ${seeds.join(', ')}).${paired ? ` ${paired}` : ''}`;
}

function repeatsTable(run: RunResult, input: ReportInput): string {
  const { config } = input;
  const rows = compareRun(run, input.baseline, config).map((c) => {
    const digits = config.metrics[c.metric]?.digits ?? 4;
    const name = c.metric === config.primaryMetric ? `**${c.metric}** (primary)` : c.metric;
    return [
      name,
      formatSpread(c.baseline, c.spread?.baselineSd, digits),
      formatSpread(c.candidate, c.spread?.candidateSd, digits),
      formatPairedDelta(c, digits),
      VERDICT_TEXT[c.verdict],
    ];
  });
  return alignedTable([['Metric', 'Baseline', 'This run', 'Δ', 'Verdict'], ...rows], ['l', 'r', 'r', 'r', 'l']);
}

/** The runs of a point, each linked and named by its seed. */
function repeatLinks(run: RunResult, input: ReportInput): string {
  return (run.repeats ?? [])
    .map((r) => {
      const url = r.runId ? input.runUrl?.(r.runId) : undefined;
      const text = codeSpan(`${input.config.seedParam}=${r.seed}`);
      return url ? `[${text}](${url})` : text;
    })
    .join(' ');
}

function singleRunTable(run: RunResult, input: ReportInput): string {
  const { config } = input;
  if (run.repeats !== undefined) return repeatsTable(run, input);
  const rows = compareRun(run, input.baseline, config).map((c) => {
    const digits = config.metrics[c.metric]?.digits ?? 4;
    const name = c.metric === config.primaryMetric ? `**${c.metric}** (primary)` : c.metric;
    return [
      name,
      formatNumber(c.baseline, digits),
      formatNumber(c.candidate, digits),
      formatDelta(c.delta, digits),
      VERDICT_TEXT[c.verdict],
    ];
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
    const state =
      run.state === 'finished'
        ? VERDICT_TEXT[first?.verdict ?? 'missing']
        : `${STATE_TEXT[run.state]}${run.reason ? `: ${escapeMarkdown(run.reason)}` : ''}`;
    if (run.repeats !== undefined) {
      const all = run.state === 'finished' ? compareRun(run, input.baseline, config) : [];
      const sd = (m: string) => all.find((c) => c.metric === m)?.spread?.candidateSd;
      return [
        `${best}${run.state === 'finished' ? i + 1 : '—'}`,
        ...params.map((p) => escapeMarkdown(String(run.params[p] ?? ''))),
        formatSpread(run.metrics[primary], sd(primary), digits),
        first ? formatPairedDelta(first, digits) : '',
        ...others.map((m) => formatSpread(run.metrics[m], sd(m), config.metrics[m]?.digits ?? 4)),
        state,
        repeatLinks(run, input),
      ];
    }
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
  const note = (cut: number) =>
    cut > 0
      ? `\n\n… and ${cut} more run${cut === 1 ? '' : 's'}, not shown to stay within GitHub's comment size; all are in MLflow.`
      : '';
  let kept = rows.length;
  let text = compactTable([...header, ...rows], align);
  while (text.length > budget && kept > 0) {
    kept = Math.max(0, Math.floor(kept * (budget / text.length))); // < 1 here, so each pass drops a row at least
    text = compactTable([...header, ...rows.slice(0, kept)], align) + note(rows.length - kept);
  }
  return text;
}

/** `text` and the reproducibility footer under it (render-footer.ts, at most FOOTER_MAX_CHARS). */
function withFooter(text: string, input: ReportInput): string {
  const footer = renderFooter({
    runs: input.runs,
    sha: input.sha,
    paramOrder: Object.keys(input.config.params),
    seedParam: input.config.seedParam,
  });
  return footer ? `${text}\n\n${footer}` : text;
}

export function renderReport(input: ReportInput): string {
  const { config } = input;
  // A request with repeats is compared point by point; without repeats this is the runs as they are.
  const runs = groupRepeats(input.runs, config);
  const level = input.headingLevel ?? 3;
  const parts = level === 0 ? [] : [`${'#'.repeat(level)} ${escapeMarkdown(input.title)}`, ''];
  if (runs.length === 1) {
    const run = runs[0] as RunResult;
    if (run.state === 'finished') parts.push(singleRunTable(run, input), '');
    else parts.push(`${STATE_TEXT[run.state]}${run.reason ? `: ${escapeMarkdown(run.reason)}` : ''}`, '');
    if (run.repeats !== undefined) {
      if (run.state === 'finished') parts.push(repeatsNote(run, input), '');
      parts.push(`Runs ${repeatLinks(run, input)} with ${codeSpan(paramsKey(run.params))}.`, baselineLine(input));
    } else parts.push(`Run ${runLink(run, input)} with ${codeSpan(paramsKey(run.params))}.`, baselineLine(input));
    return withFooter(parts.join('\n'), input);
  }
  const ranked = rankRuns(runs, config);
  const swept = sweptParams(runs, config);
  const primary = config.primaryMetric;
  const others = Object.keys(config.metrics).filter((m) => m !== primary);
  const header = [['#', ...swept, `**${primary}**`, `Δ ${primary}`, ...others, 'Verdict', 'Run']];
  const paramAlign = (p: string): ColumnAlign => (config.params[p]?.type === 'string' ? 'l' : 'r');
  const align: ColumnAlign[] = [
    'r',
    ...swept.map(paramAlign),
    'r',
    'r',
    ...others.map((): ColumnAlign => 'r'),
    'l',
    'l',
  ];
  const finished = runs.filter((r) => r.state === 'finished').length;
  const repeated = runs.find((r) => r.repeats !== undefined)?.repeats;
  parts.push(
    repeated === undefined
      ? `${finished} of ${runs.length} runs finished, ranked by ${primary} (${config.metrics[primary]?.goal ?? 'minimize'}).`
      : `${finished} of ${runs.length} points finished, ${repeated.length} seeds each (\`${config.seedParam}\` ${repeated.map((r) => r.seed).join(', ')}), ranked by the mean ${primary} (${config.metrics[primary]?.goal ?? 'minimize'}). Values are mean ± sd; Δ is the mean per-seed difference from the baseline ± its ${Math.round(config.confidence * 1000) / 10}% interval.`,
    '',
  );
  // The chart goes under the table and is budgeted first: it is small (one point per run) and bounded.
  const chart = renderChart(runs, config);
  const footer = withFooter(
    chart.kind === 'none' ? baselineLine(input) : `${chart.markdown}\n\n${baselineLine(input)}`,
    input,
  );
  const budget = REPORT_MAX_CHARS - parts.join('\n').length - footer.length - 10;
  parts.push(fitTable(header, sweepRows(ranked, input, swept), align, budget), '', footer);
  return parts.join('\n');
}
