// Does a report get slower as the MLflow server fills up? One run's report reads the candidate run and finds its
// baseline. Before pointers, finding it was a runs/search on tag values, which MLflow's PostgreSQL answers by
// reading the tags of every run on the server; with the pointer (src/tracking/pointed-baseline.ts) it is one
// experiments/get and one runs/get. This bench seeds 1,000, 100,000 and 1,000,000 runs straight into MLflow's
// PostgreSQL (REST would take days for a million), spread over 50 experiments with the tags, params and metrics
// trainbot's runs have, and times both report paths against the real `mlflow server` on that database.
// Run (a throwaway MLflow; the seeded rows are deleted at the end):
//   source scripts/setup.sh && set +euo pipefail && source scripts/lib.sh && source scripts/services/mlflow.sh \
//     && start_mlflow && npx tsx bench/baseline-scale.ts        (BENCH_SIZES=1000,100000 to shorten)
// It needs MLFLOW_TRACKING_URI (+ credentials) and TRAINBOT_TEST_PG_URL (MLflow's database), as start_mlflow exports.
import { spawnSync } from 'node:child_process';
import { markdownTable } from 'markdown-table';
import { type RunOrigin, originTags } from '../src/runs/run-contract.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import { moveBaselinePointer } from '../src/tracking/pointed-baseline.js';
import { type BaselineQuery, lookupBaseline, searchBaseline } from '../src/tracking/run-queries.js';

const SIZES = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 30);
const WARMUP = 3;
const EXPERIMENTS = 50; // the seeded runs are spread over this many experiments, the measured pair among them
const BATCH = 100_000; // runs per INSERT … SELECT generate_series: one statement per table per batch
const GOAL = 1.2; // issue 13: the report's p50 at 1,000,000 runs within 1.2x of its p50 at 1,000
const PREFIX = 'seed'; // seeded run ids; real MLflow ids are 32 hex digits, so they never start with it
const REPO = 'acme/wine';
const PARAMS = 'alpha=0.5 l1_ratio=0.2';
const PSQL = `${process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'}/psql`;

function psql(database: string, sql: string): string {
  const done = spawnSync(PSQL, ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (done.status !== 0) throw new Error(`psql failed: ${done.stderr}`);
  return done.stdout.trim();
}

/** A seeded run's id, 32 characters as MLflow's. */
const runUuid = (i: string) => `'${PREFIX}' || lpad(to_hex(${i}), 28, '0')`;

/**
 * Seeds runs [from, to) in SQL, BATCH at a time. Run i is in experiment i % 50 of `experiments` (0: the measured
 * candidates, 1: the measured baselines; the others other repositories'), a baseline on main in the odd ones and
 * a PR candidate in the even ones, with 12 tags, 3 params and 3 metrics like a trainbot run. Every seeded run is
 * older than the measured baseline, so both paths must find that one.
 */
function seed(database: string, experiments: readonly string[], from: number, to: number): void {
  const exp = `(ARRAY[${experiments.join(',')}])[(i % ${EXPERIMENTS}) + 1]`;
  const repo = `CASE WHEN i % ${EXPERIMENTS} < 2 THEN '${REPO}' ELSE 'org-' || (i % ${EXPERIMENTS} / 2) || '/model' END`;
  const baseline = `i % 2 = 1`;
  const alpha = `(ARRAY['0.1','0.5','1'])[(i % 3) + 1]`;
  const ratio = `(ARRAY['0.2','0.5','0.8'])[(i / 3 % 3) + 1]`;
  const sha = `md5(i::text) || lpad(to_hex(i), 8, '0')`;
  for (let start = from; start < to; start += BATCH) {
    const end = Math.min(to, start + BATCH) - 1;
    const series = `generate_series(${start}, ${end}) AS i`;
    psql(
      database,
      `BEGIN;
      INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
                        end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
        SELECT ${runUuid('i')}, 'seed-' || i, 'UNKNOWN', '', '', 'trainbot', 'FINISHED', 1600000000000 + i * 1000,
               1600000000000 + i * 1000 + 600, '', 'active', 'mlflow-artifacts:/seed/' || i, ${exp}
        FROM ${series};
      INSERT INTO tags (key, value, run_uuid)
        SELECT t.key, t.value, ${runUuid('i')} FROM ${series} CROSS JOIN LATERAL (VALUES
          ('mlflow.runName', 'seed-' || i), ('mlflow.user', 'trainbot'), ('mlflow.source.type', 'LOCAL'),
          ('mlflow.source.git.commit', ${sha}), ('trainbot.repo', ${repo}), ('trainbot.sha', ${sha}),
          ('trainbot.branch', CASE WHEN ${baseline} THEN 'main' ELSE 'feature-' || (i % 200) END),
          ('trainbot.request', CASE WHEN ${baseline} THEN 'merge-' || i ELSE 'comment-' || i END),
          ('trainbot.role', CASE WHEN ${baseline} THEN 'baseline' ELSE 'candidate' END),
          ('trainbot.params', 'alpha=' || ${alpha} || ' l1_ratio=' || ${ratio}),
          ('trainbot.pr', (i % 200)::text), ('trainbot.signature', md5(i::text) || md5((i + 1)::text))
        ) AS t(key, value);
      INSERT INTO params (key, value, run_uuid)
        SELECT p.key, p.value, ${runUuid('i')} FROM ${series} CROSS JOIN LATERAL (VALUES
          ('alpha', ${alpha}), ('l1_ratio', ${ratio}), ('seed', '42')) AS p(key, value);
      ${['metrics', 'latest_metrics']
        .map(
          (table) => `INSERT INTO ${table} (key, value, timestamp, run_uuid, step, is_nan)
        SELECT m.key, m.value, 1600000000000 + i * 1000 + 500, ${runUuid('i')}, 0, false FROM ${series}
        CROSS JOIN LATERAL (VALUES ('rmse', 0.6 + (i % 97) / 1000.0), ('mae', 0.5 + (i % 89) / 1000.0),
                                   ('r2', 0.1 + (i % 83) / 1000.0)) AS m(key, value);`,
        )
        .join('\n      ')}
      COMMIT;`,
    );
    console.error(`  seeded runs ${start.toLocaleString('en-US')}–${end.toLocaleString('en-US')}`);
  }
  // What autovacuum would do after a bulk load; without it the planner guesses from an empty table.
  psql(database, 'ANALYZE runs; ANALYZE tags; ANALYZE params; ANALYZE metrics; ANALYZE latest_metrics;');
}

function unseed(database: string): void {
  const seeded = `run_uuid LIKE '${PREFIX}%'`;
  psql(
    database,
    `BEGIN; DELETE FROM latest_metrics WHERE ${seeded}; DELETE FROM metrics WHERE ${seeded};
     DELETE FROM params WHERE ${seeded}; DELETE FROM tags WHERE ${seeded}; DELETE FROM runs WHERE ${seeded}; COMMIT;`,
  );
}

type Mode = 'search' | 'pointer';
interface Row {
  runs: number;
  seedSeconds: number;
  tagRows: number;
  millis: Record<Mode, number[]>;
  requests: Record<Mode, Set<number>>;
}

/** Creates a bot-tagged run over REST and ends it FINISHED with metrics, as a finished trainbot run is. */
async function botRun(client: MlflowClient, experimentId: string, origin: RunOrigin): Promise<string> {
  const run = await client.createRun({ experimentId, runName: `bench-${origin.role}`, tags: originTags(origin) });
  await client.setTerminated(run.info.runId, 'FINISHED');
  return run.info.runId;
}

async function measure(client: MlflowClient, query: BaselineQuery, candidateId: string, baselineId: string) {
  const millis: Record<Mode, number[]> = { search: [], pointer: [] };
  const requests: Record<Mode, Set<number>> = { search: new Set(), pointer: new Set() };
  const find = { search: searchBaseline, pointer: lookupBaseline };
  for (let rep = 0; rep < WARMUP + REPETITIONS; rep++) {
    // Alternated, so both paths see the same load from the rest of the machine.
    for (const mode of ['search', 'pointer'] as const) {
      const before = client.requests;
      const started = performance.now();
      await client.getRun(candidateId);
      const found = await find[mode](client, query);
      const took = performance.now() - started;
      if (found.run?.info.runId !== baselineId)
        throw new Error(`The ${mode} path found ${found.run?.info.runId ?? 'no baseline'}, not the bench's baseline.`);
      if (rep < WARMUP) continue;
      millis[mode].push(took);
      requests[mode].add(client.requests - before);
    }
  }
  return { millis, requests };
}

/** Nearest-rank percentile. */
function p(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))] ?? NaN;
}

function render(rows: Row[]): string {
  const first = rows[0];
  const scale = (row: Row, mode: Mode) =>
    first ? (p(row.millis[mode], 50) / p(first.millis[mode], 50)).toFixed(2) : '';
  return markdownTable(
    [
      [
        'runs on the server',
        'tag rows',
        'seeding (s)',
        'search: requests',
        'search: p50 (ms)',
        'search: p99 (ms)',
        'search: p50 ÷ first',
        'pointer: requests',
        'pointer: p50 (ms)',
        'pointer: p99 (ms)',
        'pointer: p50 ÷ first',
      ],
      ...rows.map((row) => [
        row.runs.toLocaleString('en-US'),
        row.tagRows.toLocaleString('en-US'),
        row.seedSeconds.toFixed(0),
        [...row.requests.search].join('/'),
        p(row.millis.search, 50).toFixed(1),
        p(row.millis.search, 99).toFixed(1),
        scale(row, 'search'),
        [...row.requests.pointer].join('/'),
        p(row.millis.pointer, 50).toFixed(1),
        p(row.millis.pointer, 99).toFixed(1),
        scale(row, 'pointer'),
      ]),
    ],
    { align: ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] },
  );
}

async function main(): Promise<void> {
  const database = process.env.TRAINBOT_TEST_PG_URL;
  if (!database) throw new Error("TRAINBOT_TEST_PG_URL is not set: point it at MLflow's PostgreSQL database.");
  const client = MlflowClient.fromEnv(process.env);
  const name = `baseline-scale-${Date.now()}`;
  const candidates = await client.ensureExperiment(name);
  const baselines = await client.ensureExperiment(`${name}/baselines`);
  const others: string[] = [];
  for (let e = 2; e < EXPERIMENTS; e++) others.push(await client.ensureExperiment(`${name}-other-${e}`));
  const experiments = [candidates, baselines, ...others];

  const query: BaselineQuery = { experimentId: baselines, repo: REPO, branch: 'main', params: PARAMS };
  const origin = { repo: REPO, sha: 'b'.repeat(40), params: PARAMS };
  const baselineId = await botRun(client, baselines, {
    ...origin,
    branch: 'main',
    request: 'merge-1',
    role: 'baseline',
  });
  const candidateId = await botRun(client, candidates, {
    ...origin,
    pr: 7,
    branch: 'tune',
    request: 'comment-1',
    role: 'candidate',
  });
  if (!(await moveBaselinePointer(client, query, [baselineId]))) throw new Error('The pointer did not move.');

  const rows: Row[] = [];
  let seeded = 0;
  try {
    for (const size of SIZES) {
      const started = performance.now();
      seed(database, experiments, seeded, size);
      const seedSeconds = (performance.now() - started) / 1000;
      seeded = size;
      const tagRows = Number(psql(database, 'SELECT count(*) FROM tags'));
      console.error(`${size.toLocaleString('en-US')} runs seeded (${seedSeconds.toFixed(0)} s); measuring`);
      rows.push({ runs: size, seedSeconds, tagRows, ...(await measure(client, query, candidateId, baselineId)) });
    }
  } finally {
    const started = performance.now();
    unseed(database);
    console.error(`seeded rows deleted in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  console.log(
    `MLflow ${client.url}, PostgreSQL ${psql(database, 'SHOW server_version')}, ${REPETITIONS} reports per path ` +
      `and size after ${WARMUP} warm-up, ${new Date().toISOString()}; a report = runs/get(candidate) + finding the baseline`,
  );
  console.log(render(rows));
  const [first, last] = [rows[0], rows.at(-1)];
  if (first && last && rows.length > 1) {
    const ratio = p(last.millis.pointer, 50) / p(first.millis.pointer, 50);
    const search = p(last.millis.search, 50) / p(first.millis.search, 50);
    console.log(
      `pointer p50 at ${last.runs.toLocaleString('en-US')} runs is ${ratio.toFixed(2)}x its p50 at ` +
        `${first.runs.toLocaleString('en-US')} (goal ≤ ${GOAL}x); the search's is ${search.toFixed(2)}x.`,
    );
    if (ratio > GOAL) process.exitCode = 1;
  }
}

await main();
