// What `trainbot run` costs beyond the training process itself (issue 2): N times
// `node bin/trainbot.js run "/train alpha=0.5" --json` against a running MLflow (baseline already there), and
// N times `python train.py --alpha 0.5` alone with the same MLflow and a run created for it the way the bot
// does (MLFLOW_RUN_ID), alternating so load drifts hit both alike. Then the embedded MLflow (no
// MLFLOW_TRACKING_URI): three runs in one throwaway root; the first starts the server on an empty SQLite store,
// timed from the CLI's own progress lines, and the later ones find it running (issue 13), a start of 0.
// Run: npm run build; MLFLOW_TRACKING_URI=http://127.0.0.1:PORT npx tsx bench/cli-overhead.ts [N]
// (N = 0: the embedded MLflow part only, no MLFLOW_TRACKING_URI needed)
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { markdownTable } from 'markdown-table';
import { MlflowClient } from '../src/tracking/mlflow-client.js';

const N = Number(process.argv[2] ?? 5);
const root = resolve(import.meta.dirname, '..');
const uri = process.env.MLFLOW_TRACKING_URI;
if (!uri && N > 0) throw new Error('MLFLOW_TRACKING_URI is not set; start MLflow as bench/README.md shows.');
const EMBEDDED_RUNS = 3;
const EXPERIMENT = 'wine-quality-elasticnet'; // the experiment of .github/trainbot.yml, which the CLI uses

interface Timed {
  ms: number;
  code: number | null;
  /** stderr lines with the milliseconds since the start at which each arrived. */
  lines: { at: number; text: string }[];
}

/** Runs a command to its end, timing it and stamping each stderr line as it arrives. */
function timed(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Timed> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: Timed['lines'] = [];
    let partial = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const at = performance.now() - started;
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) lines.push({ at, text });
    });
    child.once('error', fail);
    child.once('close', (code) => done({ ms: performance.now() - started, code, lines }));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function check(what: string, result: Timed): Timed {
  if (result.code !== 0)
    throw new Error(
      `${what} exited with ${result.code}:\n${result.lines
        .slice(-15)
        .map((l) => l.text)
        .join('\n')}`,
    );
  return result;
}

const cli = (env: NodeJS.ProcessEnv, extra: string[] = []) =>
  timed(process.execPath, [join(root, 'bin/trainbot.js'), 'run', '/train alpha=0.5', '--json', ...extra], {
    cwd: root,
    env,
  });

async function alone(tracking: MlflowClient, experimentId: string): Promise<Timed> {
  const run = await tracking.createRun({
    experimentId,
    runName: `bench-cli-alone-${Date.now()}`,
    startTime: Date.now(),
    tags: {},
  });
  return timed('python', ['train.py', '--alpha', '0.5'], {
    cwd: join(root, 'training'),
    // The harness's MLflow runs the basic-auth app: the bench's own credential stands in for the run's user.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MLFLOW_TRACKING_URI: uri,
      MLFLOW_EXPERIMENT_NAME: EXPERIMENT,
      MLFLOW_RUN_ID: run.info.runId,
      MLFLOW_TRACKING_USERNAME: process.env.MLFLOW_TRACKING_USERNAME,
      MLFLOW_TRACKING_PASSWORD: process.env.MLFLOW_TRACKING_PASSWORD,
    },
  });
}

/** `trainbot run` with the embedded MLflow, EMBEDDED_RUNS times in one throwaway root: the first starts the server, the others find it. */
async function embedded(): Promise<{ start: number; total: number }[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'trainbot-bench-cli-'));
  try {
    mkdirSync(join(scratch, '.github'));
    cpSync(join(root, '.github/trainbot.yml'), join(scratch, '.github/trainbot.yml'));
    symlinkSync(join(root, 'training'), join(scratch, 'training'));
    const env = { ...process.env };
    delete env.MLFLOW_TRACKING_URI;
    const runs: { start: number; total: number }[] = [];
    for (let i = 0; i < EMBEDDED_RUNS; i++) {
      const result = check('trainbot run with the embedded MLflow', await cli(env, ['--root', scratch]));
      const from = result.lines.find((l) => l.text.includes('starting a local MLflow server'));
      const to = result.lines.find((l) => l.text.includes('MLflow is at'));
      // Since issue 13 only the first run starts the server; later ones find it running (no "starting" line).
      if (!to || (i === 0 && !from)) throw new Error('The CLI did not print its MLflow start and ready lines.');
      runs.push({ start: from ? to.at - from.at : 0, total: result.ms });
      console.error(
        `embedded run ${i + 1}/${EMBEDDED_RUNS}: MLflow start ${((runs.at(-1)?.start ?? 0) / 1000).toFixed(2)} s, whole run ${(result.ms / 1000).toFixed(2)} s`,
      );
    }
    return runs;
  } finally {
    await timed(process.execPath, [join(root, 'bin/trainbot.js'), 'stop', '--root', scratch], {
      cwd: root,
      env: process.env,
    });
    rmSync(scratch, { recursive: true, force: true });
  }
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const rows: string[][] = [];
if (N > 0) {
  const tracking = MlflowClient.fromEnv(process.env);
  const experimentId = await tracking.ensureExperiment(EXPERIMENT);
  console.error('warm-up: one CLI run (trains the baseline when the experiment has none)');
  check('the warm-up trainbot run', await cli(process.env));
  const withCli: number[] = [];
  const withoutCli: number[] = [];
  const nodeStart: number[] = [];
  for (let i = 0; i < N; i++) {
    withCli.push(check('trainbot run', await cli(process.env)).ms);
    withoutCli.push(check('python train.py', await alone(tracking, experimentId)).ms);
    nodeStart.push(
      check(
        'trainbot --help',
        await timed(process.execPath, [join(root, 'bin/trainbot.js'), '--help'], { cwd: root, env: process.env }),
      ).ms,
    );
    console.error(
      `iteration ${i + 1}/${N}: trainbot run ${withCli.at(-1)?.toFixed(0)} ms, train.py alone ${withoutCli.at(-1)?.toFixed(0)} ms`,
    );
  }
  rows.push(
    [
      '`trainbot run "/train alpha=0.5" --json` (MLFLOW_TRACKING_URI set)',
      s(median(withCli)),
      s(Math.min(...withCli)),
      s(Math.max(...withCli)),
    ],
    [
      '`python train.py --alpha 0.5` alone (run created first)',
      s(median(withoutCli)),
      s(Math.min(...withoutCli)),
      s(Math.max(...withoutCli)),
    ],
    ['overhead: difference of the p50s', s(median(withCli) - median(withoutCli)), '', ''],
    [
      'overhead: median of the per-iteration differences',
      s(median(withCli.map((ms, i) => ms - (withoutCli[i] as number)))),
      '',
      '',
    ],
    [
      '`trainbot --help` (Node start + loading the CLI)',
      s(median(nodeStart)),
      s(Math.min(...nodeStart)),
      s(Math.max(...nodeStart)),
    ],
  );
}
const [first, ...later] = await embedded();
const laterStarts = later.map((r) => r.start);
rows.push(
  ['embedded MLflow start, first run: empty SQLite store', s(first?.start ?? NaN), '', ''],
  [
    `embedded MLflow start, each later run (${later.length} runs, store already migrated)`,
    s(median(laterStarts)),
    s(Math.min(...laterStarts)),
    s(Math.max(...laterStarts)),
  ],
  ['whole `trainbot run` with the embedded MLflow, first time (baseline + run)', s(first?.total ?? NaN), '', ''],
  ['whole `trainbot run` with the embedded MLflow, later runs', s(median(later.map((r) => r.total))), '', ''],
);

console.log(
  `cli-overhead, ${N} iterations, MLflow at ${uri ?? '(embedded only)'}, ${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(markdownTable([['measure', 'p50 (s)', 'min (s)', 'max (s)'], ...rows], { align: ['l', 'r', 'r', 'r'] }));
