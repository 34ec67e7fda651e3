import { describe, expect, it } from '@jest/globals';
import type { Refresh } from '../../../src/report/render-merge-report.js';
import { renderMergeReport } from '../../../src/report/render-merge-report.js';
import { type RegistryOutcome, renderRegistry } from '../../../src/report/render-registry.js';
import { repoConfig } from '../config/repo-config.js';

const config = repoConfig();
const better = { metric: 'rmse', candidate: 0.7, baseline: 0.74, delta: -0.04, verdict: 'better' } as const;
const worse = { metric: 'rmse', candidate: 0.76, baseline: 0.74, delta: 0.02, verdict: 'worse' } as const;
/** With repeats: 3 seeds paired, the means 0.7578 against 0.7543, mean Δ +0.0035 ± 0.0046 at 95%. */
const interval = { pairs: 3, mean: 0.0035, half: 0.0046, confidence: 0.95 };
const noise = {
  metric: 'rmse',
  candidate: 0.7578,
  baseline: 0.7543,
  delta: 0.0035,
  verdict: 'noise',
  spread: { candidateSd: 0.01, baselineSd: 0.011, interval },
} as const;
const pairedWorse = {
  ...noise,
  candidate: 0.7931,
  delta: 0.0388,
  verdict: 'worse',
  spread: { ...noise.spread, interval: { ...interval, mean: 0.0388, half: 0.0078 } },
} as const;

describe('renderRegistry: the version and where the alias points, in the merge report', () => {
  it.each<[string, RegistryOutcome, string]>([
    [
      'the first version',
      { kind: 'moved', model: 'wine', alias: 'champion', version: '1' },
      '📦 Registered as version 1 of `wine`. The alias `champion` now points to it (there was no `champion` before).',
    ],
    [
      'a better version',
      { kind: 'moved', model: 'wine', alias: 'champion', version: '3', previous: { version: '2', comparison: better } },
      '📦 Registered as version 3 of `wine`. The alias `champion` moved to it from version 2: better on `rmse` 0.7000 against 0.7400.',
    ],
    [
      'a version within the threshold',
      {
        kind: 'moved',
        model: 'wine',
        alias: 'champion',
        version: '3',
        previous: { version: '2', comparison: { ...better, candidate: 0.7404, delta: 0.0004, verdict: 'unchanged' } },
      },
      '📦 Registered as version 3 of `wine`. The alias `champion` moved to it from version 2: not worse on `rmse` 0.7404 against 0.7400.',
    ],
    [
      'a worse version',
      { kind: 'kept', model: 'wine', alias: 'champion', version: '4', champion: '3', comparison: worse },
      '📦 Registered as version 4 of `wine`. The alias `champion` stays on version 3: this model is worse on `rmse` 0.7600 against 0.7400 (goal: minimize, threshold 0.001).',
    ],
    [
      'a version within noise, with repeats: the paired figures',
      { kind: 'moved', model: 'wine', alias: 'champion', version: '3', previous: { version: '2', comparison: noise } },
      "📦 Registered as version 3 of `wine`. The alias `champion` moved to it from version 2: within noise on `rmse` over 3 seeds paired with the champion's: mean Δ +0.0035 ± 0.0046 at 95% confidence (means 0.7578 against 0.7543).",
    ],
    [
      'a worse version, with repeats: why it stays, in the paired figures',
      { kind: 'kept', model: 'wine', alias: 'champion', version: '4', champion: '3', comparison: pairedWorse },
      "📦 Registered as version 4 of `wine`. The alias `champion` stays on version 3: this model is worse on `rmse` over 3 seeds paired with the champion's: mean Δ +0.0388 ± 0.0078 at 95% confidence (means 0.7931 against 0.7543; goal: minimize, threshold 0.001).",
    ],
    [
      'a worse version, with repeats the champion lacks: the means, by the threshold',
      {
        kind: 'kept',
        model: 'wine',
        alias: 'champion',
        version: '4',
        champion: '3',
        comparison: { ...worse, spread: { candidateSd: 0.01 } },
      },
      "📦 Registered as version 4 of `wine`. The alias `champion` stays on version 3: this model is worse on `rmse`, the mean of its seeds 0.7600 against 0.7400 (fewer than 2 seeds pair with the champion's, so by the threshold alone; goal: minimize, threshold 0.001).",
    ],
    [
      'a version without the primary metric',
      {
        kind: 'kept',
        model: 'wine',
        alias: 'champion',
        version: '4',
        champion: '3',
        comparison: { metric: 'rmse', baseline: 0.74, verdict: 'missing' },
      },
      '📦 Registered as version 4 of `wine`. The alias `champion` stays on version 3: this model has no `rmse`, the primary metric it is compared on.',
    ],
    [
      'a champion that is no trainbot baseline',
      { kind: 'moved', model: 'wine', alias: 'champion', version: '5', untrusted: '4' },
      '📦 Registered as version 5 of `wine`. The alias `champion` moved to it from version 4, which is not a trainbot baseline of this repository, so it was not compared with.',
    ],
    [
      'a version the alias already points to',
      { kind: 'moved', model: 'wine', alias: 'champion', version: '5', already: true },
      '📦 Registered as version 5 of `wine`. The alias `champion` points to it.',
    ],
    [
      'a run that logged no model',
      { kind: 'no-model', model: 'wine', loggedModel: 'model' },
      '📦 Nothing was registered in `wine`: the baseline run logged no model named `model`. Set `registry.logged_model` in `.github/trainbot.yml` to the `name` the training code passes to `log_model`.',
    ],
    [
      'a refusal, escaped',
      { kind: 'failed', model: 'wine', message: 'The MLflow server at http://m rejected it (HTTP 403): <b>no</b>' },
      '📦 Nothing was registered in `wine`: The MLflow server at http:\u2060//m rejected it (HTTP 403): \\<b\\>no\\</b\\>.',
    ],
  ])('%s', (_, outcome, text) => {
    expect(renderRegistry(outcome, config)).toBe(text);
  });

  it('follows the new baseline in the merge report, and only when the refresh carries it', () => {
    const refresh: Refresh = { kind: 'done', sha: 'c'.repeat(40), report: 'REPORT' };
    const input = { pr: 7, baseRef: 'main', runs: [], config, now: 0, link: () => undefined };
    const registry: RegistryOutcome = { kind: 'moved', model: 'wine', alias: 'champion', version: '1' };
    expect(renderMergeReport({ ...input, refresh })).toMatch(/✅ New baseline of `main` on `ccccccc`:\n\nREPORT$/);
    expect(renderMergeReport({ ...input, refresh: { ...refresh, registry } })).toMatch(
      /✅ New baseline of `main` on `ccccccc`:\n\nREPORT\n\n📦 Registered as version 1 of `wine`\. The alias `champion` now points to it \(there was no `champion` before\)\.$/,
    );
  });
});
