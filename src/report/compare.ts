// Candidate runs against the baseline: per-metric deltas and verdicts, the ranking of a sweep, and the
// check run's conclusion. Pure; the values come from MLflow (already fetched), the rules from the config.
import type { Conclusion, TrainbotConfig } from '../config/config-types.js';
import type { RunProvenance } from './render-footer.js';
import { type PairedInterval, mean, noiseVerdict, pairedInterval, sampleSd } from './paired-verdict.js';

// `noise`: with repeats, a change the paired interval does not tell apart from the split's own noise.
export type Verdict = 'better' | 'worse' | 'unchanged' | 'noise' | 'no-baseline' | 'missing';
export type RunState = 'queued' | 'running' | 'finished' | 'failed' | 'timeout' | 'cancelled';

export interface MetricComparison {
  metric: string;
  candidate?: number;
  baseline?: number;
  delta?: number; // candidate − baseline
  verdict: Verdict;
  /** With repeats: each side's sd and, with two or more seeds on both sides, the paired interval of `delta`. */
  spread?: { candidateSd: number; baselineSd?: number; interval?: PairedInterval };
}

/** One repeat of a point (or of the baseline): its seed and what it logged. */
export interface Repeat {
  seed: number;
  runId?: string;
  name?: string;
  metrics: Readonly<Record<string, number>>;
}

/** What a report knows about one run; `reason` explains a state other than finished. */
export interface RunResult {
  name: string;
  runId?: string;
  params: Readonly<Record<string, number | string>>;
  state: RunState;
  reason?: string;
  metrics: Readonly<Record<string, number>>;
  /** Set by executeRuns on a run that is one repeat of a point: its seed (groupRepeats joins them). */
  repeatSeed?: number;
  /** A point trained more than once (groupRepeats): every repeat; `metrics` holds their means. */
  repeats?: readonly Repeat[];
  /** What ran and on what data, for the reproducibility footer (render-footer.ts); known once the run ended. */
  provenance?: RunProvenance;
}

export interface Baseline {
  runId: string;
  sha: string;
  startTime: number; // ms since epoch
  metrics: Readonly<Record<string, number>>;
  /** Several runs of one sha, one per seed: `metrics` holds their means, the verdict pairs them by seed. */
  repeats?: readonly Repeat[];
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

/**
 * A metric of a point trained with repeats: the means, each side's sd, and with at least two seeds that both sides
 * trained, the verdict of the paired interval (paired-verdict.ts). A difference is only ever taken between runs of
 * the same seed: that is what cancels the split's noise. With fewer pairs (a baseline of one run) the means are
 * compared by the threshold alone, as one run is, and the spread still shows.
 */
export function compareRepeats(
  metric: string,
  repeats: readonly Repeat[],
  baseline: Pick<Baseline, 'metrics' | 'repeats'> | undefined,
  config: TrainbotConfig,
): MetricComparison {
  const values = repeats.map((r) => r.metrics[metric]);
  if (!values.every((v): v is number => v !== undefined && Number.isFinite(v)))
    return compareMetric(metric, undefined, baseline?.metrics[metric], config);
  const baselineValues = (baseline?.repeats ?? []).map((r) => r.metrics[metric] as number).filter(Number.isFinite);
  const spread = {
    candidateSd: sampleSd(values),
    ...(baselineValues.length > 1 ? { baselineSd: sampleSd(baselineValues) } : {}),
  };
  const byMeans = compareMetric(metric, mean(values), baseline?.metrics[metric], config);
  const rule = config.metrics[metric];
  const paired = new Map((baseline?.repeats ?? []).map((r) => [r.seed, r.metrics[metric]]));
  const differences = repeats.flatMap((r) => {
    const b = paired.get(r.seed);
    return b !== undefined && Number.isFinite(b) ? [(r.metrics[metric] as number) - b] : [];
  });
  if (!rule || byMeans.delta === undefined || differences.length < 2) return { ...byMeans, spread };
  const interval = pairedInterval(differences, config.confidence);
  const verdict = noiseVerdict(interval, rule.threshold, rule.goal);
  return { ...byMeans, delta: interval.mean, verdict, spread: { ...spread, interval } };
}

/** One row per configured metric, in config order. */
export function compareRun(run: RunResult, baseline: Baseline | undefined, config: TrainbotConfig): MetricComparison[] {
  if (run.repeats !== undefined && run.state === 'finished')
    return Object.keys(config.metrics).map((m) => compareRepeats(m, run.repeats as Repeat[], baseline, config));
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
  const { verdict } =
    best.repeats === undefined
      ? compareMetric(
          config.primaryMetric,
          best.metrics[config.primaryMetric],
          baseline?.metrics[config.primaryMetric],
          config,
        )
      : compareRepeats(config.primaryMetric, best.repeats, baseline, config);
  switch (verdict) {
    case 'better':
      return config.conclusions.better;
    case 'worse':
      return config.conclusions.worse;
    case 'unchanged':
    case 'noise': // not told apart from the noise: the change is not shown, as one below the threshold is not
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
