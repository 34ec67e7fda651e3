// `trainbot compare` as users run it, a whole process, side by side in one run with what they write today
// (issue 13, point 5), on one real MLflow server (basic auth, PostgreSQL) with 10,000 runs in the candidates
// experiment and 10,000 in the baselines one:
//   - `node bin/trainbot.js compare RUN_ID` (the baselines experiment's id already remembered);
//   - bench/compare_mlflow_client.py: MLflow's client (mlflow.get_run + mlflow.search_runs) and pandas;
//   - bench/compare_urllib.py: the 2 REST calls the issue's plain script makes (runs/get, the baseline's tag
//     search), with Python's urllib;
//   - bench/compare_urllib_pointer.py: trainbot's own 2 REST calls (the pointer's experiments/get, one runs/search
//     by run id), with Python's urllib: what a process making exactly trainbot's requests costs at least.
// N rounds, the four alternating so load drifts hit all alike; then each once more through a counting
// loopback proxy for its MLflow requests. A real baseline and candidate come from one `trainbot run`; the
// other runs are written straight into MLflow's PostgreSQL (REST with basic auth would take minutes).
// Run (from the repository root, services as bench/README.md shows):
//   npm run build; npx tsx bench/compare.ts [N]     (needs MLFLOW_TRACKING_URI, _USERNAME/_PASSWORD, TRAINBOT_TEST_PG_URL)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { markdownTable } from 'markdown-table';
import { startCountingProxy } from '../test/support/counting-proxy.js';

const N = Number(process.argv[2] ?? 15);
const SEEDED = 10_000;
const root = resolve(import.meta.dirname, '..');
const uri = process.env.MLFLOW_TRACKING_URI;
const pg = process.env.TRAINBOT_TEST_PG_URL;
if (!uri || !pg || !process.env.MLFLOW_TRACKING_USERNAME)
  throw new Error(
    'Start MLflow as bench/README.md shows: MLFLOW_TRACKING_URI, its credential and TRAINBOT_TEST_PG_URL.',
  );
const PSQL = process.env.PSQL ?? '/usr/lib/postgresql/15/bin/psql';

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; out: string }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', fail);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) fail(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${err.slice(-2000)}`));
      else done({ ms, out });
    });
  });
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

// 1. A real baseline and candidate, as a user makes them, in an experiment of this bench's own.
const experiment = `bench-compare-${Date.now()}`;
const scratch = mkdtempSync(join(tmpdir(), 'trainbot-bench-compare-'));
const config = join(scratch, 'trainbot.yml');
writeFileSync(
  config,
  readFileSync(join(root, '.github/trainbot.yml'), 'utf8').replace(/^experiment: .*$/m, `experiment: ${experiment}`),
);
console.error('training a baseline and a candidate (trainbot run "/train alpha=0.1")…');
const trained = JSON.parse(
  (
    await timed(
      process.execPath,
      ['bin/trainbot.js', 'run', '/train alpha=0.1', '--config', config, '--json'],
      process.env,
    )
  ).out,
) as { runs: { runId: string }[]; baseline: { runId: string } };
const runId = trained.runs[0]?.runId as string;
const sql = (text: string) =>
  execFileSync(PSQL, [pg, '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', text], { encoding: 'utf8' }).trim();
const experimentId = (name: string) => sql(`SELECT experiment_id FROM experiments WHERE name = '${name}'`);
const candidates = experimentId(experiment);
const baselines = experimentId(`${experiment}/baselines`);
const repo = sql(`SELECT tags.value FROM tags WHERE run_uuid = '${trained.baseline.runId}' AND key = 'trainbot.repo'`);
const params = sql(`SELECT value FROM tags WHERE run_uuid = '${trained.baseline.runId}' AND key = 'trainbot.params'`);

// 2. 10,000 more bot-tagged runs in each experiment, older than the real ones: candidates of 100 PRs, and
// baselines of which one in ten has the default params (so the search has matches to sort, not just one).
function seed(experimentId: string, role: 'candidate' | 'baseline'): void {
  const started = performance.now();
  const id = `md5('${role}-' || g || '-' || ${experimentId})`;
  const runs = `FROM generate_series(1, ${SEEDED}) AS g`;
  const t0 = Date.now() - 86_400_000;
  sql(`BEGIN;
    INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time,
      source_version, lifecycle_stage, artifact_uri, experiment_id)
      SELECT ${id}, 'seed-${role}-' || g, 'LOCAL', '', '', 'bench', 'FINISHED', ${t0} - g * 1000, ${t0} - g * 1000 + 500,
        '', 'active', '', ${experimentId} ${runs};
    INSERT INTO tags (key, value, run_uuid)
      SELECT t.key, t.value, ${id} ${runs}, LATERAL (VALUES
        ('trainbot.repo', '${repo}'), ('trainbot.role', '${role}'), ('trainbot.branch', 'main'),
        ('trainbot.sha', md5(g::text)), ('trainbot.request', 'seed-' || g),
        ('trainbot.params', CASE WHEN g % 10 = 0 THEN '${params}' ELSE 'alpha=' || (g % 97) || ' l1_ratio=0.5 seed=42' END)
        ${role === 'candidate' ? ", ('trainbot.pr', (g % 100)::text)" : ''}) AS t(key, value);
    INSERT INTO params (key, value, run_uuid)
      SELECT p.key, p.value, ${id} ${runs}, LATERAL (VALUES ('alpha', (g % 97)::text), ('l1_ratio', '0.5'), ('seed', '42')) AS p(key, value);
    INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)
      SELECT m.key, m.value, ${t0}, 0, false, ${id} ${runs}, LATERAL (VALUES ('rmse', 0.7 + g % 10 * 0.01), ('mae', 0.5), ('r2', 0.3)) AS m(key, value);
    INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid)
      SELECT key, value, timestamp, step, is_nan, run_uuid FROM latest_metrics WHERE run_uuid IN (SELECT ${id} ${runs});
    COMMIT;`);
  console.error(
    `seeded ${SEEDED} ${role} runs into experiment ${experimentId} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
seed(candidates, 'candidate');
seed(baselines, 'baseline');
const counts = sql(
  `SELECT experiment_id || ':' || count(*) FROM runs WHERE experiment_id IN (${candidates}, ${baselines}) GROUP BY experiment_id ORDER BY 1`,
);

// 3. The four commands, warm (one call each first: Node's compile cache, Python's .pyc, the id cache).
const metricNames = ['rmse', 'mae', 'r2'];
const commands: Record<string, (env: NodeJS.ProcessEnv) => Promise<{ ms: number; out: string }>> = {
  'trainbot compare': (env) =>
    timed(process.execPath, ['bin/trainbot.js', 'compare', runId, '--config', config, '--root', scratch], env),
  'Python, MLflow client + pandas': (env) =>
    timed(
      'python',
      ['bench/compare_mlflow_client.py', runId, `${experiment}/baselines`, repo, 'main', params, ...metricNames],
      env,
    ),
  "Python, urllib (the issue's 2 REST calls)": (env) =>
    timed('python', ['bench/compare_urllib.py', runId, baselines, repo, 'main', params, ...metricNames], env),
  "Python, urllib (trainbot's 2 REST calls)": (env) =>
    timed('python', ['bench/compare_urllib_pointer.py', runId, candidates, baselines, 'main', ...metricNames], env),
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (const [name, run] of Object.entries(commands)) {
  const { out } = await run(process.env);
  if (!/rmse/.test(out) || /no baseline/i.test(out)) throw new Error(`${name} did not print a comparison:\n${out}`);
}
for (let i = 0; i < N; i++) {
  for (const [name, run] of Object.entries(commands)) times[name]?.push((await run(process.env)).ms);
  console.error(
    `round ${i + 1}/${N}: ${Object.entries(times)
      .map(([k, v]) => `${k} ${v.at(-1)?.toFixed(0)} ms`)
      .join(', ')}`,
  );
}

// 4. Each once more through a counting proxy (trainbot's first call to a server it has not seen makes 4).
const proxy = await startCountingProxy(uri);
const requests: Record<string, string[]> = {};
for (const [name, run] of Object.entries(commands)) {
  // The proxy is another server URL to trainbot's id cache: one call fills it, as the timed rounds' warm-up did.
  if (name === 'trainbot compare') await run({ ...process.env, MLFLOW_TRACKING_URI: proxy.url });
  proxy.reset();
  await run({ ...process.env, MLFLOW_TRACKING_URI: proxy.url });
  requests[name] = [...proxy.seen];
}
await proxy.close();

const p50 = (name: string) => median(times[name] as number[]);
const tb = p50('trainbot compare');
const s = (ms: number) => (ms / 1000).toFixed(3);
console.log(
  `compare, ${N} rounds, MLflow ${uri} (basic auth, PostgreSQL), runs per experiment ${counts.replace(/\n/g, ', ')}, ` +
    `${new Date().toISOString()}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
console.log(
  markdownTable(
    [
      ['process', 'p50 (s)', 'min (s)', 'max (s)', 'trainbot ÷ this', 'MLflow requests'],
      ...Object.keys(commands).map((name) => {
        const v = times[name] as number[];
        return [
          name,
          s(p50(name)),
          s(Math.min(...v)),
          s(Math.max(...v)),
          name === 'trainbot compare' ? '' : (tb / p50(name)).toFixed(2),
          `${requests[name]?.length}: ${requests[name]?.join(', ')}`,
        ];
      }),
    ],
    { align: ['l', 'r', 'r', 'r', 'r', 'l'] },
  ),
);
