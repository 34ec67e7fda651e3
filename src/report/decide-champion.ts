// Whether a merge's new model takes the registry alias (issue 13 point 3): only when it is not worse than the
// current champion, under the verdict rule every report uses (compare.ts). Pure.
import type { TrainbotConfig } from '../config/config-types.js';
import { type MetricComparison, compareMetric } from './compare.js';

export interface ChampionDecision {
  move: boolean;
  /** The primary metric, new against champion; undefined when there is no champion to compare with. */
  comparison?: MetricComparison;
}

/**
 * No champion: the alias moves. Otherwise the primary metric decides, as it decides a check run: `better`,
 * `unchanged` (within the threshold) and a champion without the metric move it; `worse`, or a new model
 * without the metric, keep it. This is the one place the registry asks "is the new one worse".
 */
export function decideChampion(
  candidate: Readonly<Record<string, number>>,
  champion: Readonly<Record<string, number>> | undefined,
  config: TrainbotConfig,
): ChampionDecision {
  if (champion === undefined) return { move: true };
  const primary = config.primaryMetric;
  const comparison = compareMetric(primary, candidate[primary], champion[primary], config);
  return { move: comparison.verdict !== 'worse' && comparison.verdict !== 'missing', comparison };
}
