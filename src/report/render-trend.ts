// The merge report's trend: the primary metric of the newest baselines of the baseline branch as a Mermaid
// `xychart-beta` line, oldest on the left, so a reader sees whether merges have been moving it the right way.
// Pure; the baselines come from one MLflow request (findTrendBaselines in src/tracking/run-queries.ts).
import type { TrainbotConfig } from '../config/config-types.js';
import { codeSpan } from './markdown-escape.js';
import { LINE_COLOURS, mermaidText } from './render-chart.js';

/** One baseline as the trend charts it. */
export interface TrendPoint {
  sha: string; // the commit it trained
  metrics: Readonly<Record<string, number>>;
}

/**
 * The chart under a heading, or undefined when fewer than two baselines have the primary metric: one point is
 * not a trend, and the report says nothing rather than draw it.
 */
export function renderTrend(newestFirst: readonly TrendPoint[], config: TrainbotConfig): string | undefined {
  const primary = config.primaryMetric;
  const digits = config.metrics[primary]?.digits ?? 4;
  const points = newestFirst
    .filter((p) => Number.isFinite(p.metrics[primary]))
    .slice(0, config.trendBaselines)
    .reverse();
  if (points.length < 2) return undefined;
  const branch = config.baselineBranch;
  const better = config.metrics[primary]?.goal === 'maximize' ? 'higher' : 'lower';
  return [
    `#### Trend of ${codeSpan(branch)}`,
    '',
    '```mermaid',
    // Without a palette Mermaid's default theme draws the one line in a pale tint that is hard to see.
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${LINE_COLOURS[0][0]}"}}}}%%`,
    'xychart-beta',
    `    title ${mermaidText(`${primary} of the last ${points.length} baselines of ${branch}`)}`,
    `    x-axis ${mermaidText('commit')} [${points.map((p) => mermaidText(p.sha.slice(0, 7))).join(', ')}]`,
    `    y-axis ${mermaidText(primary)}`,
    `    line [${points.map((p) => (p.metrics[primary] as number).toFixed(digits)).join(', ')}]`,
    '```',
    '',
    `${codeSpan(primary)} of each baseline trained with the default params, oldest on the left (${better} is better).`,
  ].join('\n');
}
