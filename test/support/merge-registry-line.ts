// What a merge leaves in the model registry's line of its final comment: the merge run through the event's
// handler (onPullRequestClosed) with an in-memory GitHub, as the registry integration tests need it.
import { expect } from '@jest/globals';
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
