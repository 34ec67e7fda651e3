// The embedded default when it runs again (issue 13, point 7): `trainbot run` and `trainbot compare` with no
// MLFLOW_TRACKING_URI, in a throwaway repository root, against the local MLflow the first command started and
// left running. Times, as whole processes:
//   - the first `trainbot run` (starts the server, trains the baseline and the run);
//   - N warm `trainbot run "/train alpha=0.5" --json`, alternating with N `python train.py --alpha 0.5` alone
//     against the same server (a run created for it first, as the bot does): goal ≤ 1.2×; and, to see what a
//     run's own MLflow user costs, N more `python train.py` with one (created, granted and deleted as
//     src/tracking/run-credentials.ts does for a run, each step timed);
//   - N `trainbot compare RUN_ID` against the running server: goal < 0.5 s;
//   - `trainbot stop`.
// Run: npm run build; npx tsx bench/compare-embedded.ts [N]   (needs the venv's mlflow on PATH, nothing else)
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { markdownTable } from 'markdown-table';
import { readState } from '../src/cli/local-mlflow.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import { MlflowRunCredentials } from '../src/tracking/run-credentials.js';

const N = Number(process.argv[2] ?? 5);
const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'trainbot-bench-embedded-'));
mkdirSync(join(scratch, '.github'));
cpSync(join(root, '.github/trainbot.yml'), join(scratch, '.github/trainbot.yml'));
symlinkSync(join(root, 'training'), join(scratch, 'training'));
const EXPERIMENT = /^experiment: (.*)$/m
  .exec(readFileSync(join(scratch, '.github/trainbot.yml'), 'utf8'))?.[1]
  ?.trim() as string;
const env = { ...process.env };
delete env.MLFLOW_TRACKING_URI;
delete env.MLFLOW_TRACKING_USERNAME;
delete env.MLFLOW_TRACKING_PASSWORD;
delete env.MLFLOW_TRACKING_TOKEN;

function timed(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ ms: number; out: string }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', fail);
    child.once('close', (code) =>
      code === 0
        ? done({ ms: performance.now() - started, out })
        : fail(new Error(`${command} ${args.join(' ')}: ${code}\n${err.slice(-2000)}`)),
    );
  });
}
const trainbot = (args: string[]) =>
  timed(process.execPath, [join(root, 'bin/trainbot.js'), ...args, '--root', scratch], { cwd: scratch, env });
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const s = (ms: number) => (ms / 1000).toFixed(2);

try {
  console.error('first trainbot run: starts the local MLflow, trains the baseline and the run…');
  const first = await trainbot(['run', '/train alpha=0.5', '--json']);
  const state = readState(join(scratch, '.trainbot', 'mlflow'));
  if (!state) throw new Error('The first run left no server.json: the server was not left running.');
  const uri = `http://127.0.0.1:${state.port}`;
  const password = readFileSync(join(scratch, '.trainbot', 'mlflow', 'admin-password'), 'utf8').trim();
  const admin = { MLFLOW_TRACKING_URI: uri, MLFLOW_TRACKING_USERNAME: 'trainbot', MLFLOW_TRACKING_PASSWORD: password };
  const tracking = MlflowClient.fromEnv(admin);
  const experimentId = await tracking.ensureExperiment(EXPERIMENT);

  const warm: number[] = [];
  const alone: number[] = [];
  const withUser: number[] = [];
  const issue: number[] = [];
  const revoke: number[] = [];
  const credentials = MlflowRunCredentials.fromEnv(admin, (m) => console.error(m));
  let runId = '';
  for (let i = 0; i < N; i++) {
    const result = await trainbot(['run', '/train alpha=0.5', '--json']);
    warm.push(result.ms);
    runId = (JSON.parse(result.out) as { runs: { runId: string }[] }).runs[0]?.runId ?? runId;
    const run = await tracking.createRun({ experimentId, runName: `bench-alone-${Date.now()}`, tags: {} });
    alone.push(
      (
        await timed('python', ['train.py', '--alpha', '0.5'], {
          cwd: join(root, 'training'),
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            ...admin,
            MLFLOW_EXPERIMENT_NAME: EXPERIMENT,
            MLFLOW_RUN_ID: run.info.runId,
          },
        })
      ).ms,
    );
    const own = await tracking.createRun({ experimentId, runName: `bench-own-user-${Date.now()}`, tags: {} });
    const issued = performance.now();
    const credential = await credentials.issue(own.info.runId, experimentId);
    issue.push(performance.now() - issued);
    if (!credential) throw new Error('The local MLflow has no auth app: no run user to measure.');
    withUser.push(
      (
        await timed('python', ['train.py', '--alpha', '0.5'], {
          cwd: join(root, 'training'),
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            MLFLOW_TRACKING_URI: uri,
            ...credential.env,
            MLFLOW_EXPERIMENT_NAME: EXPERIMENT,
            MLFLOW_RUN_ID: own.info.runId,
          },
        })
      ).ms,
    );
    const revoked = performance.now();
    await credentials.revoke(credential);
    revoke.push(performance.now() - revoked);
    console.error(
      `round ${i + 1}/${N}: warm trainbot run ${s(warm.at(-1) as number)} s, train.py alone ${s(alone.at(-1) as number)} s, ` +
        `with its own user ${s(withUser.at(-1) as number)} s (+ ${s(issue.at(-1) as number)} s to create it, ${s(revoke.at(-1) as number)} s to delete it)`,
    );
  }
  const compare: number[] = [];
  await trainbot(['compare', runId]); // fills the experiment-id cache, as any first call does
  for (let i = 0; i < Math.max(N, 10); i++) compare.push((await trainbot(['compare', runId])).ms);
  const stop = await trainbot(['stop']);

  console.log(
    `compare-embedded, ${N} rounds, ${new Date().toISOString()}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    markdownTable(
      [
        ['measure', 'p50 (s)', 'min (s)', 'max (s)'],
        ['first `trainbot run` (starts MLflow, trains baseline + run)', s(first.ms), '', ''],
        [
          'warm `trainbot run "/train alpha=0.5" --json` (server running)',
          s(median(warm)),
          s(Math.min(...warm)),
          s(Math.max(...warm)),
        ],
        [
          '`python train.py --alpha 0.5` alone, same server',
          s(median(alone)),
          s(Math.min(...alone)),
          s(Math.max(...alone)),
        ],
        ['ratio of the p50s (goal ≤ 1.2)', (median(warm) / median(alone)).toFixed(2), '', ''],
        [
          '`python train.py` with a run user of its own, same server',
          s(median(withUser)),
          s(Math.min(...withUser)),
          s(Math.max(...withUser)),
        ],
        [
          'creating and granting that user (users/create + permissions/create)',
          s(median(issue)),
          s(Math.min(...issue)),
          s(Math.max(...issue)),
        ],
        ['deleting it (users/delete)', s(median(revoke)), s(Math.min(...revoke)), s(Math.max(...revoke))],
        [
          '`trainbot compare RUN_ID` (server running; goal < 0.5 s)',
          s(median(compare)),
          s(Math.min(...compare)),
          s(Math.max(...compare)),
        ],
        ['`trainbot stop`', s(stop.ms), '', ''],
      ],
      { align: ['l', 'r', 'r', 'r'] },
    ),
  );
} finally {
  await timed(process.execPath, [join(root, 'bin/trainbot.js'), 'stop', '--root', scratch], {
    cwd: scratch,
    env,
  }).catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
}
