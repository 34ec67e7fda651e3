// A sweep's primary metric as a Mermaid `xychart-beta` block, which GitHub renders in comments and job
// summaries without hosting an image. Pure. One swept param: one line across its values. Two: the param
// with more values on the x-axis, one line per value of the other. More than two cannot be drawn honestly
// on one chart, so the report gets a sentence instead.
import { escapeMarkdown } from './markdown-escape.js';
import type { TrainbotConfig } from '../config/config-types.js';
import { formatValue, type ParamValue } from '../runs/plan.js';
import type { RunResult } from './compare.js';

/**
 * xychart has no legend, so lines get fixed colours that a caption can name with the matching emoji.
 * More lines than colours would make the chart unreadable anyway.
 */
export const LINE_COLOURS = [
  ['#1f77b4', '🔵'],
  ['#ff7f0e', '🟠'],
  ['#2ca02c', '🟢'],
  ['#d62728', '🔴'],
  ['#9467bd', '🟣'],
  ['#8c564b', '🟤'],
  ['#bcbd22', '🟡'],
  ['#000000', '⚫'],
] as const;

export type ChartResult = { kind: 'chart'; markdown: string } | { kind: 'note'; markdown: string } | { kind: 'none' };

/** Params that take more than one value across the runs, in config order: the axes of the grid. */
export function sweptParams(runs: readonly RunResult[], config: TrainbotConfig): string[] {
  return Object.keys(config.params).filter((p) => new Set(runs.map((r) => String(r.params[p]))).size > 1);
}

/** Distinct values of a param in ascending order (numbers numerically), so the x-axis reads left to right. */
function axisValues(runs: readonly RunResult[], param: string): ParamValue[] {
  const seen = new Map<string, ParamValue>();
  for (const r of runs) {
    const v = r.params[param];
    if (v !== undefined) seen.set(formatValue(v), v);
  }
  return [...seen.values()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
  );
}

/** A Mermaid string: the values are validated by the planner already, but a quote or newline must never end it. */
export function mermaidText(text: string): string {
  return `"${text.replace(/["\r\n\\`]/g, "'").slice(0, 60)}"`;
}

function pointKey(x: ParamValue, line: ParamValue | undefined): string {
  return `${formatValue(x)}\u0000${line === undefined ? '' : formatValue(line)}`;
}

export function renderChart(runs: readonly RunResult[], config: TrainbotConfig): ChartResult {
  const swept = sweptParams(runs, config);
  if (swept.length === 0) return { kind: 'none' };
  if (swept.length > 2) {
    return {
      kind: 'note',
      markdown: `_No chart: this grid varies ${swept.length} parameters (${swept.map((p) => `\`${p}\``).join(', ')}); a chart shows at most two. The table has every run._`,
    };
  }
  const [xParam, lineParam] =
    swept.length === 2
      ? [...swept].sort((a, b) => axisValues(runs, b).length - axisValues(runs, a).length) // stable: ties keep config order
      : [swept[0] as string, undefined];
  const xs = axisValues(runs, xParam as string);
  const lines: (ParamValue | undefined)[] = lineParam ? axisValues(runs, lineParam) : [undefined];
  if (lines.length > LINE_COLOURS.length) {
    return {
      kind: 'note',
      markdown: `_No chart: \`${lineParam}\` has ${lines.length} values, more lines than a chart without a legend can keep apart (${LINE_COLOURS.length}). The table has every run._`,
    };
  }

  const primary = config.primaryMetric;
  const digits = config.metrics[primary]?.digits ?? 4;
  const values = new Map<string, number>();
  for (const r of runs) {
    const v = r.metrics[primary];
    if (r.state === 'finished' && v !== undefined && Number.isFinite(v)) {
      values.set(pointKey(r.params[xParam as string] as ParamValue, lineParam ? r.params[lineParam] : undefined), v);
    }
  }
  // xychart cannot leave a gap in a line, so an x value is charted only once every line has its point there.
  const complete = xs.filter((x) => lines.every((l) => values.has(pointKey(x, l))));
  const left = xs.filter((x) => !complete.includes(x));
  if (complete.length === 0) return { kind: 'note', markdown: '_The chart appears once runs have finished._' };

  const repeated = runs.some((r) => r.repeats !== undefined);
  if (repeated && !lineParam) return spreadChart(runs, config, xParam as string, complete, left, values);
  const series = lines.map(
    (l) => `    line [${complete.map((x) => (values.get(pointKey(x, l)) as number).toFixed(digits)).join(', ')}]`,
  );
  const palette = LINE_COLOURS.slice(0, lines.length)
    .map(([hex]) => hex)
    .join(', ');
  const body = [
    '```mermaid',
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    'xychart-beta',
    `    title ${mermaidText(`${primary} by ${xParam}`)}`,
    `    x-axis ${mermaidText(xParam as string)} [${complete.map((x) => mermaidText(formatValue(x))).join(', ')}]`,
    `    y-axis ${mermaidText(primary)}`,
    ...series,
    '```',
  ];
  const notes: string[] = [];
  if (lineParam)
    notes.push(
      `Lines: ${lines.map((l, i) => `${LINE_COLOURS[i]?.[1]} \`${lineParam}\`=${escapeMarkdown(formatValue(l as ParamValue))}`).join(' · ')}.`,
    );
  if (repeated) notes.push(`Each point is the mean over its seeds; the table has their sd.`);
  if (left.length > 0)
    notes.push(
      `Not charted (a run there has no ${primary} yet): \`${xParam}\`=${left.map((x) => escapeMarkdown(formatValue(x))).join(', ')}.`,
    );
  return { kind: 'chart', markdown: notes.length > 0 ? `${body.join('\n')}\n\n${notes.join(' ')}` : body.join('\n') };
}

/**
 * One swept param with repeats: the mean of each point as a bar and the lowest and highest seed as two lines over
 * it, so the spread is seen next to the differences between points (xychart has no error bars).
 */
function spreadChart(
  runs: readonly RunResult[],
  config: TrainbotConfig,
  xParam: string,
  complete: readonly ParamValue[],
  left: readonly ParamValue[],
  means: ReadonlyMap<string, number>,
): ChartResult {
  const primary = config.primaryMetric;
  const digits = config.metrics[primary]?.digits ?? 4;
  const seedsAt = new Map<string, number[]>();
  for (const r of runs)
    if (r.state === 'finished' && r.repeats)
      seedsAt.set(
        pointKey(r.params[xParam] as ParamValue, undefined),
        r.repeats.map((p) => p.metrics[primary] as number),
      );
  const at = (x: ParamValue) => seedsAt.get(pointKey(x, undefined)) ?? [means.get(pointKey(x, undefined)) as number];
  const row = (pick: (x: ParamValue) => number) => `[${complete.map((x) => pick(x).toFixed(digits)).join(', ')}]`;
  const [bar, minMax] = [LINE_COLOURS[0][0], LINE_COLOURS[7][0]];
  const body = [
    '```mermaid',
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${bar}, ${minMax}, ${minMax}"}}}}%%`,
    'xychart-beta',
    `    title ${mermaidText(`${primary} by ${xParam}`)}`,
    `    x-axis ${mermaidText(xParam)} [${complete.map((x) => mermaidText(formatValue(x))).join(', ')}]`,
    `    y-axis ${mermaidText(primary)}`,
    `    bar ${row((x) => means.get(pointKey(x, undefined)) as number)}`,
    `    line ${row((x) => Math.min(...at(x)))}`,
    `    line ${row((x) => Math.max(...at(x)))}`,
    '```',
  ];
  const notes = [`Bars: the mean ${primary} over the seeds; ⚫ lines: the lowest and the highest seed.`];
  if (left.length > 0)
    notes.push(
      `Not charted (a run there has no ${primary} yet): \`${xParam}\`=${left.map((x) => escapeMarkdown(formatValue(x))).join(', ')}.`,
    );
  return { kind: 'chart', markdown: `${body.join('\n')}\n\n${notes.join(' ')}` };
}
