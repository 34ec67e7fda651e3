// Repeats against the real MLflow: a merge trains the baseline with the config's `repeats: 3` (three runs of the
// merge commit, seeds 42–44), then `/train … repeats=3` comments are compared with it seed by seed. The seeds'
// "splits" move rmse by up to 0.05 (MetricRunner's rmseNoise), more than the changes compared: paired by seed
// that noise cancels, so alpha=0.1 is better; alpha=0.46, whose change depends on the seed, is within noise,
// though its seed-42 run alone is 0.004 worse (what one run against one baseline would have said). Merging the
// pull request then reads those runs back for its final report, and pairs them the same way.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitHubPort } from '../../../src/github/github-port.js';
import { onPullRequestClosed } from '../../../src/pipeline/on-pr-closed.js';
import { onTrainComment } from '../../../src/pipeline/on-train-comment.js';
import { RUN_TAGS } from '../../../src/runs/run-contract.js';
import { ensureRoleExperiments } from '../../../src/tracking/role-experiments.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { REPO_ROOT } from '../../support/run-action.js';
import { MetricRunner, prComment } from './metric-runner.js';
import { botTracking } from '../../support/mlflow-tracking.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );
const tracking = botTracking();
const REPO = 'acme/wine';
const MERGE_SHA = 'a'.repeat(40);
const HEAD_SHA = 'f'.repeat(40);

const SPLIT: Record<number, number> = { 42: 0, 43: 0.03, 44: -0.02 }; // the same for every params: cancels in pairs
const INTERPLAY: Record<string, Record<number, number>> = {
  '0.1': { 42: 0.001, 43: -0.001, 44: 0.0005 },
  '0.46': { 42: 0.006, 43: -0.007, 44: 0.004 },
};
const rmseNoise = (p: Record<string, number>) =>
  (SPLIT[p.seed as number] ?? 0) + (INTERPLAY[String(p.alpha)]?.[p.seed as number] ?? 0);

interface Seen {
  upserts: string[];
  comments: string[];
  checks: { conclusion?: string }[];
}

function github(configText: string, seen: Seen): GitHubPort {
  return {
    react: async () => undefined,
    upsertComment: async (_n, _key, body) => {
      seen.upserts.push(body);
      return 1;
    },
    createComment: async (_n, body) => {
      seen.comments.push(body);
      return 2;
    },
    comment: () => Promise.reject(new Error('not read back here')),
    createCheck: async () => 3,
    updateCheck: async (_id, update) => {
      seen.checks.push(update as { conclusion?: string });
    },
    permission: async () => 'write',
    pullRequest: async (number) => ({
      number,
      headSha: HEAD_SHA,
      headRef: 'feature',
      baseRef: 'main',
      headRepoFullName: REPO,
      isFork: false,
      state: 'open',
      merged: false,
    }),
    branchPushes: async () => [{ after: HEAD_SHA, at: '2026-01-01T00:00:00Z', type: 'push' }],
    readConfig: async () => configText,
  };
}

const log = { info: () => undefined, error: () => undefined };
const comment = (body: string, commentId: number) => prComment(REPO, body, commentId);

describe('repeats against the real MLflow', () => {
  const configText = `${readFileSync(join(REPO_ROOT, '.github/trainbot.yml'), 'utf8').replace(
    /^experiment: .*$/m,
    `experiment: repeats-${Date.now()}`,
  )}repeats: 3\n`;
  const runner = new MetricRunner({ trackingUri, delayMs: 20, rmseNoise });

  it('trains the merge baseline with the config’s three seeds, then calls alpha=0.1 better and alpha=0.46 within noise, paired by seed', async () => {
    const merged: Seen = { upserts: [], comments: [], checks: [] };
    await onPullRequestClosed(
      { repo: REPO, number: 11, merged: true, mergeCommitSha: MERGE_SHA, baseRef: 'main' },
      { github: github(configText, merged), tracking, runnerFor: () => runner, log },
    );
    const loaded = parseConfig(configText);
    if (!loaded.ok) throw new Error(loaded.errors.join(' '));
    const experiments = await ensureRoleExperiments(tracking, loaded.config);
    const baselines = (await tracking.searchAllRuns({ experimentIds: [experiments.baselines] })).runs;
    expect(baselines.map((r) => [r.tags[RUN_TAGS.sha], r.tags[RUN_TAGS.params], r.info.status]).sort()).toEqual([
      [MERGE_SHA, 'alpha=0.5 l1_ratio=0.5 seed=42', 'FINISHED'],
      [MERGE_SHA, 'alpha=0.5 l1_ratio=0.5 seed=43', 'FINISHED'],
      [MERGE_SHA, 'alpha=0.5 l1_ratio=0.5 seed=44', 'FINISHED'],
    ]);

    // The refresh's own report: the three seeds' mean ± sd (no earlier baseline to pair with).
    expect(merged.upserts.at(-1)).toContain('| **rmse** (primary) |        — | 0.6183 ± 0.0252 |    | — no baseline |');

    const better: Seen = { upserts: [], comments: [], checks: [] };
    await onTrainComment(comment('/train alpha=0.1 repeats=3', 201), {
      github: github(configText, better),
      tracking,
      runnerFor: () => runner,
      log,
    });
    const report = better.upserts.at(-1)?.split('\n') ?? [];
    expect(report[0]).toBe('### trainbot: alpha=0.1 vs baseline, 3 seeds');
    expect(report).toContain(BETTER_ROW);
    expect(report.some((l) => l.includes('on `main` (3 runs, `seed` 42, 43, 44)'))).toBe(true);
    expect(better.checks.at(-1)?.conclusion).toBe('success');

    const noisy: Seen = { upserts: [], comments: [], checks: [] };
    await onTrainComment(comment('/train alpha=0.46 repeats=3', 202), {
      github: github(configText.replace('repeats: 3\n', 'repeats: 3\nconclusions: {unchanged: neutral}\n'), noisy),
      tracking,
      runnerFor: () => runner,
      log,
    });
    expect(noisy.upserts.at(-1)?.split('\n')).toContain(NOISE_ROW);
    expect(noisy.checks.at(-1)?.conclusion).toBe('neutral');

    // Merging #12 reads its six runs back from MLflow: two points, the best by its mean, paired by seed with the
    // baseline that was current when it started, as its /train report was.
    const final: Seen = { upserts: [], comments: [], checks: [] };
    await onPullRequestClosed(
      { repo: REPO, number: 12, merged: true, mergeCommitSha: 'b'.repeat(40), baseRef: 'main' },
      { github: github(configText, final), tracking, runnerFor: () => runner, log },
    );
    const merge = final.upserts.at(-1)?.split('\n') ?? [];
    expect(merge).toContain('Best of 2 points (6 runs):');
    expect(merge).toContain('#### alpha=0.1 l1\\_ratio=0.5 vs baseline');
    expect(merge).toContain(BETTER_ROW);
  }, 180_000);

  it('answers repeats=0 and repeats=1000 with one sentence and starts nothing', async () => {
    const before = runner.runs.size;
    for (const [raw, id] of [
      ['0', 301],
      ['1000', 302],
    ] as const) {
      const seen: Seen = { upserts: [], comments: [], checks: [] };
      await onTrainComment(comment(`/train alpha=0.5 repeats=${raw}`, id), {
        github: github(configText, seen),
        tracking,
        runnerFor: () => runner,
        log,
      });
      expect(seen.comments).toEqual([
        `\`repeats\`=${raw} is not allowed; \`repeats\` takes one whole number from 1 to 20 (\`limits.max_runs\` in \`.github/trainbot.yml\`), like \`repeats=3\`. Comment \`/train help\` to see the parameters and their ranges.`,
      ]);
      expect(seen.upserts).toEqual([]);
    }
    expect(runner.runs.size).toBe(before);
  });
});

const BETTER_ROW = '| **rmse** (primary) | 0.6183 ± 0.0252 | 0.5985 ± 0.0243 | −0.0198 ± 0.0026 | ✅ better |';
const NOISE_ROW = '| **rmse** (primary) | 0.6183 ± 0.0252 | 0.6173 ± 0.0196 | −0.0010 ± 0.0174 | 〰️ within noise |';
