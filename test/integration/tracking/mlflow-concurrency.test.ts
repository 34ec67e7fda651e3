// The queue in front of the real MLflow + PostgreSQL that scripts/test.sh starts (MLFLOW_TRACKING_URI): a burst of
// run creations and reads from one client keeps at most maxConcurrent requests in flight, and every one lands.
import { expect, it } from '@jest/globals';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';

if (!process.env.MLFLOW_TRACKING_URI) {
  throw new Error(
    'MLFLOW_TRACKING_URI is not set; run these tests through scripts/test.sh, which starts MLflow and sets it.',
  );
}

it('keeps a burst of 60 run creations and reads at 3 in flight, with no failed attempt', async () => {
  const failed: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const counting: typeof fetch = async (...args) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    try {
      return await fetch(...args);
    } finally {
      inFlight -= 1;
    }
  };
  const client = MlflowClient.fromEnv(process.env, {
    maxConcurrent: 3,
    fetch: counting,
    onRequest: (e) => {
      if (e.status === undefined || e.status >= 400) failed.push(`${e.endpoint} ${e.status ?? 'no answer'}`);
    },
  });
  const experimentId = await client.ensureExperiment(`trainbot-concurrency-${Date.now()}-${process.pid}`);
  failed.length = 0; // the lookup's 404 before the experiment is created is expected
  peak = 0;
  const runs = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const run = await client.createRun({ experimentId, runName: `burst-${i}`, tags: {} });
      return client.getRun(run.info.runId);
    }),
  );
  expect(runs.map((r) => r.info.runName).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `burst-${i}`).sort());
  expect(failed).toEqual([]);
  expect(peak).toBe(3);
  expect(client.limit.peakActive).toBe(3);
  expect(client.limit.peakQueued).toBeGreaterThan(0);
}, 60_000);
