// The merge report's lines about the model registry (src/pipeline/register-model.ts): the version the new
// baseline became, and where the alias points now, with the values that decided it (with repeats, the paired
// figures: mean per-seed change ± its interval). Pure.
import type { TrainbotConfig } from '../config/config-types.js';
import type { MetricComparison } from './compare.js';
import { codeSpan, escapeMarkdown } from './markdown-escape.js';
import { formatDelta, formatNumber } from './render-report.js';

/** What registering a merge's baseline came to. */
export type RegistryOutcome =
  | {
      kind: 'moved';
      model: string;
      alias: string;
      version: string;
      /** The champion it was compared with and how. */
      previous?: { version: string; comparison: MetricComparison };
      /** A version the alias pointed to that is not a trainbot baseline of this repository, so it was not compared. */
      untrusted?: string;
      /** The alias already pointed to this version (a merge finished again after a restart). */
      already?: boolean;
    }
  | { kind: 'kept'; model: string; alias: string; version: string; champion: string; comparison: MetricComparison }
  | { kind: 'no-model'; model: string; loggedModel: string }
  | { kind: 'failed'; model: string; message: string };

/** The values that decided, and `rule` (the goal and threshold) inside the same closing parenthesis. */
function values(c: MetricComparison, config: TrainbotConfig, rule = ''): string {
  const digits = config.metrics[c.metric]?.digits ?? 4;
  const interval = c.spread?.interval;
  const against = `${formatNumber(c.candidate, digits)} against ${formatNumber(c.baseline, digits)}`;
  const more = rule ? `; ${rule}` : '';
  if (c.spread === undefined) return `${codeSpan(c.metric)} ${against}${rule ? ` (${rule})` : ''}`;
  // With repeats the figures that decided are the paired ones: the mean per-seed change and its interval.
  if (interval === undefined)
    return `${codeSpan(c.metric)}, the mean of its seeds ${against} (fewer than 2 seeds pair with the champion's, so by the threshold alone${more})`;
  const delta = formatDelta(interval.mean, digits).replace(/^±/, '');
  const percent = `${Math.round(interval.confidence * 1000) / 10}%`;
  return `${codeSpan(c.metric)} over ${interval.pairs} seeds paired with the champion's: mean Δ ${delta} ± ${interval.half.toFixed(digits)} at ${percent} confidence (means ${against}${more})`;
}

export function renderRegistry(outcome: RegistryOutcome, config: TrainbotConfig): string {
  const model = codeSpan(outcome.model);
  switch (outcome.kind) {
    case 'no-model':
      return `📦 Nothing was registered in ${model}: the baseline run logged no model named ${codeSpan(outcome.loggedModel)}. Set \`registry.logged_model\` in \`.github/trainbot.yml\` to the \`name\` the training code passes to \`log_model\`.`;
    case 'failed':
      return `📦 Nothing was registered in ${model}: ${escapeMarkdown(outcome.message).replace(/\.?$/, '.')}`;
    case 'kept': {
      const rule = config.metrics[outcome.comparison.metric];
      const goal = rule ? `goal: ${rule.goal}, threshold ${rule.threshold}` : '';
      const stays = `📦 Registered as version ${outcome.version} of ${model}. The alias ${codeSpan(outcome.alias)} stays on version ${outcome.champion}`;
      if (outcome.comparison.verdict === 'missing')
        return `${stays}: this model has no ${codeSpan(outcome.comparison.metric)}, the primary metric it is compared on.`;
      return `${stays}: this model is worse on ${values(outcome.comparison, config, goal)}.`;
    }
    case 'moved': {
      const head = `📦 Registered as version ${outcome.version} of ${model}.`;
      const alias = codeSpan(outcome.alias);
      if (outcome.already) return `${head} The alias ${alias} points to it.`;
      if (outcome.previous) {
        const { version, comparison } = outcome.previous;
        const how =
          comparison.verdict === 'better' ? 'better' : comparison.verdict === 'noise' ? 'within noise' : 'not worse';
        return `${head} The alias ${alias} moved to it from version ${version}: ${how} on ${values(comparison, config)}.`;
      }
      if (outcome.untrusted)
        return `${head} The alias ${alias} moved to it from version ${outcome.untrusted}, which is not a trainbot baseline of this repository, so it was not compared with.`;
      return `${head} The alias ${alias} now points to it (there was no ${alias} before).`;
    }
  }
}
