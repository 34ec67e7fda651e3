// `trainbot compare` as a whole process against the real MLflow the harness started (PostgreSQL store, basic
// auth): the table of runs that exist, with the current baseline or a chosen one, in at most 2 MLflow requests
// (counted by a loopback proxy), and one sentence with a non-zero exit for ids it cannot compare.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type CountingProxy, startCountingProxy } from '../../support/counting-proxy.js';
import { mlflowHeaders, requireTrackingUri } from '../../support/mlflow-tracking.js';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');
const trackingUri = requireTrackingUri();
const scratch = mkdtempSync(join(tmpdir(), 'trainbot-compare-'));
const config = join(scratch, 'trainbot.yml');
writeFileSync(
  config,
  readFileSync(join(root, '.github/trainbot.yml'), 'utf8').replace(
    /^experiment: .*$/m,
    `experiment: cli-compare-${Date.now()}`,
  ),
);
let proxy: CountingProxy;

async function trainbot(args: string[], uri = trackingUri) {
  try {
    const { stdout, stderr } = await exec('node', [join(root, 'bin/trainbot.js'), ...args], {
      cwd: root,
      env: { ...process.env, MLFLOW_TRACKING_URI: uri },
      maxBuffer: 10 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const compare = (args: string[]) => trainbot(['compare', ...args, '--config', config, '--root', scratch], proxy.url);

interface RunJson {
  runs: { runId: string; metrics: Record<string, number> }[];
  baseline: { runId: string; metrics: Record<string, number> };
}
let trained: RunJson;

beforeAll(async () => {
  proxy = await startCountingProxy(trackingUri);
  // A baseline and a candidate, the way users make them.
  const result = await trainbot(['run', '/train alpha=0.1', '--config', config, '--json']);
  expect(result.code).toBe(0);
  trained = JSON.parse(result.stdout) as RunJson;
}, 240_000);
afterAll(() => proxy.close());

describe('trainbot compare against a real MLflow', () => {
  it("prints trainbot run's table for an existing run against the current baseline, in 2 reads by id once the experiments are known", async () => {
    const candidate = trained.runs[0]?.runId as string;
    const first = await compare([candidate]);
    expect(first.code).toBe(0);
    // The first call in a fresh root looks the two experiments (candidates, baselines) up by name, once.
    expect(proxy.seen.filter((r) => r.includes('experiments/get-by-name'))).toHaveLength(2);
    proxy.reset();
    const result = await compare([candidate]);
    expect(result.code).toBe(0);
    // The baseline pointer (an experiment tag), then the candidate and the run it names in one search by run id.
    expect(proxy.seen).toEqual(['GET /api/2.0/mlflow/experiments/get', 'POST /api/2.0/mlflow/runs/search']);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('### trainbot: alpha=0.1 vs baseline');
    const cells = lines
      .find((l) => l.startsWith('| **rmse** (primary)'))
      ?.split('|')
      .map((c) => c.trim());
    expect(Number(cells?.[2])).toBeCloseTo(trained.baseline.metrics.rmse as number, 4);
    expect(Number(cells?.[3])).toBeCloseTo(trained.runs[0]?.metrics.rmse as number, 4);
    expect(cells?.[5]).toMatch(/better|worse|unchanged/);
    expect(result.stdout).toContain(`/runs/${trained.baseline.runId})`);
    // The search returns the run's logged data set too: the footer names its digest, as with runs/get.
    expect(result.stdout).toMatch(/winequality-red[^\n]*[0-9a-f]{8}/);
  }, 60_000);

  it('compares with the run --baseline names, in 2 requests, and prints JSON with --json', async () => {
    const candidate = trained.runs[0]?.runId as string;
    proxy.reset();
    // The candidate compared with itself: every delta is zero, which only holds if --baseline was used.
    const result = await compare([candidate, '--baseline', candidate, '--json']);
    expect(result.code).toBe(0);
    expect(proxy.seen).toEqual(['GET /api/2.0/mlflow/runs/get', 'GET /api/2.0/mlflow/runs/get']);
    const json = JSON.parse(result.stdout) as { baseline: { runId: string }; run: { runId: string; state: string } };
    expect(json.baseline.runId).toBe(candidate);
    expect(json.run).toMatchObject({ runId: candidate, state: 'finished' });
    const table = await compare([candidate, '--baseline', candidate]);
    expect(table.stdout).toMatch(/\| \*\*rmse\*\* \(primary\) \|[^|]+\|[^|]+\| ±0\.0000 \| ➖ unchanged/);
  }, 60_000);

  it('says in one sentence that a run id is unknown, and exits 2', async () => {
    const result = await compare(['0123456789abcdef0123456789abcdef']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'trainbot: MLflow has no run 0123456789abcdef0123456789abcdef (the run to compare); check the id, and that MLFLOW_TRACKING_URI is the server that ran it.\n',
    );
  }, 60_000);

  it.each([
    ['a path', '../../etc/passwd'],
    ['a filter injection', "x' OR '1'='1"],
    ['a 100 kB value', 'a'.repeat(100_000)],
  ])(
    'refuses %s as a run id before making any request',
    async (_, id) => {
      proxy.reset();
      const result = await compare([id]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(2); // one line, then the final newline
      expect(result.stderr).toMatch(
        /^trainbot: ".{1,41}" is not an MLflow run id \(the run to compare\); copy the 32-character id/,
      );
      expect(proxy.seen).toEqual([]);
    },
    60_000,
  );

  it('refuses a run that trainbot did not start, from an experiment of its own', async () => {
    const call = async (endpoint: string, body: unknown) => {
      const response = await fetch(`${trackingUri}/api/2.0/mlflow/${endpoint}`, {
        method: 'POST',
        headers: mlflowHeaders(),
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as unknown;
    };
    const { experiment_id } = (await call('experiments/create', { name: `not-trainbot-${Date.now()}` })) as {
      experiment_id: string;
    };
    const { run } = (await call('runs/create', { experiment_id, run_name: 'by-hand' })) as {
      run: { info: { run_id: string } };
    };
    const result = await compare([run.info.run_id]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `trainbot: Run ${run.info.run_id} (the run to compare) was not started by trainbot (it has no trainbot tags); compare takes runs from \`trainbot run\` or \`/train\`.\n`,
    );
  }, 60_000);
});
