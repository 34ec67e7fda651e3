// The model registry on merge (issue 13 point 3) against the real MLflow registry, with its basic-auth app:
// each merge's baseline is trained by training/train.py (LocalRunner), which logs a real scikit-learn model,
// then registered as a version of the configured model; the alias moves only when the new model is not worse.
// A redelivery and a reconciler finishing a merge whose bot died register nothing twice, and a run's own MLflow
// user can neither register a version nor move the alias.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { finishMerge } from '../../../src/pipeline/finish-merge.js';
import { mergeKey, mergeNotes, onPullRequestClosed } from '../../../src/pipeline/on-pr-closed.js';
import { toRunResult } from '../../../src/report/to-run-result.js';
import { registerModel } from '../../../src/pipeline/register-model.js';
import { ensureRoleExperiments } from '../../../src/tracking/role-experiments.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { mlflowHeaders, requireTrackingUri } from '../../support/mlflow-tracking.js';
import {
  dyingAtAlias,
  mergeRegistryLine,
  mergeSha as sha,
  registryMergeDeps,
} from '../../support/merge-registry-line.js';
import { testConfigText } from '../../support/train-comment-mocks.js';
import { MemoryGitHub } from '../../unit/pipeline/memory-ports.js';

const trackingUri = requireTrackingUri();
const root = resolve(import.meta.dirname, '../../..');
const { registry, tracking, runner, errors, log } = registryMergeDeps();
const REPO = 'acme/models';
const stamp = Date.now();
const MODEL = `wine quality ${stamp}`;

/** The repository's config with its own experiment, the test's MLflow, the registry on, and alpha's default. */
function configText(alpha: number): string {
  const text = testConfigText(`model-registry-${stamp}`, trackingUri);
  const alphaDefault = '    default: 0.5\n    description: Regularisation';
  if (!text.includes(alphaDefault)) throw new Error('the fixture no longer has alpha default 0.5');
  return `${text.replace(alphaDefault, `    default: ${alpha}\n    description: Regularisation`)}registry:\n  model: ${MODEL}\n`;
}
function configFor(alpha: number): TrainbotConfig {
  const loaded = parseConfig(configText(alpha));
  if (!loaded.ok) throw new Error(loaded.errors.join(' '));
  return loaded.config;
}

async function rest<T>(
  method: 'GET' | 'POST' | 'DELETE',
  endpoint: string,
  body?: unknown,
  credential?: { username: string; password: string },
): Promise<{ status: number; json: T }> {
  const query = method === 'GET' && body ? `?${new URLSearchParams(body as Record<string, string>).toString()}` : '';
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${endpoint}${query}`, {
    method,
    headers: mlflowHeaders(credential),
    ...(method !== 'GET' && body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: (text.startsWith('{') ? JSON.parse(text) : {}) as T };
}

/** Every version of the model, as MLflow lists them: version → run id. */
async function versions(): Promise<Record<string, string>> {
  const { json } = await rest<{ model_versions?: { version: string; run_id: string }[] }>(
    'GET',
    'model-versions/search',
    {
      filter: `name = '${MODEL}'`,
    },
  );
  return Object.fromEntries((json.model_versions ?? []).map((v) => [v.version, v.run_id]));
}
async function champion(): Promise<string | undefined> {
  const { json } = await rest<{ registered_model: { aliases?: { alias: string; version: string }[] } }>(
    'GET',
    'registered-models/get',
    { name: MODEL },
  );
  return json.registered_model.aliases?.find((a) => a.alias === 'champion')?.version;
}

/** The merge's baseline run in MLflow (tagged with the merge's request). */
async function refreshRunId(pr: number, config: TrainbotConfig): Promise<string | undefined> {
  const experiments = await ensureRoleExperiments(tracking, config);
  const found = await findRequestRuns(
    tracking,
    { experimentId: experiments.baselines, repo: REPO, request: mergeKey(pr) },
    1,
  );
  return found.runs[0]?.info.runId;
}

/** Merges PR `pr` with alpha's default at `alpha`; resolves with the registry's part of the final comment. */
const merge = (pr: number, alpha: number, github = new MemoryGitHub(configText(alpha))): Promise<string> =>
  mergeRegistryLine(pr, REPO, github, { tracking, runnerFor: () => runner, log });

describe('the model registry on merge, against the real MLflow registry', () => {
  it('MLflow refuses the names the config refuses, and takes the ones it takes', async () => {
    const refused = ['a/b', 'a:b', '..', '   '];
    const taken = [`Wine quality.v2 ${stamp}`, `w_${stamp}-x`];
    const created = [];
    for (const name of [...refused, ...taken]) created.push(await rest('POST', 'registered-models/create', { name }));
    expect(created.map((c) => c.status)).toEqual([400, 400, 400, 400, 200, 200]);
    for (const name of [...refused, ...taken])
      expect([name, parseConfig(`${configText(0.5).replace(`model: ${MODEL}`, `model: "${name}"`)}`).ok]).toEqual([
        name,
        taken.includes(name),
      ]);
  }, 30_000);

  it('the first merge registers version 1 from the model train.py logged, and points the alias at it', async () => {
    const config = configFor(0.5);
    expect(await merge(1, 0.5)).toBe(
      `Registered as version 1 of \`${MODEL}\`. The alias \`champion\` now points to it (there was no \`champion\` before).`,
    );
    expect(await versions()).toEqual({ '1': await refreshRunId(1, config) });
    expect(await champion()).toBe('1');
    const { json } = await rest<{ model_version: { source: string; status: string } }>('GET', 'model-versions/get', {
      name: MODEL,
      version: '1',
    });
    expect(json.model_version).toMatchObject({
      status: 'READY',
      source: expect.stringMatching(/^models:\/m-[0-9a-f]{32}$/),
    });
    expect(errors).toEqual([]);
  }, 120_000);

  it('a better baseline moves the alias, and the report gives both values', async () => {
    expect(await merge(2, 0.1)).toBe(
      `Registered as version 2 of \`${MODEL}\`. The alias \`champion\` moved to it from version 1: better on \`rmse\` 0.6916 against 0.7436.`,
    );
    expect(await champion()).toBe('2');
  }, 120_000);

  it('a worse baseline is registered, but the alias stays, and the report says on which metric and by what values', async () => {
    expect(await merge(3, 1)).toBe(
      `Registered as version 3 of \`${MODEL}\`. The alias \`champion\` stays on version 2: this model is worse on \`rmse\` 0.7851 against 0.6916 (goal: minimize, threshold 0.001).`,
    );
    expect(await champion()).toBe('2');
    expect(Object.keys(await versions())).toEqual(['1', '2', '3']);
  }, 120_000);

  it('a redelivered merge, and registering the same run again, make no second version', async () => {
    const github = new MemoryGitHub(configText(1));
    await onPullRequestClosed(
      { repo: REPO, number: 3, merged: true, mergeCommitSha: sha(3), baseRef: 'main' },
      { github, tracking, runnerFor: () => runner, log },
    );
    expect(github.posts).toEqual([]);
    const config = configFor(1);
    const runId = (await refreshRunId(3, config)) as string;
    const again = await registerModel({
      run: toRunResult(await tracking.getRun(runId), config),
      repo: REPO,
      config,
      tracking,
      experiments: await ensureRoleExperiments(tracking, config),
    });
    expect(again).toMatchObject({ kind: 'kept', version: '3', champion: '2' });
    expect(Object.keys(await versions())).toEqual(['1', '2', '3']);
  }, 60_000);

  it('the reconciler finishing a merge whose bot died after registering registers nothing twice, then moves the alias', async () => {
    const config = configFor(0.1);
    // The first process dies while pointing the alias: its version exists, its comment never got the result.
    const dying = dyingAtAlias(registry);
    const first = new MemoryGitHub(configText(0.1));
    const event = { repo: REPO, number: 4, merged: true, mergeCommitSha: sha(4), baseRef: 'main' };
    void onPullRequestClosed(event, { github: first, tracking: dying, runnerFor: () => runner, log });
    // Until the dying process has registered its run's model.
    let runId: string | undefined;
    const ofRun = async () => Object.values(await versions()).filter((id) => id === runId).length;
    for (let i = 0; i < 300 && (runId === undefined || (await ofRun()) === 0); i++) {
      await new Promise((r) => setTimeout(r, 200));
      runId ??= await refreshRunId(4, config);
    }
    expect(await ofRun()).toBe(1);
    expect(first.living.get(mergeKey(4))).not.toContain('📦');

    const claim = { key: `${REPO}#${mergeKey(4)}`, notes: mergeNotes({ ...event, sha: sha(4) }), live: false };
    const github = new MemoryGitHub(configText(0.1));
    const finish = () =>
      finishMerge(claim, github, {
        runner,
        tracking,
        githubFor: async () => github,
        log,
        settle: async (run, c) => toRunResult(await tracking.getRun(run.info.runId), c),
      });
    await finish();
    expect(await ofRun()).toBe(1);
    expect(github.living.get(mergeKey(4))).toContain(
      `📦 Registered as version 4 of \`${MODEL}\`. The alias \`champion\` moved to it from version 2: not worse on \`rmse\` 0.6916 against 0.6916.`,
    );
    expect(await champion()).toBe('4');
    // A second restart finds the version again: still one per run, and the alias already there.
    await finish();
    expect(await ofRun()).toBe(1);
    expect(github.living.get(mergeKey(4))).toContain(
      `📦 Registered as version 4 of \`${MODEL}\`. The alias \`champion\` points to it.`,
    );
    expect(Object.keys(await versions())).toEqual(['1', '2', '3', '4']);
    expect(errors).toEqual([]);
  }, 120_000);

  it("a run's own MLflow user can neither register a version nor move or delete the alias (403)", async () => {
    const config = configFor(0.1);
    const experiments = await ensureRoleExperiments(tracking, config);
    const runId = (await refreshRunId(4, config)) as string;
    const credential = await tracking.runCredentials?.issue(runId, experiments.baselines);
    if (!credential) throw new Error('the harness MLflow has no auth app');
    try {
      const modelId = (await registry.loggedModelOf(experiments.baselines, runId, 'model')) as string;
      const attempts = await Promise.all([
        rest(
          'POST',
          'model-versions/create',
          { name: MODEL, source: `models:/${modelId}`, run_id: runId, model_id: modelId },
          credential,
        ),
        rest('POST', 'registered-models/alias', { name: MODEL, alias: 'champion', version: '3' }, credential),
        rest('DELETE', 'registered-models/alias', { name: MODEL, alias: 'champion' }, credential),
      ]);
      expect(attempts.map((a) => a.status)).toEqual([403, 403, 403]);
      expect(await champion()).toBe('4');
      expect(Object.keys(await versions())).toEqual(['1', '2', '3', '4']);
    } finally {
      await tracking.runCredentials?.revoke(credential);
    }
  }, 60_000);

  it("the champion loads and predicts with MLflow's own client, by its alias", () => {
    const out = execFileSync(
      'python',
      [
        '-c',
        'import sys, mlflow, pandas as pd; m = mlflow.pyfunc.load_model(sys.argv[1]); ' +
          "d = pd.read_csv('data/winequality-red.csv', sep=';').drop(columns=['quality']).head(2); print(len(m.predict(d)))",
        `models:/${MODEL}@champion`,
      ],
      { cwd: resolve(root, 'training'), env: { ...process.env, GIT_PYTHON_REFRESH: 'quiet' }, encoding: 'utf8' },
    );
    expect(out.trim().split('\n').at(-1)).toBe('2');
  }, 120_000);
});
