// The sweep action through its real entry point (inputs as INPUT_* variables, the job summary and outputs as
// files, exactly as the runner provides them), with `runner: local` running training/train.py against the
// real MLflow, and a loopback stand-in for GitHub's API receiving the pull-request comment.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runAction } from '../../support/run-action.js';
import { reportBody, reportFooter } from '../../support/report-parts.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );

const SHA = '0123456789abcdef0123456789abcdef01234567';
let workspace: string;
let github: Server;
let apiUrl: string;
const comments: { path: string; auth: string; body: { body: string } }[] = [];

beforeAll(async () => {
  // A checkout-like workspace: the repository's training code and its config with an experiment of its own.
  workspace = mkdtempSync(join(tmpdir(), 'sweep-ws-'));
  cpSync(join(REPO_ROOT, 'training'), join(workspace, 'training'), {
    recursive: true,
    filter: (src) => !/(__pycache__|\.pytest_cache|mlruns)/.test(src),
  });
  mkdirSync(join(workspace, '.github'));
  const config = readFileSync(join(REPO_ROOT, '.github/trainbot.yml'), 'utf8')
    .replace(/^experiment: .*$/m, `experiment: sweep-action-${Date.now()}`)
    .replace(/^ {2}max_parallel: .*$/m, '  max_parallel: 2');
  writeFileSync(join(workspace, '.github/trainbot.yml'), config);

  github = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      comments.push({
        path: `${req.method} ${req.url}`,
        auth: req.headers.authorization ?? '',
        body: JSON.parse(text || '{}') as { body: string },
      });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 77 }));
    });
  });
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
});

afterAll(async () => {
  rmSync(workspace, { recursive: true, force: true });
  await new Promise((resolve) => github.close(resolve));
});

const env = () => ({
  MLFLOW_TRACKING_URI: trackingUri,
  MLFLOW_TRACKING_USERNAME: process.env.MLFLOW_TRACKING_USERNAME ?? '',
  MLFLOW_TRACKING_PASSWORD: process.env.MLFLOW_TRACKING_PASSWORD ?? '',
  GITHUB_REPOSITORY: 'acme/wine',
  GITHUB_SHA: SHA,
  GITHUB_REF_NAME: 'main',
  GITHUB_RUN_ID: String(Date.now()),
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_API_URL: apiUrl,
  GITHUB_SERVER_URL: 'https://github.test',
});

describe('sweep action', () => {
  it('runs a 2×2 grid with train.py, ranks it in the job summary with a chart, sets the outputs and comments on the PR', async () => {
    const run = await runAction('sweep', {
      workspace,
      env: env(),
      timeoutMs: 300_000,
      inputs: {
        grid: 'alpha=0.1,1 l1_ratio=0.2,0.8',
        runner: 'local',
        'max-parallel': '2',
        pr: '7',
        'github-token': 'ghs_sweep',
      },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);

    const results = JSON.parse(run.outputs['results-json'] ?? '[]') as {
      runId: string;
      state: string;
      params: Record<string, number>;
      metrics: Record<string, number>;
    }[];
    expect(results.map((r) => r.state)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(results.map((r) => `${r.params.alpha} ${r.params.l1_ratio}`).sort()).toEqual([
      '0.1 0.2',
      '0.1 0.8',
      '1 0.2',
      '1 0.8',
    ]);
    const rmses = results.map((r) => r.metrics.rmse as number);
    expect(rmses).toEqual([...rmses].sort((a, b) => a - b));
    expect(run.outputs['best-run-id']).toBe(results[0]?.runId);
    expect(JSON.parse(run.outputs['best-params'] ?? '')).toEqual(results[0]?.params);

    const summary = reportBody(run.summary).split('\n');
    expect(summary[0]).toBe('### trainbot sweep: 4 runs vs baseline');
    expect(summary).toContain('4 of 4 runs finished, ranked by rmse (minimize).');
    expect(
      summary
        .find((l) => l.startsWith('| 🏆 1 '))
        ?.split('|')
        .map((c) => c.trim())[4],
    ).toBe((results[0]?.metrics.rmse as number).toFixed(4));
    expect(summary).toContain('    title "rmse by alpha"');
    expect(summary).toContain('    x-axis "alpha" ["0.1", "1"]');
    expect(summary).toContain('Lines: 🔵 `l1_ratio`=0.2 · 🟠 `l1_ratio`=0.8.');
    expect(summary.at(-2)).toBe(
      'Commit `0123456`. **No baseline yet** for `main` with the default params. Run `trainbot run "/train"` on the baseline branch, or merge a pull request: trainbot trains one on merge.',
    );

    // The footer: the grid's one command, a local process, the data set train.py logged.
    const footer = reportFooter(run.summary);
    expect(footer).toContain('<details><summary>Reproduce these 4 runs</summary>');
    expect(footer).toContain('- Image: local, not an image (`trainbot run`)');
    expect(footer).toMatch(/\n- Data: `winequality-red` digest `[0-9a-f]{8}`\n/);
    expect(footer).toMatch(
      /\n- Again on a pull request \(trains its head\): `\/train alpha=0\.1,1 l1_ratio=0\.2,0\.8 [^`]*`\n/,
    );

    expect(comments).toHaveLength(1);
    expect(comments[0]?.path).toBe('POST /repos/acme/wine/issues/7/comments');
    expect(comments[0]?.auth).toBe('token ghs_sweep');
    expect(comments[0]?.body.body.startsWith(run.summary.trimEnd())).toBe(true);
    expect(comments[0]?.body.body).toMatch(
      /\n\n_From the \[sweep workflow run\]\(https:\/\/github\.test\/acme\/wine\/actions\/runs\/\d+\)\._$/,
    );
  }, 300_000);

  it.each([
    [
      { grid: 'alpha=-1' },
      '`alpha`=-1 is out of range; `alpha` must be from 0 to ∞. Comment `/train help` to see the parameters and their ranges.',
    ],
    [
      { grid: 'alpha=0.1,0.2,0.3,0.4,0.5 l1_ratio=0.1,0.2,0.3,0.4,0.5' },
      'This grid has 25 runs; this repository allows at most 20 per command (`limits.max_runs` in `.github/trainbot.yml`). Use fewer values, or split the grid over several commands.',
    ],
    [
      { grid: 'alpha=0.1', 'max-parallel': '3' },
      'The max-parallel input is 3, but .github/trainbot.yml allows at most 2 (limits.max_parallel); lower it.',
    ],
    [
      { grid: 'alpha=0.1', 'max-parallel': 'lots' },
      'The max-parallel input "lots" is not a positive whole number; give one like 4, or leave it empty.',
    ],
    [
      { grid: 'alpha=0.1', runner: 'docker' },
      'The runner input "docker" is not one trainbot knows; use kubernetes or local.',
    ],
    [
      { grid: 'alpha=0.1', config: 'missing.yml' },
      'There is no trainbot config at missing.yml in the checked-out ref; add it or point the config input at it.',
    ],
  ])(
    'refuses %j with one sentence before starting anything',
    async (inputs, sentence) => {
      const before = comments.length;
      const run = await runAction('sweep', { workspace, env: env(), inputs: { runner: 'local', ...inputs } });
      expect(run.exitCode).toBe(1);
      expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([sentence]);
      expect(run.summary).toBe('');
      expect(run.outputs).toEqual({});
      expect(comments.length).toBe(before);
    },
    60_000,
  );

  it('still reads the former max_parallel input for one release, with a deprecation warning', async () => {
    const run = await runAction('sweep', {
      workspace,
      env: env(),
      inputs: { runner: 'local', grid: 'alpha=0.1', max_parallel: '3' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.commands.filter((c) => c.command === 'warning').map((c) => c.message)).toEqual([
      'The max_parallel input is deprecated and will be removed in the next release; rename it to max-parallel.',
    ]);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      'The max-parallel input is 3, but .github/trainbot.yml allows at most 2 (limits.max_parallel); lower it.',
    ]);
  }, 60_000);
});
