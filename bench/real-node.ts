// `/train` on the real node (scripts/services/node.sh), end to end: a webhook through the Probot app → the Job
// (bot's RBAC-bound account) → the kubelet runs the training image (containerd + runc) → train.py logs to MLflow
// → the report is posted. For each of N runs (default 5) it records, from the webhook's arrival:
//   Pod Running   the Pod's phase turned Running (an admin watch on Pods)
//   Job Complete  the Job's Complete condition (an admin watch on Jobs)
//   report        the living comment's final PATCH, with the table, reached (faked) GitHub
// The first run also pulls the image unless an earlier run did; it is reported on its own line.
// Run (services started as bench/README.md shows, plus start_registry and start_node):
//   npx tsx bench/real-node.ts
import { readFileSync } from 'node:fs';
import { BatchV1Api, CoreV1Api, Watch, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { markdownTable } from 'markdown-table';
import nock from 'nock';
import { Probot } from 'probot';
import { createApp } from '../src/index.js';
import { KubernetesRunner } from '../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../src/runners/kubernetes/rbac-rules.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import { MlflowRunCredentials, withRunCredentials } from '../src/tracking/run-credentials.js';
import { issueCommentEvent } from '../test/support/github-events.js';
import { TEST_TOKEN, TestOctokit } from '../test/support/github-probot.js';
import { createRealNodeNamespace, realNode, realNodeConfig, tagImage } from '../test/support/real-node.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const uri = process.env.MLFLOW_TRACKING_URI;
if (!uri) throw new Error('MLFLOW_TRACKING_URI is not set; start the services as bench/README.md shows.');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** GitHub for PR `pr` with head sha `sha`: the config on main, write permission, comments kept in memory. */
function fakeGitHub(config: string, sha: string, onReport: (at: number) => void): void {
  nock.cleanAll();
  const comments: { id: number; body: string; user: { login: string; type: string } }[] = [];
  const repo = { full_name: 'Codertocat/Hello-World' };
  const api = nock('https://api.github.com').persist();
  const json = async (request: Request) => (await request.json()) as { body?: string };
  api
    .get(/\/pulls\/\d+$/)
    .reply(200, () => ({ number: 1, state: 'open', head: { sha, ref: 'bench', repo }, base: { ref: 'main', repo } }));
  api
    .get(/\/contents\/.+$/)
    .query(true)
    .reply(200, () => ({ type: 'file', encoding: 'base64', content: Buffer.from(config).toString('base64') }));
  api.get(/\/permission$/).reply(200, { permission: 'write', role_name: 'write', user: { login: 'Codertocat' } });
  api.post(/\/reactions$/).reply(201, { id: 1 });
  api.post(/\/check-runs$/).reply(201, { id: 77 });
  api.patch(/\/check-runs\/\d+$/).reply(200, { id: 77 });
  api
    .get(/\/issues\/\d+\/comments$/)
    .query(true)
    .reply(200, () => comments);
  api.post(/\/issues\/\d+\/comments$/).reply(201, async (request: Request) => {
    const comment = {
      id: 500 + comments.length,
      body: (await json(request)).body ?? '',
      user: { login: 'trainbot[bot]', type: 'Bot' },
    };
    comments.push(comment);
    return comment;
  });
  api.patch(/\/issues\/comments\/\d+$/).reply(200, async (request: Request) => {
    const body = (await json(request)).body ?? '';
    if (body.includes('| **rmse** (primary) |')) onReport(performance.now());
    const id = Number(/(\d+)$/.exec(new URL(request.url).pathname)?.[1]);
    const comment = comments.find((c) => c.id === id);
    if (comment) comment.body = body;
    return comment ?? {};
  });
}

async function main(): Promise<void> {
  const node = realNode();
  const ns = await createRealNodeNamespace(node, 'bench-real');
  // As the deployed bot: the harness's MLflow admin, and each Job its own MLflow user.
  const tracking = withRunCredentials(
    MlflowClient.fromEnv(process.env),
    MlflowRunCredentials.fromEnv(process.env, (m) => process.stderr.write(`${m}\n`)),
  );
  const bot = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
  const runner = new KubernetesRunner({ namespace: ns.name, kubeConfig: bot, podCheckMs: 500 });
  const sha = 'b'.repeat(40);
  await tagImage(node.image, node.tag, sha);
  const config = realNodeConfig(node, ns.name, `bench-real-node-${Date.now()}`);
  const marks = new Map<string, { pod?: number; job?: number }>();
  const mark = (name: string, key: 'pod' | 'job') => {
    const entry = marks.get(name) ?? {};
    entry[key] ??= performance.now();
    marks.set(name, entry);
  };
  const watch = new Watch(ns.admin);
  const pods = await watch.watch(
    `/api/v1/namespaces/${ns.name}/pods`,
    {},
    (_type, pod: V1Pod) => {
      const job = pod.metadata?.labels?.['batch.kubernetes.io/job-name'];
      if (job && pod.status?.phase === 'Running') mark(job, 'pod');
    },
    () => undefined,
  );
  const jobs = await watch.watch(
    `/apis/batch/v1/namespaces/${ns.name}/jobs`,
    {},
    (_type, job: V1Job) => {
      if (job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
        mark(job.metadata!.name!, 'job');
    },
    () => undefined,
  );

  const probot = new Probot({
    githubToken: TEST_TOKEN,
    Octokit: TestOctokit.defaults((o: object) => ({ ...o, throttle: { enabled: false } })),
    logLevel: 'fatal',
  });
  await probot.load(createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0 }));
  const rows: { pod: number; job: number; report: number }[] = [];
  const before = await ns.admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns.name });
  if (before.items.length > 0) throw new Error('the bench namespace is not empty');
  for (let i = 0; i < RUNS + 1; i++) {
    let reportAt: number | undefined;
    fakeGitHub(config, sha, (at) => {
      reportAt = at;
    });
    const event = issueCommentEvent({ body: `/train alpha=0.${i + 1}` });
    event.payload.comment.id = 70_000 + i;
    const started = performance.now();
    await probot.receive({ ...event, id: `bench-real-${i}` });
    const jobList = await ns.admin
      .makeApiClient(BatchV1Api)
      .listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${70_000 + i}` });
    const name = jobList.items[0]?.metadata?.name ?? '';
    const m = marks.get(name);
    if (!m?.pod || !m.job || reportAt === undefined)
      throw new Error(`run ${i} (${name}) did not finish with a report: ${JSON.stringify(m)}`);
    rows.push({ pod: (m.pod - started) / 1000, job: (m.job - started) / 1000, report: (reportAt - started) / 1000 });
    process.stderr.write(`run ${i}: ${JSON.stringify(rows.at(-1))}\n`);
  }
  pods.abort();
  jobs.abort();
  await ns.delete();

  const [first, ...rest] = rows;
  const line = (what: string, key: 'pod' | 'job' | 'report') => {
    const values = rest.map((r) => r[key]);
    return [what, percentile(values, 50).toFixed(1), Math.max(...values).toFixed(1), first![key].toFixed(1)];
  };
  console.log(
    markdownTable([
      [
        'from the webhook to … (s)',
        `p50 of ${rest.length}`,
        'max',
        'first run (pulls the image if not yet on the node)',
      ],
      line('Pod Running', 'pod'),
      line('Job Complete', 'job'),
      line('report posted', 'report'),
    ]),
  );
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\n${RUNS} timed runs after one first run; load average at the end: ${load}`);
}

await main();
