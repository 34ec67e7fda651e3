// The pure parts of the merge report: reading runs back from MLflow's shape, and the list of a PR's runs.
// The flow itself runs against the real MLflow in test/integration/sweep/merge-report.test.ts; a merge into a
// branch that is not the baseline branch, and when the trend is read, run here against in-memory ports.
import { describe, expect, it, jest } from '@jest/globals';
import { mergeKey, onPullRequestClosed } from '../../../src/pipeline/on-pr-closed.js';
import { paramsFromTag, toRunResult } from '../../../src/report/to-run-result.js';
import { LISTED_RUNS_MAX, runList } from '../../../src/report/render-merge-report.js';
import type { RunResult } from '../../../src/report/compare.js';
import type { TrackedRun } from '../../../src/tracking/tracked-run.js';
import { repoConfig } from '../config/repo-config.js';
import { originTags } from '../../../src/runs/run-contract.js';
import { MemoryGitHub, MemoryTracking, ScriptedRunner, silentLog, trainedPullRequest } from './memory-ports.js';

const config = repoConfig();

function tracked(status: TrackedRun['info']['status'], params: string, rmse?: number): TrackedRun {
  return {
    info: { runId: `id-${params}`, runName: `trainbot-pr2-${params.length}`, experimentId: '1', status, startTime: 1 },
    metrics: rmse === undefined ? {} : { rmse },
    params: {},
    tags: { 'trainbot.params': params },
  };
}

describe('paramsFromTag', () => {
  it('reads numbers for numeric params and keeps anything else as text for the renderer to escape', () => {
    expect(paramsFromTag('alpha=0.1 l1_ratio=1e-3 seed=42', config)).toEqual({ alpha: 0.1, l1_ratio: 0.001, seed: 42 });
    expect(paramsFromTag('alpha=0x10 =7 junk seed=<b>', config)).toEqual({ alpha: '0x10', seed: '<b>' });
  });

  it('reads a quoted string value with its space as one value', () => {
    expect(paramsFromTag('alpha=0.1 note="first try" seed=42', config)).toEqual({
      alpha: 0.1,
      note: 'first try',
      seed: 42,
    });
  });
});

describe('toRunResult', () => {
  it.each([
    ['FINISHED', 'finished', undefined],
    ['FAILED', 'failed', 'The run ended FAILED; its MLflow page has the details.'],
    ['KILLED', 'cancelled', 'The run was cancelled.'],
    ['RUNNING', 'running', undefined],
  ] as const)('maps MLflow status %s to the report state %s', (status, state, reason) => {
    const result = toRunResult(tracked(status, 'alpha=0.1 l1_ratio=0.5 seed=42', 0.6), config);
    expect(result).toEqual({
      name: 'trainbot-pr2-30',
      runId: 'id-alpha=0.1 l1_ratio=0.5 seed=42',
      params: { alpha: 0.1, l1_ratio: 0.5, seed: 42 },
      state,
      ...(reason ? { reason } : {}),
      metrics: { rmse: 0.6 },
    });
  });

  it("carries the footer's facts as MLflow keeps them: the bot's image tag and the logged data sets", () => {
    const run = tracked('FINISHED', 'alpha=0.1 l1_ratio=0.5 seed=42', 0.6);
    const image = `ghcr.io/o/w@sha256:${'cd'.repeat(32)}`;
    const datasets = [{ name: 'winequality-red', digest: '9e3cd6ce' }];
    expect(
      toRunResult({ ...run, tags: { ...run.tags, 'trainbot.image': image }, datasets }, config).provenance,
    ).toEqual({ image, datasets });
    expect(toRunResult({ ...run, datasets }, config).provenance).toEqual({ datasets });
  });
});

describe('runList', () => {
  const run = (i: number, state: RunResult['state'] = 'finished'): RunResult => ({
    name: `r${i}`,
    runId: `id${i}`,
    params: { alpha: i, l1_ratio: 0.5, seed: 42 },
    state,
    metrics: state === 'finished' ? { rmse: 0.5 + i / 1000 } : {},
  });

  it('lists runs best first with a link each, unfinished ones last with their state', () => {
    expect(runList([run(2), run(1, 'failed'), run(0)], config, (id) => `http://mlflow.test/${id}`)).toBe(
      [
        '1. [`r0`](http://mlflow.test/id0) `alpha=0 l1_ratio=0.5 seed=42`: rmse 0.5000',
        '2. [`r2`](http://mlflow.test/id2) `alpha=2 l1_ratio=0.5 seed=42`: rmse 0.5020',
        '3. [`r1`](http://mlflow.test/id1) `alpha=1 l1_ratio=0.5 seed=42`: failed',
      ].join('\n'),
    );
  });

  it(`lists at most ${LISTED_RUNS_MAX} runs and counts the rest`, () => {
    const list = runList(
      Array.from({ length: 500 }, (_, i) => run(i)),
      config,
      () => undefined,
    ).split('\n');
    expect(list.filter((l) => /^\d+\. /.test(l))).toHaveLength(LISTED_RUNS_MAX);
    expect(list.at(-1)).toBe(`… and ${500 - LISTED_RUNS_MAX} more; all are in MLflow.`);
  });
});

describe('a merge into a branch that is not baseline_branch', () => {
  it("posts the report against the baseline branch's baseline and trains no new baseline", async () => {
    const github = new MemoryGitHub();
    const tracking = await trainedPullRequest();
    const runner = new ScriptedRunner(tracking);

    await onPullRequestClosed(
      { repo: 'acme/models', number: 7, merged: true, mergeCommitSha: 'd'.repeat(40), baseRef: 'release-1' },
      { github, tracking, runnerFor: () => runner, log: silentLog, now: () => 10_000 },
    );

    expect(runner.dispatched).toEqual([]);
    expect(tracking.runs).toHaveLength(2);
    const comment = github.living.get(mergeKey(7)) ?? '';
    expect(comment).toContain('Commit `ccccccc` compared with the baseline `bbbbbbb` on `main`');
    expect(comment).toContain('| **rmse** (primary) |   0.7400 |   0.6900 | −0.0500 | ✅ better |');
    expect(comment.split('#### Baseline refresh\n\n')[1]).toBe(
      'This pull request was merged into `release-1`, not the baseline branch `main` (`baseline_branch` in `.github/trainbot.yml`), so no new baseline is trained; reports keep comparing with the baseline of `main`.',
    );
    expect(comment).not.toContain('No baseline yet');
  });
});

describe('a merge into baseline_branch: the trend of its baselines', () => {
  async function merge(trendBaselines: number) {
    const github = new MemoryGitHub();
    const tracking = await trainedPullRequest();
    const runner = new ScriptedRunner(tracking);
    const searches = jest.spyOn(tracking, 'searchRuns');
    github.configText = (github.configText ?? '').replace(
      /^baseline_branch: .*$/m,
      `$&\ntrend_baselines: ${trendBaselines}`,
    );
    await onPullRequestClosed(
      { repo: 'acme/models', number: 7, merged: true, mergeCommitSha: 'd'.repeat(40), baseRef: 'main' },
      { github, tracking, runnerFor: () => runner, log: silentLog, now: () => 10_000 },
    );
    const trendSearches = searches.mock.calls.filter(([q]) => q.maxResults === trendBaselines).length;
    return { posts: github.posts, trendSearches };
  }

  it('draws the previous and the new baseline in the final comment only, from one search', async () => {
    const { posts, trendSearches } = await merge(10);
    expect(posts.length).toBeGreaterThan(1);
    expect(posts.slice(0, -1).filter((p) => p.includes('#### Trend of `main`'))).toEqual([]);
    expect(posts.at(-1)).toContain('    x-axis "commit" ["bbbbbbb", "ddddddd"]');
    expect(trendSearches).toBe(1);
  });

  it('draws nothing and asks nothing more with trend_baselines: 0', async () => {
    const { posts, trendSearches } = await merge(0);
    expect(posts.at(-1)).toContain('✅ New baseline of `main` on `ddddddd`');
    expect(posts.at(-1)).not.toContain('Trend');
    expect(trendSearches).toBe(0);
  });
});

describe('a merge of a pull request trained with repeats', () => {
  /** main's baseline of three seeds, and #7's two points of three seeds each; MLflow as the merge finds it. */
  async function trainedWithRepeats(): Promise<MemoryTracking> {
    const tracking = new MemoryTracking();
    const seeded = async (role: 'baseline' | 'candidate', alpha: number, rmse: number[]) => {
      for (const [i, value] of rmse.entries()) {
        const seed = 42 + i;
        const run = await tracking.createRun({
          experimentId: '1',
          runName: `trainbot-${role}-${alpha}-${seed}`,
          tags: originTags({
            repo: 'acme/models',
            sha: (role === 'baseline' ? 'b' : 'c').repeat(40),
            params: `alpha=${alpha} l1_ratio=0.5 seed=${seed}`,
            branch: role === 'baseline' ? 'main' : 'fix',
            request: role === 'baseline' ? 'merge-1' : '99',
            role,
            repeat: seed,
            ...(role === 'candidate' ? { pr: 7 } : {}),
          }),
        });
        tracking.finish(run.info.runId, { rmse: value, mae: 0.6, r2: 0.1 });
      }
    };
    await seeded('baseline', 0.5, [0.74, 0.7, 0.78]);
    await seeded('candidate', 0.1, [0.73, 0.688, 0.772]); // better by 0.010 on every seed
    await seeded('candidate', 0.9, [0.6, 0.8, 0.85]); // the luckiest seed of all, and the worse mean
    return tracking;
  }

  it('reports the best point by its mean, paired seed by seed with the baseline of the same seeds', async () => {
    const github = new MemoryGitHub();
    const tracking = await trainedWithRepeats();
    await onPullRequestClosed(
      { repo: 'acme/models', number: 7, merged: true, mergeCommitSha: 'd'.repeat(40), baseRef: 'release-1' },
      { github, tracking, runnerFor: () => new ScriptedRunner(tracking), log: silentLog, now: () => 10_000 },
    );
    const comment = github.living.get(mergeKey(7)) ?? '';
    expect(comment).toContain('Best of 2 points (6 runs):');
    expect(comment).toContain('#### alpha=0.1 l1\\_ratio=0.5 vs baseline');
    // Means ± sd of both sides, and Δ ± the paired interval's half-width: −0.010 on each seed pair, ±0.0050.
    expect(comment).toMatch(
      /\| \*\*rmse\*\* \(primary\) \| +0\.7400 ± 0\.0400 \| +0\.7300 ± 0\.0420 \| +−0\.0100 ± 0\.0050 \| ✅ better/,
    );
    // The footer types the point back as the command that trains it again, seeds and all.
    expect(comment).toContain('Again on a pull request (trains its head): `/train alpha=0.1 l1_ratio=0.5 repeats=3`');
    expect(comment).toContain('All 2 points (6 runs) of this pull request');
    expect(comment).toContain('2. `trainbot-candidate-0.9-42` `alpha=0.9 l1_ratio=0.5`: rmse 0.7500 (mean of 3 seeds)');
  });
});
