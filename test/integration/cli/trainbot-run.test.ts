// The main job end to end on one machine: `trainbot run` → LocalRunner → training/train.py → the real
// MLflow server (PostgreSQL store) the harness started → a comparison table with baseline and candidate.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { botTracking } from '../../support/mlflow-tracking.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');
const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );

/** A config copy with its own experiment, so this file's baseline is its own, whatever else ran before. */
function isolatedConfig(experiment: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'trainbot-cli-')), 'trainbot.yml');
  const text = readFileSync(join(root, '.github/trainbot.yml'), 'utf8').replace(
    /^experiment: .*$/m,
    `experiment: ${experiment}`,
  );
  writeFileSync(file, text);
  return file;
}

async function trainbot(args: string[]) {
  try {
    const { stdout, stderr } = await run('node', [join(root, 'bin/trainbot.js'), ...args], {
      cwd: root,
      env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri },
      maxBuffer: 10 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('trainbot run against a real MLflow', () => {
  it('trains a missing baseline, runs the request and prints rmse, mae and r2 for both with deltas and verdicts', async () => {
    const config = isolatedConfig(`cli-e2e-${Date.now()}`);
    const result = await trainbot(['run', '/train alpha=0.1', '--config', config]);
    expect(result.stderr).toContain(
      'No baseline for main yet: training one with the default params (alpha=0.5 l1_ratio=0.5 seed=42).',
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('### trainbot: alpha=0.1 vs baseline');
    const row = (metric: string) =>
      lines
        .find((l) => l.startsWith(`| ${metric}`))
        ?.split('|')
        .map((c) => c.trim());
    for (const metric of ['**rmse** (primary)', 'mae', 'r2']) {
      const cells = row(metric);
      expect(cells).toBeDefined();
      const [, , baseline, candidate, delta, verdict] = cells as string[];
      expect(Number(baseline)).toBeGreaterThan(0);
      expect(Number(candidate)).toBeGreaterThan(0);
      expect((Number(candidate) - Number(baseline)).toFixed(4)).toBe(delta?.replace('−', '-').replace('+', ''));
      expect(verdict).toMatch(/better|worse|unchanged/);
    }
    expect(result.stdout).toMatch(
      /Commit `[^`]+` compared with the baseline \[`[0-9a-f]{7}`\]\(http:\/\/127\.0\.0\.1:\d+\/#\/experiments\/\d+\/runs\/[0-9a-f]{32}\) on `main`, trained (just now|\d+ minutes? ago)\./,
    );
    // The footer: no image (a local process), the data digest train.py logged as the run's dataset input, as
    // MLflow keeps it, and the commands that repeat the run.
    const runId = /\/runs\/([0-9a-f]{32})\) with `alpha=0\.1 /.exec(result.stdout)?.[1] ?? '';
    const logged = await botTracking().getRun(runId);
    expect(logged.datasets).toEqual([{ name: 'winequality-red', digest: expect.stringMatching(/^[0-9a-f]{8}$/) }]);
    expect(logged.tags['trainbot.image']).toBe('local');
    const footer = lines.slice(lines.indexOf('<details><summary>Reproduce this run</summary>'));
    expect(footer.slice(2, 9)).toEqual([
      '- Image: local, not an image (`trainbot run`)',
      expect.stringMatching(/^- Commit: `([0-9a-f]{40}|local)`$/),
      '- Params: `alpha=0.1 l1_ratio=0.5 seed=42`',
      `- Data: \`winequality-red\` digest \`${logged.datasets?.[0]?.digest}\``,
      '- Again on a pull request (trains its head): `/train alpha=0.1 l1_ratio=0.5 seed=42`',
      expect.stringMatching(
        /^- Locally, at that commit: `(git checkout [0-9a-f]{40} && )?trainbot run '\/train alpha=0\.1 l1_ratio=0\.5 seed=42'`$/,
      ),
      '',
    ]);
  }, 180_000);

  it('reuses the baseline on the second request and reports JSON with --json', async () => {
    const config = isolatedConfig(`cli-json-${Date.now()}`);
    await trainbot(['run', '/train', '--config', config]);
    const result = await trainbot(['run', '/train l1_ratio=0.2', '--config', config, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('No baseline');
    const json = JSON.parse(result.stdout) as {
      runs: { state: string; params: Record<string, number>; metrics: Record<string, number> }[];
      baseline: { metrics: Record<string, number> };
    };
    expect(json.runs).toHaveLength(1);
    expect(json.runs[0]?.state).toBe('finished');
    expect(json.runs[0]?.params).toEqual({ alpha: 0.5, l1_ratio: 0.2, seed: 42 });
    expect(Object.keys(json.runs[0]?.metrics ?? {}).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(Object.keys(json.baseline.metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
  }, 180_000);

  it('refuses an invalid request before contacting MLflow or starting anything', async () => {
    const result = await trainbot(['run', '/train alpha=-1', '--config', join(root, '.github/trainbot.yml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      '`alpha`=-1 is out of range; `alpha` must be from 0 to ∞. Comment `/train help` to see the parameters and their ranges.\n',
    );
  });
});
