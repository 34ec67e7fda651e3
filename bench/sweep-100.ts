// A 100-run sweep (`/train` with a 10×10 grid) through the bot's real pipeline (onTrainComment) against a real
// MLflow, then the merge report of that PR (onPullRequestClosed). Runs "train" through MetricRunner (metrics
// logged over MLflow's REST API with the run's own MLflow user), so the figures are the bot's own costs: MLflow
// requests, comment updates, CPU time and peak memory. MLflow as deployed: basic-auth, runs signed, a user per run
// (deployed-tracking.ts). The merge report must read the PR's runs in one paged search, whatever their number.
// Run: MLFLOW_TRACKING_URI=http://127.0.0.1:PORT npx tsx bench/sweep-100.ts
import { readFileSync } from 'node:fs';
import { markdownTable } from 'markdown-table';
import type { GitHubPort } from '../src/github/github-port.js';
import { onPullRequestClosed } from '../src/pipeline/on-pr-closed.js';
import { onTrainComment } from '../src/pipeline/on-train-comment.js';
import type { MlflowClient } from '../src/tracking/mlflow-client.js';
import { MetricRunner } from '../test/integration/sweep/metric-runner.js';
import { deployedTracking } from './deployed-tracking.js';

const REPO = 'acme/wine';
const PR = 12;
const values = (n: number, step: number) =>
  Array.from({ length: n }, (_, i) => Number((step * (i + 1)).toFixed(3))).join(',');
const COMMAND = `/train alpha=${values(10, 0.1)} l1_ratio=${values(10, 0.09)}`;

const uri = process.env.MLFLOW_TRACKING_URI;
if (!uri) throw new Error('MLFLOW_TRACKING_URI is not set; see bench/README.md.');
const configText = readFileSync(new URL('../.github/trainbot.yml', import.meta.url), 'utf8')
  .replace(/^experiment: .*$/m, `experiment: trainbot-bench-sweep-${Date.now()}`)
  .replace(/^ {2}max_runs: .*$/m, '  max_runs: 100');

/** GitHub as the pipeline sees it, counting what it is asked to do. */
function countingGitHub(counts: Record<string, number>): GitHubPort {
  const count = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  return {
    react: async () => count('react'),
    upsertComment: async () => {
      count('upsertComment');
      return 1;
    },
    createComment: async () => {
      count('createComment');
      return 2;
    },
    comment: () => Promise.reject(new Error('a /train comment reads no comment back')),
    createCheck: async () => {
      count('createCheck');
      return 3;
    },
    updateCheck: async () => count('updateCheck'),
    permission: async () => 'admin',
    pullRequest: async (number) => ({
      number,
      headSha: 'f'.repeat(40),
      headRef: 'feature',
      baseRef: 'main',
      headRepoFullName: REPO,
      isFork: false,
      state: 'open',
      merged: false,
    }),
    branchPushes: async () => [{ after: 'f'.repeat(40), at: '2026-01-01T00:00:00Z', type: 'push' }],
    readConfig: async () => configText,
  };
}

const log = { info: () => undefined, error: (e: unknown, m: string) => process.stderr.write(`${m}: ${String(e)}\n`) };
// Requests by endpoint and the time spent waiting for their answers (summed over concurrent requests).
const endpoints = new Map<string, { n: number; ms: number }>();
const { tracking, users } = deployedTracking(process.env, {
  onRequest: (e) => {
    const key = `${e.method} ${e.endpoint}`;
    const seen = endpoints.get(key) ?? { n: 0, ms: 0 };
    endpoints.set(key, { n: seen.n + 1, ms: seen.ms + e.durationMs });
  },
});
const byEndpoint = () =>
  [...endpoints]
    .sort(([, a], [, b]) => b.ms - a.ms)
    .map(([key, { n, ms }]) => `${key} ${n}× ${(ms / n).toFixed(0)} ms`)
    .join('; ');
const runner = new MetricRunner({ trackingUri: uri, delayMs: Number(process.env.BENCH_RUN_MS ?? 200) });

const sweepCounts: Record<string, number> = {};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await onTrainComment(
  {
    repo: REPO,
    issueNumber: PR,
    isPullRequest: true,
    action: 'created',
    commentId: 4242,
    body: COMMAND,
    author: { login: 'octocat', type: 'User' },
    createdAt: new Date().toISOString(),
  },
  { github: countingGitHub(sweepCounts), tracking, runnerFor: () => runner, log },
);
const sweepSeconds = (performance.now() - t0) / 1000;
const sweepCpu = process.cpuUsage(cpu0);
const sweepRequests = tracking.requests;
const sweepUserRequests = users.requests;
const sweepEndpoints = byEndpoint();
endpoints.clear();
if (runner.runs.size !== 100) throw new Error(`The sweep started ${runner.runs.size} runs, not 100.`);

const mergeCounts: Record<string, number> = {};
const before = tracking.requests;
const searches: number[] = [];
const counting = Object.assign(Object.create(tracking) as MlflowClient, {
  searchRuns: (input: Parameters<MlflowClient['searchRuns']>[0]) => {
    searches.push(1);
    return tracking.searchRuns(input);
  },
});
const t1 = performance.now();
await onPullRequestClosed(
  { repo: REPO, number: PR, merged: true, mergeCommitSha: 'e'.repeat(40), baseRef: 'main' },
  { github: countingGitHub(mergeCounts), tracking: counting, runnerFor: () => runner, log },
);
const mergeSeconds = (performance.now() - t1) / 1000;
const mergeRequests = tracking.requests - before;
const rssMb = process.resourceUsage().maxRSS / 1024;

console.log(
  markdownTable(
    [
      ['measure', 'value'],
      ['runs in the sweep', '100 (10×10 grid, max_parallel 4)'],
      ['sweep wall time (s)', sweepSeconds.toFixed(1)],
      ['MLflow requests, whole sweep', String(sweepRequests)],
      ['MLflow requests per run', (sweepRequests / 100).toFixed(2)],
      ["MLflow user-API requests, whole sweep (each run's user created, granted, deleted)", String(sweepUserRequests)],
      ['living-comment updates (5 s throttle)', String(sweepCounts.upsertComment ?? 0)],
      ['runs in flight at most', String(runner.maxInFlight)],
      ['bot CPU, sweep (user+system, s)', ((sweepCpu.user + sweepCpu.system) / 1e6).toFixed(2)],
      ['merge report: MLflow requests (incl. the 2 of the baseline refresh)', String(mergeRequests)],
      ['merge report: MLflow user-API requests', String(users.requests - sweepUserRequests)],
      ["merge report: runs/search requests (redelivery check, the PR's runs, 2 baselines)", String(searches.length)],
      ['merge report wall time (s)', mergeSeconds.toFixed(2)],
      ['peak RSS of the process (MB)', rssMb.toFixed(0)],
    ],
    { align: ['l', 'r'] },
  ),
);
console.log(`\nSweep, MLflow requests by endpoint (count, mean answer time): ${sweepEndpoints}`);
console.log(`Merge report, MLflow requests by endpoint: ${byEndpoint()}`);
