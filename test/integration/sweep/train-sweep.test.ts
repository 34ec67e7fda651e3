// A `/train` sweep comment through the bot's pipeline against the real MLflow: the grid's size against
// limits.max_runs, at most limits.max_parallel runs at once, and the living comment updated at most once
// per interval however often runs change state. Runs "train" through MetricRunner.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitHubPort } from '../../../src/github/github-port.js';
import { onTrainComment } from '../../../src/pipeline/on-train-comment.js';
import { REPO_ROOT } from '../../support/run-action.js';
import { MetricRunner, fakeMetrics, prComment } from './metric-runner.js';
import { botTracking } from '../../support/mlflow-tracking.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );
const tracking = botTracking();

interface Recorded {
  comments: string[];
  upserts: { at: number; body: string }[];
}

function github(configText: string, seen: Recorded): GitHubPort {
  return {
    react: async () => undefined,
    upsertComment: async (_n, _key, body) => {
      seen.upserts.push({ at: Date.now(), body });
      return 1;
    },
    createComment: async (_n, body) => {
      seen.comments.push(body);
      return 2;
    },
    comment: () => Promise.reject(new Error('a /train comment reads no comment back')),
    createCheck: async () => 3,
    updateCheck: async () => undefined,
    permission: async () => 'write',
    pullRequest: async (number) => ({
      number,
      headSha: 'f'.repeat(40),
      headRef: 'feature',
      baseRef: 'main',
      headRepoFullName: 'acme/wine',
      isFork: false,
      state: 'open',
      merged: false,
    }),
    branchPushes: async () => [{ after: 'f'.repeat(40), at: '2026-01-01T00:00:00Z', type: 'push' }],
    readConfig: async () => configText,
  };
}

const configText = () =>
  readFileSync(join(REPO_ROOT, '.github/trainbot.yml'), 'utf8')
    .replace(/^experiment: .*$/m, `experiment: train-sweep-${Date.now()}`)
    .replace(/^ {2}max_parallel: .*$/m, '  max_parallel: 2');
const log = { info: () => undefined, error: () => undefined };
const comment = (body: string, commentId: number) => prComment('acme/wine', body, commentId);

describe('/train sweep', () => {
  it('runs the 6-run grid two at a time, updating the comment at most once a second, and ranks it with a chart', async () => {
    const seen: Recorded = { comments: [], upserts: [] };
    const runner = new MetricRunner({ trackingUri, delayMs: 300 });
    await onTrainComment(comment('/train alpha=0.1,0.5,1 l1_ratio=0.2,0.8', 101), {
      github: github(configText(), seen),
      tracking,
      runnerFor: () => runner,
      log,
      commentIntervalMs: 1000,
    });
    expect(runner.runs.size).toBe(6);
    expect(runner.maxInFlight).toBe(2);
    // 6 runs change state 13 times (queued, then running and done each); the throttle sends fewer, at least a
    // second apart (how many fewer depends on the machine's speed, so only the bound and the spacing are asserted).
    expect(seen.upserts.length).toBeLessThan(13);
    const gaps = seen.upserts.slice(1, -1).map((u, i) => u.at - (seen.upserts[i] as { at: number }).at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(990);
    const final = seen.upserts.at(-1)?.body.split('\n') ?? [];
    expect(final[0]).toBe('### trainbot sweep: 6 runs vs baseline');
    expect(
      final
        .find((l) => l.startsWith('| 🏆 1 '))
        ?.split('|')
        .map((c) => c.trim())
        .slice(2, 5),
    ).toEqual(['0.1', '0.8', fakeMetrics({ alpha: 0.1, l1_ratio: 0.8 }).rmse.toFixed(4)]);
    expect(final).toContain('    x-axis "alpha" ["0.1", "0.5", "1"]');
    expect(seen.comments).toEqual([]);
  }, 60_000);

  it('refuses a grid over limits.max_runs with the count and the cap, starting nothing', async () => {
    const seen: Recorded = { comments: [], upserts: [] };
    const runner = new MetricRunner({ trackingUri });
    await onTrainComment(comment('/train alpha=0.1,0.2,0.3,0.4,0.5 l1_ratio=0.1,0.2,0.3,0.4,0.5', 102), {
      github: github(configText(), seen),
      tracking,
      runnerFor: () => runner,
      log,
    });
    expect(seen.comments).toEqual([
      'This grid has 25 runs; this repository allows at most 20 per command (`limits.max_runs` in `.github/trainbot.yml`). Use fewer values, or split the grid over several commands.',
    ]);
    expect(runner.runs.size).toBe(0);
    expect(seen.upserts).toEqual([]);
  });
});
