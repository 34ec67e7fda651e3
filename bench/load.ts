// Load: BENCH_COMMANDS `/train` commands over BENCH_PRS pull requests, arriving evenly within BENCH_ARRIVAL_S
// seconds, through the Probot app with the Octokit the bot deploys (retries, rate-limit waits and the GitHub cap of
// src/github/trainbot-octokit.ts) against the real MLflow, GitHub faked by nock (fake-github.ts), each run
// "trained" by MetricRunner (BENCH_RUN_MS, then its metrics over MLflow's REST API, as a container would).
// Prints how many runs did not finish and why, the experiment's runs by status as MLflow has them, failed MLflow
// attempts, requests per command, the MLflow queue's peaks, peak RSS, the time from the first command to the last
// final report, and the webhook → 👀 latency percentiles. Progress goes to stderr every BENCH_PROGRESS_S (60) s.
// BENCH_GITHUB_PACING=1 keeps plugin-throttling's write pacing as deployed (writes one at a time 1 s apart, new
// comments 3 s apart, per process); 0 leaves the writes concurrent (still under TRAINBOT_GITHUB_CONCURRENCY), to
// load MLflow at the rate commands arrive.
// Run: MLFLOW_TRACKING_URI=… npx tsx bench/load.ts (bench/README.md)
import { readFileSync } from 'node:fs';
import Bottleneck from 'bottleneck';
import { markdownTable } from 'markdown-table';
import nock from 'nock';
import { Probot } from 'probot';
import { githubOptionsFromEnv, trainbotOctokit } from '../src/github/trainbot-octokit.js';
import { createApp } from '../src/index.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import { TEST_TOKEN } from '../test/support/github-probot.js';
import { MetricRunner } from '../test/integration/sweep/metric-runner.js';
import { delivery, fakeGitHub } from './fake-github.js';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 200);
const PRS = Number(process.env.BENCH_PRS ?? 20);
const ARRIVAL_S = Number(process.env.BENCH_ARRIVAL_S ?? 60);
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 2000);
const PACING = process.env.BENCH_GITHUB_PACING === '1';
const PROGRESS_S = Number(process.env.BENCH_PROGRESS_S ?? 60);
const uri = process.env.MLFLOW_TRACKING_URI;
if (!uri) throw new Error('MLFLOW_TRACKING_URI is not set; start MLflow as bench/README.md shows.');

const experiment = `trainbot-bench-load-${Date.now()}`;
const config = readFileSync(new URL('../.github/trainbot.yml', import.meta.url), 'utf8')
  .replace(/^experiment: .*$/m, `experiment: ${experiment}`)
  .replace(/^tracking_uri: .*$/m, `tracking_uri: ${uri}`);

nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/); // MLflow stays real
const gh = fakeGitHub(config);

const github = githubOptionsFromEnv(process.env);
const Deployed = trainbotOctokit(github);
// Without pacing: the deployed class, with write queues that only cap concurrency instead of spacing writes 1 s
// apart (and those that notify people, new comments, 3 s apart).
const unpaced = () => new Bottleneck.Group({ maxConcurrent: github.maxConcurrent });
const Octokit = PACING
  ? Deployed
  : Deployed.defaults((o: Record<string, unknown>) => ({
      ...o,
      throttle: { ...(o.throttle as object), write: unpaced(), notifications: unpaced() },
    }));
let failedAttempts = 0;
const statuses = new Map<string, number>();
const tracking = MlflowClient.fromEnv(process.env, {
  onRequest: (e) => {
    if (e.status !== undefined && e.status < 400) return;
    failedAttempts += 1;
    const key = e.status === undefined ? 'no answer' : `HTTP ${e.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  },
});
const runner = new MetricRunner({ trackingUri: uri, delayMs: RUN_MS });
const probot = new Probot({
  githubToken: TEST_TOKEN,
  Octokit,
  logLevel: (process.env.BENCH_LOG_LEVEL ?? 'fatal') as 'fatal',
});
await probot.load(createApp({ tracking, runnerFor: () => runner }));

await probot.receive(delivery(9999, 99_999)); // warm-up: modules, connections, the experiment
gh.requests.clear();
failedAttempts = 0;
statuses.clear();
const mlflowBefore = tracking.requests;
const idleRss = process.memoryUsage().rss;
let peakRss = idleRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const started = performance.now();
const gap = (ARRIVAL_S * 1000) / COMMANDS;
const handled: Array<Promise<unknown>> = [];
const sentAt: number[] = [];
let rejected = 0;
const isBenchKey = (key: string) => /^train-5\d{4}$/.test(key);
// With pacing on, a 500-command minute drains for most of an hour: say where it is.
const progress = setInterval(() => {
  const writes = [...gh.requests].filter(([r]) => !r.startsWith('GET')).reduce((a, [, n]) => a + n, 0);
  console.error(
    `${((performance.now() - started) / 1000).toFixed(0)} s: ${[...gh.eyesAt.keys()].filter((id) => id >= 50_000 && id < 60_000).length} 👀, ` +
      `${[...gh.lastCommentPatchAt.keys()].filter(isBenchKey).length} commented, ${writes} GitHub writes, ` +
      `${tracking.requests - mlflowBefore} MLflow requests, ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB RSS`,
  );
}, PROGRESS_S * 1000);
for (let i = 0; i < COMMANDS; i++) {
  const wait = started + i * gap - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  sentAt.push(performance.now());
  handled.push(
    probot.receive(delivery(1 + (i % PRS), 50_000 + i)).catch(() => {
      rejected += 1;
    }),
  );
  if ((i + 1) % 50 === 0)
    console.error(`${i + 1} commands sent, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const arrived = (performance.now() - started) / 1000;
await Promise.all(handled);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
clearInterval(progress);

const reportTimes = [...gh.lastCommentPatchAt].filter(([k]) => isBenchKey(k)).map(([, at]) => at);
const reports = reportTimes.length;
const lastReport = (Math.max(started, ...reportTimes) - started) / 1000;
// webhook → the 👀 POST reaching GitHub (nock), per command; nearest-rank percentiles.
const eyes = sentAt
  .map((at, i) => (gh.eyesAt.get(50_000 + i) ?? Number.NaN) - at)
  .filter((ms) => !Number.isNaN(ms))
  .sort((a, b) => a - b);
const pct = (p: number) => (eyes[Math.max(0, Math.ceil((p / 100) * eyes.length) - 1)] ?? Number.NaN) / 1000;
// What MLflow holds: every bench command's run should be FINISHED (the warm-up's is left out).
const { runs } = await MlflowClient.fromEnv(process.env).searchAllRuns({
  experimentIds: [(await tracking.getExperimentByName(experiment))?.experimentId ?? ''],
});
const byStatus = new Map<string, number>();
for (const run of runs.filter((r) => !Object.values(r.tags).some((v) => v.includes('99999')))) {
  byStatus.set(run.info.status, (byStatus.get(run.info.status) ?? 0) + 1);
}
const per = (n: number) => (n / COMMANDS).toFixed(2);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const writes = [...gh.requests].filter(([r]) => !r.startsWith('GET')).reduce((a, [, n]) => a + n, 0);
console.log(
  `load, ${COMMANDS} commands over ${PRS} PRs within ${ARRIVAL_S} s, runs of ${RUN_MS} ms, GitHub write pacing ${PACING ? 'on' : 'off'}, ` +
    `MLflow cap ${tracking.limit.max}, GitHub cap ${github.maxConcurrent}, ${new Date().toISOString()}`,
);
console.log(
  markdownTable([
    ['figure', 'value', 'note'],
    ['commands arrived (s)', arrived.toFixed(1), ''],
    [
      'first command → last final report (s)',
      lastReport.toFixed(1),
      `${reports} of ${COMMANDS} commands got a final report; every handler returned at ${seconds.toFixed(1)} s`,
    ],
    [
      'webhook → 👀 reaction, p50 / p90 / p99 / max (s)',
      [50, 90, 99, 100].map((p) => pct(p).toFixed(1)).join(' / '),
      `${eyes.length} of ${COMMANDS} commands got 👀`,
    ],
    [
      "the bench commands' MLflow runs by status",
      [...byStatus].map(([s, n]) => `${s} ${n}`).join(', ') || 'none',
      `expected FINISHED ${COMMANDS}`,
    ],
    [
      'commands whose run did not finish (😕) / rejected by the handler',
      `${gh.confused} / ${rejected}`,
      gh.firstFailure ?? '',
    ],
    [
      'failed MLflow attempts of the bot (each retry counts)',
      String(failedAttempts),
      [...statuses].map(([s, n]) => `${s} ×${n}`).join(', '),
    ],
    [
      'MLflow requests per command (bot only)',
      per(tracking.requests - mlflowBefore),
      "the fake containers' 2 REST calls each are not counted",
    ],
    [
      'MLflow requests in flight, peak / longest queue',
      `${tracking.limit.peakActive} / ${tracking.limit.peakQueued}`,
      '',
    ],
    [
      'GitHub requests per command (writes)',
      `${per(gh.total())} (${per(writes)})`,
      [...gh.requests].map(([r, n]) => `${r} ${per(n)}`).join('; '),
    ],
    ['RSS idle → peak (MB)', `${mb(idleRss)} → ${mb(peakRss)}`, ''],
  ]),
);
