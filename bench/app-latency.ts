// The bot's own latency and cost, driven through the Probot app (createApp + probot.receive) with GitHub faked
// by nock and the real MLflow (issue 3):
//   ack         webhook received → the 👀 reaction request reaches GitHub, one command at a time
//   report      the bot's runner learning that the Job is Complete (its wait() resolving, the bot's own clock) →
//               the final PATCH of the living comment, with the real KubernetesRunner on the loopback API
//               (start_kube) and a tiny training script run by the test node
//   concurrent  50 /train commands on 50 PRs at once: GitHub and MLflow requests per command, peak RSS and heap
//   paced       10 commands at once with Probot's GitHub write pacing on, as deployed
// As deployed unless told otherwise: the bot's Octokit (src/github/trainbot-octokit.ts: retries, the cap of
// TRAINBOT_GITHUB_CONCURRENCY, write pacing), MLflow with basic-auth, signed runs and a user per run
// (deployed-tracking.ts), the MLflow cap of TRAINBOT_MLFLOW_CONCURRENCY. BENCH_GITHUB_PACING=0 takes the pacing
// off ack, report and concurrent (writes then only capped) to see the bot's own work.
// Run: MLFLOW_TRACKING_URI=… [TRAINBOT_KUBE_ADMIN_KUBECONFIG=…] npx tsx bench/app-latency.ts [ack,report,concurrent,paced]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from 'markdown-table';
import nock from 'nock';
import { Probot } from 'probot';
import { createApp, type AppDeps } from '../src/index.js';
import type { Runner } from '../src/runners/runner.js';
import Bottleneck from 'bottleneck';
import { githubOptionsFromEnv, trainbotOctokit } from '../src/github/trainbot-octokit.js';
import type { MlflowClient } from '../src/tracking/mlflow-client.js';
import { deployedTracking } from './deployed-tracking.js';
import { delivery, fakeGitHub } from './fake-github.js';
import { TEST_TOKEN } from '../test/support/github-probot.js';
import { runnerFixture } from '../test/support/kube-runner-fixture.js';
import { MetricRunner } from '../test/integration/sweep/metric-runner.js';

const MODES = (process.argv[2] ?? 'ack,report,concurrent,paced').split(',');
const ACK_COMMANDS = Number(process.env.BENCH_ACK_COMMANDS ?? 200);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 50);
const REPORT_RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 15);
const PACED = Number(process.env.BENCH_PACED ?? 10);
const PACING = process.env.BENCH_GITHUB_PACING !== '0'; // ack, report and concurrent with the deployed write pacing
const WARMUP = 5;
const uri = process.env.MLFLOW_TRACKING_URI;
if (!uri) throw new Error('MLFLOW_TRACKING_URI is not set; start MLflow as bench/README.md shows.');

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
const stats = (values: number[]) => ({
  p50: percentile(values, 50),
  p99: percentile(values, 99),
  max: Math.max(...values),
  n: values.length,
});

/** The repository's own config, pointed at this bench's experiment and MLflow; `edit` changes more lines. */
function configText(edit: (text: string) => string = (t) => t): string {
  return edit(
    readFileSync(new URL('../.github/trainbot.yml', import.meta.url), 'utf8')
      .replace(/^experiment: .*$/m, `experiment: trainbot-bench-app-${Date.now()}`)
      .replace(/^tracking_uri: .*$/m, `tracking_uri: ${uri}`),
  );
}

/**
 * The Octokit the bot deploys paces writes as GitHub asks (plugin-throttling: one POST/PATCH at a time, 1 s apart,
 * new comments 3 s apart, per process). `paced: false` keeps that class but replaces its write queues with ones
 * that only cap concurrency (as bench/load.ts does), to see the bot's own work.
 */
const github = githubOptionsFromEnv(process.env);
const Deployed = trainbotOctokit(github);
const capped = () => new Bottleneck.Group({ maxConcurrent: github.maxConcurrent });
const Unpaced = Deployed.defaults((o: Record<string, unknown>) => ({
  ...o,
  throttle: { ...(o.throttle as object), write: capped(), notifications: capped() },
}));
async function app(deps: Omit<AppDeps, 'tracking'>, tracking: MlflowClient, paced: boolean) {
  const logLevel = (process.env.BENCH_LOG_LEVEL ?? 'fatal') as 'fatal'; // `error` shows why runs failed
  const probot = new Probot({ githubToken: TEST_TOKEN, Octokit: paced ? Deployed : Unpaced, logLevel });
  await probot.load(createApp({ tracking, ...deps }));
  return probot;
}

async function ack(): Promise<string[][]> {
  const gh = fakeGitHub(configText());
  const { tracking } = deployedTracking(process.env);
  const runner = new MetricRunner({ trackingUri: uri as string, delayMs: 0 });
  const probot = await app({ runnerFor: () => runner }, tracking, PACING);
  const millis: number[] = [];
  for (let i = 0; i < WARMUP + ACK_COMMANDS; i++) {
    const commentId = 10_000 + i;
    const started = performance.now();
    await probot.receive(delivery(1 + (i % 20), commentId));
    const eyes = gh.eyesAt.get(commentId);
    if (eyes === undefined) throw new Error(`Command ${i} never reacted with eyes.`);
    if (i >= WARMUP) millis.push(eyes - started);
  }
  const s = stats(millis);
  return [
    [`webhook → 👀 request (ms), ${s.n} commands one at a time`, s.p50.toFixed(1), s.p99.toFixed(1), s.max.toFixed(1)],
  ];
}

/** `count` commands on as many PRs at once; what they cost, and when each got its 👀. */
async function burst(count: number, paced: boolean) {
  const gh = fakeGitHub(configText());
  let failedAttempts = 0; // MLflow answers that were errors or never came (each retry counts)
  const { tracking, users } = deployedTracking(process.env, {
    onRequest: (e) => {
      if (e.status === undefined || e.status >= 400) failedAttempts += 1;
    },
  });
  const runner = new MetricRunner({ trackingUri: uri as string, delayMs: Number(process.env.BENCH_RUN_MS ?? 200) });
  const probot = await app({ runnerFor: () => runner }, tracking, paced);
  await probot.receive(delivery(999, 99_999)); // warm-up: modules, connections, the experiment
  gh.requests.clear();
  failedAttempts = 0;
  const mlflowBefore = tracking.requests;
  const usersBefore = users.requests;
  const idle = process.memoryUsage();
  const peak = { rss: idle.rss, heap: idle.heapUsed };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  }, 10);
  const started = performance.now();
  const ids = Array.from({ length: count }, (_, i) => (paced ? 40_000 : 20_000) + i);
  await Promise.all(ids.map((id, i) => probot.receive(delivery(100 + i, id))));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const eyes = ids.map((id) => gh.eyesAt.get(id));
  if (eyes.some((at) => at === undefined))
    throw new Error(`Only ${eyes.filter(Boolean).length} of ${count} commands were acknowledged.`);
  return {
    gh,
    failedAttempts,
    mlflow: tracking.requests - mlflowBefore,
    users: users.requests - usersBefore,
    idle,
    peak,
    seconds,
    eyes: stats(eyes.map((at) => (at as number) - started)),
  };
}

async function concurrent(): Promise<string[][]> {
  const b = await burst(CONCURRENT, PACING);
  const per = (n: number) => (n / CONCURRENT).toFixed(2);
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  return [
    [
      `${CONCURRENT} commands on ${CONCURRENT} PRs at once, write pacing ${PACING ? 'on' : 'off'}: wall time for all (s)`,
      b.seconds.toFixed(1),
      '',
    ],
    [
      'webhook → 👀 request under that burst, p50 / p99 (ms)',
      `${b.eyes.p50.toFixed(0)} / ${b.eyes.p99.toFixed(0)}`,
      'all receive() calls start together',
    ],
    [
      'commands whose run did not finish (😕) / failed MLflow attempts of the bot',
      `${b.gh.confused} / ${b.failedAttempts}`,
      b.gh.firstFailure ?? '',
    ],
    ['GitHub requests per command', per(b.gh.total()), [...b.gh.requests].map(([r, n]) => `${r} ${per(n)}`).join('; ')],
    ['MLflow requests per command (bot only)', per(b.mlflow), "the fake containers' 2 REST calls each are not counted"],
    ['MLflow user-API requests per command', per(b.users), "the run's own user: created, granted, deleted"],
    [
      'RSS idle → peak (MB)',
      `${mb(b.idle.rss)} → ${mb(b.peak.rss)}`,
      `+${mb(b.peak.rss - b.idle.rss)} MB for ${CONCURRENT} commands`,
    ],
    [
      'JS heap used idle → peak (MB)',
      `${mb(b.idle.heapUsed)} → ${mb(b.peak.heap)}`,
      `+${((b.peak.heap - b.idle.heapUsed) / 2 ** 10 / CONCURRENT).toFixed(0)} KB per command`,
    ],
  ];
}

async function paced(): Promise<string[][]> {
  const b = await burst(PACED, true);
  return [
    [
      `${PACED} commands at once with Probot's write pacing (as deployed): wall time for all (s)`,
      b.seconds.toFixed(1),
      '',
    ],
    [
      'webhook → 👀 request under that burst, p50 / p99 (ms)',
      `${b.eyes.p50.toFixed(0)} / ${b.eyes.p99.toFixed(0)}`,
      'writes of one installation go out one at a time, 1 s apart',
    ],
    [
      'commands whose run did not finish (😕) / failed MLflow attempts of the bot',
      `${b.gh.confused} / ${b.failedAttempts}`,
      b.gh.firstFailure ?? '',
    ],
    [
      'GitHub writes (POST/PATCH) per command',
      ([...b.gh.requests].filter(([r]) => !r.startsWith('GET')).reduce((a, [, n]) => a + n, 0) / PACED).toFixed(2),
      '',
    ],
  ];
}

// The pod's "training": logs three metrics to the run the bot created and ends it FINISHED, over MLflow REST.
const TINY_TRAINING = `import json, os, time, urllib.request
import base64
base = os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/"
run = os.environ["MLFLOW_RUN_ID"]
# The run's own MLflow user, from the Secret the bot made for this Job (basic-auth, as deployed).
user = os.environ["MLFLOW_TRACKING_USERNAME"] + ":" + os.environ["MLFLOW_TRACKING_PASSWORD"]
headers = {"content-type": "application/json", "authorization": "Basic " + base64.b64encode(user.encode()).decode()}
def post(endpoint, body):
    request = urllib.request.Request(base + endpoint, json.dumps(body).encode(), headers)
    urllib.request.urlopen(request).read()
now = int(time.time() * 1000)
metrics = [{"key": k, "value": v, "timestamp": now, "step": 0} for k, v in (("rmse", 0.7), ("mae", 0.55), ("r2", 0.2))]
post("runs/log-batch", {"run_id": run, "metrics": metrics})
post("runs/update", {"run_id": run, "status": "FINISHED", "end_time": now})
`;

async function report(): Promise<string[][]> {
  if (!process.env.TRAINBOT_KUBE_ADMIN_KUBECONFIG) {
    console.error(
      'report: skipped, TRAINBOT_KUBE_ADMIN_KUBECONFIG is not set (start_kube in scripts/services/kube.sh sets it).',
    );
    return [];
  }
  const fx = await runnerFixture('bench-app');
  try {
    writeFileSync(join(fx.workdir, 'tiny_training.py'), TINY_TRAINING);
    const gh = fakeGitHub(
      configText((t) =>
        t
          .replace(/^namespace: .*$/m, `namespace: ${fx.ns.name}`)
          .replace(/^command: .*$/m, 'command: [python, tiny_training.py]'),
      ),
    );
    const { tracking } = deployedTracking(process.env);
    // Both ends on the bot's own clock, in this process: when its runner's watch saw the Job end (wait() resolved)
    // and when the final PATCH reached GitHub. A separate watch's timestamp is not on that causal path (the bot's
    // PATCH can arrive before another watcher hears of Complete), so it could yield negative "latencies".
    let waitResolvedAt: number | undefined;
    const runner: Runner = {
      dispatch: (spec) => fx.runner.dispatch(spec),
      wait: async (handle) => {
        const outcome = await fx.runner.wait(handle);
        waitResolvedAt = performance.now();
        return outcome;
      },
      logs: (handle, lines) => fx.runner.logs(handle, lines),
      cancel: (handle) => fx.runner.cancel(handle),
      active: (labels) => fx.runner.active(labels),
      claim: (key) => fx.runner.claim(key),
      release: (key) => fx.runner.release(key),
    };
    const probot = await app({ runnerFor: () => runner }, tracking, PACING);
    const settle: number[] = [];
    const endToEnd: number[] = [];
    let dropped = 0;
    for (let i = 0; i < REPORT_RUNS + 1; i++) {
      const commentId = 30_000 + i;
      waitResolvedAt = undefined;
      const started = performance.now();
      await probot.receive(delivery(1, commentId));
      const complete = waitResolvedAt as number | undefined;
      const patched = gh.lastCommentPatchAt.get(`train-${commentId}`);
      if (complete === undefined || patched === undefined)
        throw new Error(
          `Run ${i}: ${complete === undefined ? 'the runner never saw the Job end' : 'the living comment was never updated'}.`,
        );
      if (i === 0) continue; // warm-up
      // Causal on one clock, so never negative; if it ever is, the measurement is broken: say so, do not count it.
      if (patched - complete < 0) {
        dropped += 1;
        console.error(`report run ${i}: negative sample ${(patched - complete).toFixed(1)} ms dropped`);
        continue;
      }
      settle.push(patched - complete);
      endToEnd.push(patched - started);
      console.error(`report run ${i}: Job end seen by the bot → final PATCH ${(patched - complete).toFixed(1)} ms`);
    }
    const s = stats(settle);
    const e = stats(endToEnd);
    const droppedNote = dropped > 0 ? `, ${dropped} negative dropped` : '';
    return [
      [
        `Job end seen by the bot's runner → final comment PATCH (ms), ${s.n} runs${droppedNote}`,
        s.p50.toFixed(1),
        s.p99.toFixed(1),
        s.max.toFixed(1),
      ],
      [
        `webhook → final comment PATCH on Kubernetes (ms), ${e.n} runs`,
        e.p50.toFixed(0),
        e.p99.toFixed(0),
        e.max.toFixed(0),
      ],
    ];
  } finally {
    await fx.stop();
  }
}

nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/); // MLflow and the Kubernetes API stay real
console.log(
  `app-latency, GitHub write pacing ${PACING ? 'on (as deployed)' : 'off'} for ack, report and concurrent, ${new Date().toISOString()}, load average ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const latencies: string[][] = [];
const concurrency: string[][] = [];
if (MODES.includes('ack')) latencies.push(...(await ack()));
if (MODES.includes('report')) latencies.push(...(await report()));
if (MODES.includes('concurrent')) concurrency.push(...(await concurrent()));
if (MODES.includes('paced')) concurrency.push(...(await paced()));
if (latencies.length)
  console.log(markdownTable([['measure', 'p50', 'p99', 'max'], ...latencies], { align: ['l', 'r', 'r', 'r'] }));
if (concurrency.length)
  console.log(`\n${markdownTable([['measure', 'value', 'detail'], ...concurrency], { align: ['l', 'r', 'l'] })}`);
nock.restore();
