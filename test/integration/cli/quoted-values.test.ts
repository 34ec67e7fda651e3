// A string value with a space, end to end: the typed command (`note="first try"`) → the planner → one argv
// entry for the training command → the MLflow param the command logged → the table. The training command
// is test/fixtures/note-train/note_train.py (MLflow's own Python client, resuming the bot's run).
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');
const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );
const tracking = MlflowClient.fromEnv(process.env);

function configFor(experiment: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'trainbot-quoted-')), 'trainbot.yml');
  writeFileSync(
    file,
    readFileSync(join(root, 'test/fixtures/note-train/trainbot.yml'), 'utf8').replace(
      /^experiment: .*$/m,
      `experiment: ${experiment}`,
    ),
  );
  return file;
}

async function trainbot(command: string, config: string) {
  try {
    const { stdout, stderr } = await run('node', [join(root, 'bin/trainbot.js'), 'run', command, '--config', config], {
      cwd: root,
      env: process.env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('a quoted string value with a space', () => {
  it('arrives whole as the MLflow param and shows in the report as typed', async () => {
    const experiment = `quoted-${Date.now()}`;
    const result = await trainbot('/train note="first try" alpha=0.1', configFor(experiment));
    expect(result.stderr).not.toContain('failed');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('with `alpha=0.1 note="first try"`.');
    const experimentId = await tracking.ensureExperiment(experiment);
    const { runs } = await tracking.searchRuns({
      experimentIds: [experimentId],
      filter: "tags.`trainbot.role` = 'candidate'",
    });
    expect(runs.map((r) => [r.params.note, r.tags['trainbot.params']])).toEqual([
      ['first try', 'alpha=0.1 note="first try"'],
    ]);
  }, 120_000);

  it('sweeps over values with spaces, one row each', async () => {
    const result = await trainbot('/train note="a b","c d" alpha=0.2', configFor(`quoted-sweep-${Date.now()}`));
    expect(result.code).toBe(0);
    const rows = result.stdout.split('\n').filter((l) => /^\| .*(a b|c d) /.test(l));
    expect(rows).toHaveLength(2);
  }, 120_000);

  it('refuses a value with a quote in it before anything starts, saying which characters are allowed', async () => {
    const result = await trainbot('/train note="say \\"hi\\""', configFor(`quoted-refused-${Date.now()}`));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not allowed; string values may use letters, digits, spaces');
    expect(result.stdout).toBe('');
  });
});
