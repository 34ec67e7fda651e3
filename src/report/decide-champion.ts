// Whether a merge's new model takes the registry alias (issue 13 point 3): only when it is not worse than the
// current champion, under the verdict rule every report uses (compare.ts). Pure.
import type { TrainbotConfig } from '../config/config-types.js';
import { type MetricComparison, type Repeat, compareMetric, compareRepeats } from './compare.js';
import { meanMetrics } from './group-repeats.js';

export interface ChampionDecision {
  move: boolean;
  /** The primary metric, new against champion; undefined when there is no champion to compare with. */
  comparison?: MetricComparison;
}

/**
 * Both sides' runs per seed, when the merge's refresh trained `repeats` > 1: the refresh's, and the champion's run
 * with its sibling seeds (the baseline runs of the champion's commit with only the seed changed).
 */
export interface ChampionRepeats {
  candidate: readonly Repeat[];
  champion: readonly Repeat[];
}

/**
 * No champion: the alias moves. Otherwise the primary metric decides, as it decides a check run: `better`,
 * `unchanged` (within the threshold) and a champion without the metric move it; `worse`, or a new model
 * without the metric, keep it. With repeats the paired verdict decides, as it does for `/train … repeats=N`
 * (compareRepeats): "within noise" is not worse, so it moves; the means of both sides stand in for the one run.
 * This is the one place the registry asks "is the new one worse".
 */
export function decideChampion(
  candidate: Readonly<Record<string, number>>,
  champion: Readonly<Record<string, number>> | undefined,
  config: TrainbotConfig,
  repeats?: ChampionRepeats,
): ChampionDecision {
  if (champion === undefined) return { move: true };
  const primary = config.primaryMetric;
  const comparison =
    repeats !== undefined && repeats.candidate.length > 1
      ? compareRepeats(
          primary,
          repeats.candidate,
          // No seed of the champion's pairs: the means against its one run, as with fewer than two pairs.
          repeats.champion.length > 0
            ? { metrics: meanMetrics(repeats.champion), repeats: repeats.champion }
            : { metrics: champion },
          config,
        )
      : compareMetric(primary, candidate[primary], champion[primary], config);
  return { move: comparison.verdict !== 'worse' && comparison.verdict !== 'missing', comparison };
}
