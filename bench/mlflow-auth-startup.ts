// What MLflow's basic-auth app costs the CLI's embedded MLflow at start-up (issue 11, point 5): the time from
// spawning `mlflow server` (src/cli/local-mlflow.ts, SQLite) to /health answering, without and with
// `--app-name basic-auth`, on a fresh folder (schema migrations, and for auth its own database and admin) and on
// a folder an earlier start migrated (every later `trainbot run`). Plain and auth alternate, so load drifts hit
// both alike. Then what a request costs: REQUESTS authenticated `experiments/search` calls with the credential
// cache the CLI, the tests and the Terraform configure (60 s), without it (every request hashes the password
// again), and the same calls on the plain server.
// Run: npx tsx bench/mlflow-auth-startup.ts [REPEATS]  (needs `mlflow` on PATH: scripts/setup.sh)
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable } from 'markdown-table';
import { startLocalMlflow } from '../src/cli/local-mlflow.js';

const REPEATS = Number(process.argv[2] ?? 3);
const REQUESTS = 20;

async function timedStart(stateDir: string, auth: boolean): Promise<number> {
  const started = performance.now();
  const server = await startLocalMlflow(stateDir, { auth });
  const ms = performance.now() - started;
  if (auth) {
    // The credential works: an authenticated call answers 200 and an anonymous one 401.
    const headers = {
      authorization: `Basic ${Buffer.from(`${server.admin?.username}:${server.admin?.password}`).toString('base64')}`,
    };
    const [withAuth, without] = await Promise.all([
      fetch(`${server.uri}/api/2.0/mlflow/experiments/search?max_results=1`, { headers }).then((r) => r.status),
      fetch(`${server.uri}/api/2.0/mlflow/experiments/search?max_results=1`).then((r) => r.status),
    ]);
    if (withAuth !== 200 || without !== 401)
      throw new Error(`auth check: ${withAuth} with the admin, ${without} without`);
  }
  server.stop();
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the port and the SQLite files free again
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const samples: Record<string, number[]> = {
  'plain fresh': [],
  'auth fresh': [],
  'plain migrated': [],
  'auth migrated': [],
};
for (let i = 0; i < REPEATS; i += 1) {
  for (const auth of [false, true]) {
    const mode = auth ? 'auth' : 'plain';
    const dir = mkdtempSync(join(tmpdir(), `trainbot-bench-auth-${mode}-`));
    try {
      samples[`${mode} fresh`]?.push(await timedStart(dir, auth));
      samples[`${mode} migrated`]?.push(await timedStart(dir, auth));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    process.stderr.write(`round ${i + 1}/${REPEATS} ${mode} done (load ${loadavg()[0]?.toFixed(2)})\n`);
  }
}
const s = (ms: number) => (ms / 1000).toFixed(2);
const rows = ['fresh', 'migrated'].map((state) => {
  const plain = median(samples[`plain ${state}`] ?? []);
  const auth = median(samples[`auth ${state}`] ?? []);
  return [
    state,
    s(plain),
    s(auth),
    `${auth >= plain ? '+' : '−'}${s(Math.abs(auth - plain))}`,
    (samples[`auth ${state}`] ?? []).map(s).join(' / '),
  ];
});
console.log(
  `MLflow start-up to /health, median of ${REPEATS} (s); load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
console.log(
  markdownTable([['store', 'plain', 'basic-auth', 'difference', 'basic-auth samples'], ...rows], {
    align: ['l', 'r', 'r', 'r', 'l'],
  }),
);

/** REQUESTS sequential experiments/search calls, in ms per request. */
async function perRequest(auth: boolean, authCacheSeconds?: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-bench-auth-req-'));
  const server = await startLocalMlflow(dir, { auth, ...(authCacheSeconds === undefined ? {} : { authCacheSeconds }) });
  try {
    const headers: Record<string, string> = server.admin
      ? {
          authorization: `Basic ${Buffer.from(`${server.admin.username}:${server.admin.password}`).toString('base64')}`,
        }
      : {};
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i += 1) {
      const status = (await fetch(`${server.uri}/api/2.0/mlflow/experiments/search?max_results=1`, { headers })).status;
      if (status !== 200) throw new Error(`experiments/search answered ${status}`);
    }
    return (performance.now() - started) / REQUESTS;
  } finally {
    server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    rmSync(dir, { recursive: true, force: true });
  }
}
const requestRows = [
  ['plain server', await perRequest(false)],
  ['basic-auth, credential cache 60 s', await perRequest(true, 60)],
  ['basic-auth, no credential cache', await perRequest(true, 0)],
].map(([what, ms]) => [what as string, (ms as number).toFixed(0)]);
console.log(
  `\n${REQUESTS} authenticated experiments/search requests, one after another (ms per request); load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
console.log(markdownTable([['server', 'ms per request'], ...requestRows], { align: ['l', 'r'] }));
