// What the registry integration tests merge with, and what a merge leaves in the model registry's line of its
// final comment: the merge run through the event's handler (onPullRequestClosed) with an in-memory GitHub.
import { expect } from '@jest/globals';
import { resolve } from 'node:path';
import { LocalRunner } from '../../src/runners/local/local-runner.js';
import { trackingOptionsFromEnv } from '../../src/tracking/mlflow-client.js';
import { MlflowModelRegistry, withModelRegistry } from '../../src/tracking/model-registry.js';
import { botTracking } from './mlflow-tracking.js';
import { type PullRequestClosedDeps, mergeKey, onPullRequestClosed } from '../../src/pipeline/on-pr-closed.js';
import { MemoryGitHub } from '../unit/pipeline/memory-ports.js';

/** A merge commit's sha for PR `pr`: its number repeated, 40 characters. */
export const mergeSha = (pr: number): string => String(pr).repeat(40).slice(0, 40);

/** Merges PR `pr` of `repo` into main; resolves with the part of the final comment after 📦 (the registry's). */
export async function mergeRegistryLine(
  pr: number,
  repo: string,
  github: MemoryGitHub,
  deps: Omit<PullRequestClosedDeps, 'github'>,
): Promise<string> {
  await onPullRequestClosed(
    { repo, number: pr, merged: true, mergeCommitSha: mergeSha(pr), baseRef: 'main' },
    { ...deps, github },
  );
  const comment = github.living.get(mergeKey(pr)) ?? '';
  expect(comment).toContain('✅ New baseline of `main`');
  return comment.split('\n\n📦 ')[1] ?? '';
}

/**
 * The bot's tracking with the real MLflow registry, training/train.py run as a local process (it logs a real
 * scikit-learn model), and a log that keeps the errors a test asserts there were none of.
 */
export function registryMergeDeps() {
  const registry = new MlflowModelRegistry(trackingOptionsFromEnv(process.env), { pollMs: 200 });
  const errors: unknown[] = [];
  return {
    registry,
    tracking: withModelRegistry(botTracking(), registry),
    runner: new LocalRunner({
      workdir: resolve(import.meta.dirname, '../../training'),
      env: { ...process.env, GIT_PYTHON_REFRESH: 'quiet' },
    }),
    errors,
    log: { info: () => undefined, error: (error: unknown) => void errors.push(error) },
  };
}

/** The bot's tracking whose registry never answers setAlias: a process that dies while it points the alias. */
export function dyingAtAlias(registry: MlflowModelRegistry) {
  const stuck = Object.assign(Object.create(registry) as MlflowModelRegistry, {
    setAlias: () => new Promise<void>(() => undefined),
  });
  return withModelRegistry(botTracking(), stuck);
}
