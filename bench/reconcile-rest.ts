// What the reconciler costs when there is nothing to do: the requests one pass makes, and how long it takes,
// with 0 and with N finished requests in the namespace (their Jobs kept until their TTL, their claims released,
// their MLflow runs FINISHED), on the loopback API server with the bot's own RBAC and the real MLflow.
// Requests are counted at the ports (each Runner/Tracking/GitHub call is one HTTP request here: the lists are
// not paginated below 500 items).
// Run: . scripts/lib.sh; source scripts/setup.sh; . scripts/services/mlflow.sh; . scripts/services/kube.sh;
//      start_mlflow; start_kube; npx tsx bench/reconcile-rest.ts [finished=100]
import { reconcileOnce } from '../src/pipeline/reconcile.js';
import { originLabels } from '../src/runs/job-spec.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import type { Tracking } from '../src/tracking/tracking.js';
import { pythonSpec, runnerFixture } from '../test/support/kube-runner-fixture.js';

const finished = Number(process.argv[2] ?? 100);
const PASSES = 20;
const INTERVAL_S = 60;

/** The object with every method call counted. */
function counted<T extends object>(target: T, counter: { calls: number }): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        counter.calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

async function measure(
  label: string,
  fx: Awaited<ReturnType<typeof runnerFixture>>,
  tracking: Tracking,
): Promise<string> {
  const kube = { calls: 0 };
  const mlflow = { calls: 0 };
  const github = { calls: 0 };
  const deps = {
    runner: counted(fx.runner, kube),
    tracking: counted(tracking, mlflow),
    log: { info: () => undefined, error: () => undefined },
    githubFor: async () => {
      github.calls += 1;
      return undefined;
    },
  };
  const times: number[] = [];
  for (let i = 0; i < PASSES; i++) {
    const t0 = performance.now();
    const actions = await reconcileOnce(deps);
    times.push(performance.now() - t0);
    if (actions.length > 0) throw new Error(`${label}: a pass at rest planned ${JSON.stringify(actions)}`);
  }
  times.sort((a, b) => a - b);
  const per = (c: { calls: number }) => c.calls / PASSES;
  return `| ${label} | ${per(kube)} | ${per(mlflow)} | ${per(github)} | ${(per(kube) + per(mlflow) + per(github)) * (60 / INTERVAL_S)} | ${times[Math.floor(PASSES / 2)]?.toFixed(1)} ms | ${times.at(-1)?.toFixed(1)} ms |`;
}

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri) throw new Error('MLFLOW_TRACKING_URI is not set: start MLflow first (see the header).');
const tracking = MlflowClient.fromEnv({ MLFLOW_TRACKING_URI: trackingUri });
const fx = await runnerFixture('bench-rec');
try {
  const rows = [await measure('0 requests', fx, tracking)];
  const experimentId = await tracking.ensureExperiment(`trainbot-bench-reconcile-${Date.now()}`);
  process.stderr.write(`running ${finished} finished requests…\n`);
  await Promise.all(
    Array.from({ length: finished }, async (_, i) => {
      const origin = {
        repo: 'acme/models',
        pr: 1,
        request: String(1000 + i),
        sha: 'a'.repeat(40),
        role: 'candidate' as const,
      };
      const run = await tracking.createRun({
        experimentId,
        runName: `rest-${i}`,
        tags: { 'trainbot.repo': origin.repo, 'trainbot.request': origin.request },
      });
      const handle = await fx.runner.dispatch(pythonSpec(`rest-${i}`, 'pass', { labels: originLabels(origin) }));
      const outcome = await fx.runner.wait(handle);
      if (outcome.status !== 'succeeded') throw new Error(`request ${i}: ${JSON.stringify(outcome)}`);
      await tracking.setTerminated(run.info.runId, 'FINISHED');
    }),
  );
  rows.push(await measure(`${finished} finished requests`, fx, tracking));
  console.log(
    `Reconciler at rest: ${PASSES} passes each, requests per pass; per minute at the default ${INTERVAL_S} s interval.\n`,
  );
  console.log('| namespace holds | Kubernetes | MLflow | GitHub | requests / min | pass p50 | pass max |');
  console.log('| --- | --: | --: | --: | --: | --: | --: |');
  for (const row of rows) console.log(row);
} finally {
  await fx.stop();
}
