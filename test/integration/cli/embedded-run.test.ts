// `trainbot run` on the embedded default end to end: no MLFLOW_TRACKING_URI, so the CLI starts the local MLflow
// (basic-auth app, SQLite) in a throwaway repository root and the training logs to it with the CLI's own
// credential, since runs there get no MLflow user of their own (runUsersFor in src/cli.ts, docs/security.md).
// The other side, a user per run on a server named by MLFLOW_TRACKING_URI, is trainbot-run.test.ts: its MLflow
// runs the auth app too, so a training handed no credential there would fail with 401.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stopLocalMlflow } from '../../../src/cli/local-mlflow.js';

jest.setTimeout(600_000);
const root = resolve(import.meta.dirname, '../../..');
const repo = mkdtempSync(join(tmpdir(), 'trainbot-embedded-run-'));
mkdirSync(join(repo, '.github'));
cpSync(join(root, '.github/trainbot.yml'), join(repo, '.github/trainbot.yml'));
symlinkSync(join(root, 'training'), join(repo, 'training'));
afterAll(async () => {
  await stopLocalMlflow(join(repo, '.trainbot'));
  rmSync(repo, { recursive: true, force: true });
});
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MLFLOW_TRACKING_')));

async function trainbot(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [join(root, 'bin/trainbot.js'), ...args], {
      cwd: repo,
      env,
      maxBuffer: 10 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('trainbot run on the embedded default', () => {
  it('trains the baseline and the run against the local MLflow, and never prints its admin password', async () => {
    const result = await trainbot(['run', '/train alpha=0.4', '--json', '--root', repo]);
    expect(result.stderr).toContain('MLFLOW_TRACKING_URI is not set: starting a local MLflow server');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      baseline: { metrics: Record<string, number> } | null;
      runs: { state: string; params: Record<string, number>; metrics: Record<string, number> }[];
    };
    expect(json.baseline?.metrics.rmse).toBeGreaterThan(0);
    expect(json.runs.map((r) => [r.state, r.params.alpha])).toEqual([['finished', 0.4]]);
    expect(json.runs[0]?.metrics.rmse).toBeGreaterThan(0);
    const password = readFileSync(join(repo, '.trainbot', 'mlflow', 'admin-password'), 'utf8').trim();
    expect(`${result.stdout}${result.stderr}`).not.toContain(password);
  });
});
