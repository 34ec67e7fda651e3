// What one run's report costs in MLflow as an experiment grows: getRun(candidate) + findBaseline(...), in
// requests and latency, at 100, 1,000 and 10,000 bot-tagged runs. The request count must not grow with the
// experiment; the latency shows what the search costs the server.
// Run: MLFLOW_TRACKING_URI=http://127.0.0.1:PORT npx tsx bench/report-requests.ts   (BENCH_SIZES=100,1000 to shorten)
import { markdownTable } from 'markdown-table';
import { type RunOrigin, originTags } from '../src/runs/run-contract.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import { findBaseline } from '../src/tracking/run-queries.js';

const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
const REPETITIONS = 30;
const WARMUP = 3;
const CONCURRENCY = 8;
const REPO = 'acme/wine';
const PARAMS = 'alpha=0.5 l1_ratio=0.2';
const ALPHAS = ['0.1', '0.5', '1'];
const RATIOS = ['0.2', '0.5', '0.8'];

/** The i-th seeded run: mostly PR candidates over a 3x3 grid, every 10th a main-branch baseline. */
export function seedOrigin(i: number): RunOrigin {
  const params = `alpha=${ALPHAS[i % 3]} l1_ratio=${RATIOS[Math.floor(i / 3) % 3]}`;
  const sha = i.toString(16).padStart(40, '0');
  if (i % 10 === 0) return { repo: REPO, sha, branch: 'main', request: `merge-${i}`, role: 'baseline', params };
  const pr = 1 + (i % 200);
  return { repo: REPO, pr, sha, branch: `feature-${pr}`, request: `comment-${i}`, role: 'candidate', params };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Creates and finishes runs [from, to): two requests each, CONCURRENCY at a time. */
async function seed(client: MlflowClient, experimentId: string, from: number, to: number): Promise<void> {
  const indexes = Array.from({ length: to - from }, (_, k) => from + k);
  await pool(indexes, CONCURRENCY, async (i) => {
    const startTime = 1_700_000_000_000 + i * 60_000;
    const run = await client.createRun({
      experimentId,
      runName: `bench-${i}`,
      startTime,
      tags: originTags(seedOrigin(i)),
    });
    await client.setTerminated(run.info.runId, 'FINISHED', startTime + 30_000);
  });
}

interface Row {
  runs: number;
  seedSeconds: number;
  requests: number[];
  millis: number[];
  baselineMillis: number[];
  baselineName: string;
}

async function measure(
  client: MlflowClient,
  experimentId: string,
  candidateId: string,
): Promise<Omit<Row, 'runs' | 'seedSeconds'>> {
  const requests: number[] = [];
  const millis: number[] = [];
  const baselineMillis: number[] = [];
  let baselineName = '';
  for (let rep = 0; rep < WARMUP + REPETITIONS; rep++) {
    const before = client.requests;
    const started = performance.now();
    const candidate = await client.getRun(candidateId);
    const searchStarted = performance.now();
    const baseline = await findBaseline(client, { experimentId, repo: REPO, branch: 'main', params: PARAMS });
    const done = performance.now();
    if (!baseline) throw new Error('The benchmark found no baseline, so the seeded runs are not what it expects.');
    if (rep < WARMUP) continue;
    requests.push(client.requests - before);
    millis.push(done - started);
    baselineMillis.push(done - searchStarted);
    baselineName = `${baseline.info.runName} (candidate ${candidate.info.runName})`;
  }
  return { requests, millis, baselineMillis, baselineName };
}

function render(rows: Row[]): string {
  const ms = (values: number[], p: number) =>
    percentile(
      [...values].sort((a, b) => a - b),
      p,
    ).toFixed(1);
  return markdownTable(
    [
      [
        'runs in experiment',
        'seeding (s)',
        'requests per report',
        'report p50 (ms)',
        'report p99 (ms)',
        'findBaseline p50 (ms)',
        'findBaseline p99 (ms)',
      ],
      ...rows.map((row) => [
        row.runs.toLocaleString('en-US'),
        row.seedSeconds.toFixed(1),
        [...new Set(row.requests)].join('/'),
        ms(row.millis, 50),
        ms(row.millis, 99),
        ms(row.baselineMillis, 50),
        ms(row.baselineMillis, 99),
      ]),
    ],
    { align: ['r', 'r', 'r', 'r', 'r', 'r', 'r'] },
  );
}

async function main(): Promise<void> {
  const client = MlflowClient.fromEnv(process.env);
  const experimentId = await client.ensureExperiment(`trainbot-bench-${Date.now()}`);
  const rows: Row[] = [];
  let seeded = 0;
  for (const size of SIZES) {
    const started = performance.now();
    await seed(client, experimentId, seeded, size);
    const seedSeconds = (performance.now() - started) / 1000;
    console.error(`seeded ${size - seeded} runs (total ${size}) in ${seedSeconds.toFixed(1)} s`);
    seeded = size;
    // The candidate is a PR run from the middle of the experiment, so getRun is not helped by recency.
    const [candidate] = (
      await client.searchRuns({
        experimentIds: [experimentId],
        filter: `attributes.run_name = 'bench-${Math.floor(size / 2) + 1}'`,
        maxResults: 1,
      })
    ).runs;
    if (!candidate) throw new Error(`The seeded run bench-${Math.floor(size / 2) + 1} is missing.`);
    const row = { runs: size, seedSeconds, ...(await measure(client, experimentId, candidate.info.runId)) };
    console.error(`  ${row.baselineName}`);
    rows.push(row);
  }
  console.log(
    `MLflow at ${client.url}, ${REPETITIONS} reports per size after ${WARMUP} warm-up, ${new Date().toISOString()}`,
  );
  console.log(render(rows));
  if (rows.some((row) => row.requests.some((count) => count > 3))) {
    console.error('A report took more than 3 requests to MLflow.');
    process.exitCode = 1;
  }
}

await main();
