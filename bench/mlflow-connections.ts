// What a kept-alive connection to MLflow costs the bot: three of its reads in a row (runs/get, experiments/get,
// runs/search), N times, through MlflowClient with global fetch (undici, which keeps connections alive) and with
// httpFetch (src/tracking/http-fetch.ts, a connection of its own per request, the transport trainbot ships).
// Alternating, so load drifts hit both alike. Run it against MLflow on 1 and on 2 uvicorn workers (the shipped
// setting, infrastructure/variables.tf): uvicorn with --workers N leaves Nagle's algorithm on, and each request
// after the first on a kept-alive connection then waits for the client's delayed ACK.
// Run: TRAINBOT_MLFLOW_WORKERS=2 start_mlflow (scripts/services/mlflow.sh); npx tsx bench/mlflow-connections.ts [N]
import { markdownTable } from 'markdown-table';
import { loadavg } from 'node:os';
import { httpFetch } from '../src/tracking/http-fetch.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';

const N = Number(process.argv[2] ?? 41);
const transports = {
  'global fetch (undici, kept-alive connections)': MlflowClient.fromEnv(process.env, { fetch: globalThis.fetch }),
  'httpFetch (a connection per request; shipped)': MlflowClient.fromEnv(process.env, {
    fetch: httpFetch as unknown as typeof fetch,
  }),
};
const setup = Object.values(transports)[1] as MlflowClient;
const experimentId = await setup.ensureExperiment(`bench-connections-${Date.now()}`);
const run = await setup.createRun({ experimentId, runName: 'bench', tags: {} });
const workers = process.env.TRAINBOT_MLFLOW_WORKERS ?? '1'; // as start_mlflow was told

const times: Record<string, number[]> = Object.fromEntries(Object.keys(transports).map((k) => [k, []]));
for (let i = 0; i < N + 2; i++) {
  for (const [name, client] of Object.entries(transports)) {
    const started = performance.now();
    await client.getRun(run.info.runId);
    await client.getExperiment(experimentId);
    await client.searchRuns({ experimentIds: [experimentId], maxResults: 1 });
    if (i >= 2) times[name]?.push(performance.now() - started); // the first two warm up both
  }
}
const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
const at = (v: number[], q: number) => sorted(v)[Math.min(v.length - 1, Math.floor(q * v.length))] as number;
console.log(
  `mlflow-connections, ${N} rounds, MLflow ${setup.url} (--workers ${workers}), ${new Date().toISOString()}, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
console.log(
  markdownTable(
    [
      ['transport', '3 reads in a row, p50 (ms)', 'min (ms)', 'p90 (ms)'],
      ...Object.entries(times).map(([name, v]) => [
        name,
        at(v, 0.5).toFixed(1),
        at(v, 0).toFixed(1),
        at(v, 0.9).toFixed(1),
      ]),
    ],
    { align: ['l', 'r', 'r', 'r'] },
  ),
);
