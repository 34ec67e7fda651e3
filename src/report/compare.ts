// Candidate runs against the baseline: per-metric deltas and verdicts, the ranking of a sweep, and the
// check run's conclusion. Pure; the values come from MLflow (already fetched), the rules from the config.
import type { Conclusion, TrainbotConfig } from '../config/config-types.js';
import type { RunProvenance } from './render-footer.js';

export type Verdict = 'better' | 'worse' | 'unchanged' | 'no-baseline' | 'missing';
export type RunState = 'queued' | 'running' | 'finished' | 'failed' | 'timeout' | 'cancelled';

export interface MetricComparison {
  metric: string;
  candidate?: number;
  baseline?: number;
  delta?: number; // candidate − baseline
  verdict: Verdict;
}

/** What a report knows about one run; `reason` explains a state other than finished. */
export interface RunResult {
  name: string;
  runId?: string;
  params: Readonly<Record<string, number | string>>;
  state: RunState;
  reason?: string;
  metrics: Readonly<Record<string, number>>;
  /** What ran and on what data, for the reproducibility footer (render-footer.ts); known once the run ended. */
  provenance?: RunProvenance;
}

export interface Baseline {
  runId: string;
  sha: string;
  startTime: number; // ms since epoch
  metrics: Readonly<Record<string, number>>;
}

export function compareMetric(
  metric: string,
  candidate: number | undefined,
  baseline: number | undefined,
  config: TrainbotConfig,
): MetricComparison {
  const rule = config.metrics[metric];
  if (candidate === undefined || !Number.isFinite(candidate) || !rule) return { metric, baseline, verdict: 'missing' };
  if (baseline === undefined || !Number.isFinite(baseline)) return { metric, candidate, verdict: 'no-baseline' };
  const delta = candidate - baseline;
  // Tolerate float noise so a threshold of 0.001 treats a change of exactly 0.001 as unchanged.
  const verdict: Verdict =
    Math.abs(delta) <= rule.threshold + 1e-12
      ? 'unchanged'
      : delta < 0 === (rule.goal === 'minimize')
        ? 'better'
        : 'worse';
  return { metric, candidate, baseline, delta, verdict };
}

/** One row per configured metric, in config order. */
export function compareRun(run: RunResult, baseline: Baseline | undefined, config: TrainbotConfig): MetricComparison[] {
  return Object.keys(config.metrics).map((m) => compareMetric(m, run.metrics[m], baseline?.metrics[m], config));
}

/**
 * Finished runs first, best primary metric first; ties broken by the run name so the order never depends on
 * completion order. Unfinished and failed runs keep their planned order at the end.
 */
export function rankRuns(runs: readonly RunResult[], config: TrainbotConfig): RunResult[] {
  const primary = config.primaryMetric;
  const sign = config.metrics[primary]?.goal === 'maximize' ? -1 : 1;
  const scored = runs.filter((r) => r.state === 'finished' && Number.isFinite(r.metrics[primary]));
  const rest = runs.filter((r) => !scored.includes(r));
  scored.sort(
    (a, b) => sign * ((a.metrics[primary] as number) - (b.metrics[primary] as number)) || a.name.localeCompare(b.name),
  );
  return [...scored, ...rest];
}

/** The check run's conclusion from the primary metric of the best run (or `failure` when no run finished). */
export function conclusionFor(
  best: RunResult | undefined,
  baseline: Baseline | undefined,
  config: TrainbotConfig,
): Conclusion {
  if (!best || best.state !== 'finished') return 'failure';
  const { verdict } = compareMetric(
    config.primaryMetric,
    best.metrics[config.primaryMetric],
    baseline?.metrics[config.primaryMetric],
    config,
  );
  switch (verdict) {
    case 'better':
      return config.conclusions.better;
    case 'worse':
      return config.conclusions.worse;
    case 'unchanged':
      return config.conclusions.unchanged;
    case 'no-baseline':
      return config.conclusions.noBaseline;
    default:
      return 'failure';
  }
}

/**
 * The conclusion of a whole request: `cancelled` when every run that did not finish was cancelled (a
 * `/train cancel`, or the PR closed), otherwise the best run's verdict (conclusionFor).
 */
export function requestConclusion(
  runs: readonly RunResult[],
  best: RunResult | undefined,
  baseline: Baseline | undefined,
  config: TrainbotConfig,
): Conclusion | 'cancelled' {
  const unfinished = runs.filter((r) => r.state !== 'finished');
  if (unfinished.length > 0 && unfinished.every((r) => r.state === 'cancelled')) return 'cancelled';
  return conclusionFor(best, baseline, config);
}
