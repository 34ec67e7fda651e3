// A merge whose bot died is finished by the next process's reconciler, once (src/pipeline/finish-merge.ts), on
// in-memory ports. The first process handles `pull_request.closed` and stops for good at a step; the second one
// shares only the "cluster" (claims, Jobs) and MLflow, and has a GitHub of its own, so its posts are the ones
// it made. Each test ends with one final comment, at most one baseline run and Job, and the claim gone.
import { describe, expect, it } from '@jest/globals';
import { mergeFromNotes } from '../../../src/pipeline/finish-merge.js';
import { mergeKey, mergeNotes, onPullRequestClosed } from '../../../src/pipeline/on-pr-closed.js';
import { reconcileOnce } from '../../../src/pipeline/reconcile.js';
import type { JobSpec, RunOutcome } from '../../../src/runners/runner.js';
import { REPO_CONFIG_TEXT } from '../config/repo-config.js';
import { pointerTagKey } from '../../../src/runs/baseline-pointer.js';
import type { MemoryTracking } from './memory-ports.js';
import { ClaimingRunner, MemoryGitHub, silentLog, trainedPullRequest } from './memory-ports.js';

const REPO = 'acme/models';
const SHA = 'd'.repeat(40);
const KEY = `${REPO}#merge-7`;
const MERGE = { repo: REPO, number: 7, sha: SHA, baseRef: 'main' };
const NEW_BASELINE = { rmse: 0.7, mae: 0.55, r2: 0.2 };
const never = <T>() => new Promise<T>(() => undefined);
const tick = () => new Promise((r) => setTimeout(r, 20));

type Step = 'before-the-run' | 'before-the-job' | 'while-waiting' | 'before-release';

/** The first process handles the merge and stops for good at `step`; `reconcile` is the second one's pass. */
async function crashAt(step: Step) {
  const tracking = await trainedPullRequest(REPO);
  const firstGitHub = new MemoryGitHub();
  const first = new ClaimingRunner(tracking);
  const upsert = firstGitHub.upsertComment.bind(firstGitHub);
  if (step === 'before-the-run') firstGitHub.upsertComment = () => never(); // the "training" comment hangs
  const dispatch = first.dispatch.bind(first);
  first.dispatch = async (spec) => {
    if (step === 'before-the-job') return never();
    first.clusterJobs.push({ name: spec.name, labels: { ...spec.labels }, finished: false });
    return dispatch(spec);
  };
  if (step === 'while-waiting') first.wait = () => never<RunOutcome>();
  if (step === 'before-release') first.release = () => never();
  void onPullRequestClosed(
    { repo: REPO, number: 7, merged: true, mergeCommitSha: SHA, baseRef: 'main', installationId: 77 },
    { github: firstGitHub, tracking, runnerFor: () => first, log: silentLog, now: () => 10_000 },
  );
  await tick();
  firstGitHub.upsertComment = upsert;

  const github = new MemoryGitHub();
  const second = new ClaimingRunner(tracking, { metrics: NEW_BASELINE });
  second.leases = first.leases;
  const reconcile = () => {
    second.clusterJobs.splice(0, second.clusterJobs.length, ...first.clusterJobs);
    return reconcileOnce({
      runner: second,
      tracking,
      githubFor: async () => github,
      log: silentLog,
      now: () => 10_000,
    });
  };
  const baselineRuns = () => tracking.runs.filter((r) => r.tags['trainbot.request'] === 'merge-7');
  return { tracking, firstGitHub, first, github, second, reconcile, baselineRuns };
}

/** The final comment of the same merge handled by a process that did not die. */
async function liveComment(): Promise<string | undefined> {
  const tracking = await trainedPullRequest(REPO);
  const github = new MemoryGitHub();
  const runner = new ClaimingRunner(tracking, { metrics: NEW_BASELINE });
  await onPullRequestClosed(
    { repo: REPO, number: 7, merged: true, mergeCommitSha: SHA, baseRef: 'main' },
    { github, tracking, runnerFor: () => runner, log: silentLog, now: () => 10_000 },
  );
  return github.living.get(mergeKey(7));
}

const refreshPart = (comment: string | undefined) => (comment ?? '').split('#### Baseline refresh\n\n')[1] ?? '';

describe("a merge's claim", () => {
  it('carries what a reconciler needs to finish the merge, and reads back as the same merge', async () => {
    const { first } = await crashAt('while-waiting');
    const notes = first.leases.get(KEY)?.notes ?? {};
    expect(notes).toEqual({
      kind: 'merge',
      repo: REPO,
      pr: '7',
      request: 'merge-7',
      sha: SHA,
      base: 'main',
      installation: '77',
    });
    expect(mergeNotes(MERGE)).not.toHaveProperty('installation');
    expect(mergeFromNotes(notes)).toEqual(MERGE);
    expect(mergeFromNotes({ ...notes, kind: '' })).toBeUndefined();
    expect(mergeFromNotes({ ...notes, pr: '7x' })).toBeUndefined();
  });
});

describe('a merge whose bot died is finished by the next process, once', () => {
  it('killed before its baseline run existed: the merge is handled from the start, once', async () => {
    const { first, github, second, reconcile, baselineRuns } = await crashAt('before-the-run');
    expect(baselineRuns()).toEqual([]);
    expect(await reconcile()).toEqual([]); // still live: nobody takes it over
    first.expire(KEY);

    await reconcile();
    expect(second.dispatched).toHaveLength(1);
    expect(baselineRuns().map((r) => r.info.status)).toEqual(['FINISHED']);
    const comment = github.living.get(mergeKey(7)) ?? '';
    expect(github.posts).toHaveLength(2); // "training", then the result
    expect(github.posts[0]).toContain('⏳ Training the new baseline of `main` on the merge commit `ddddddd`');
    expect(comment).toContain('Best of 1 run:');
    expect(refreshPart(comment)).toContain('✅ New baseline of `main` on `ddddddd`:');
    expect(refreshPart(comment)).toContain('| **rmse** (primary) |   0.7400 |   0.7000 | −0.0400 | ✅ better |');
    expect(comment).toBe(await liveComment());
    expect(first.leases.has(KEY)).toBe(false);

    await reconcile(); // nothing left: a second pass does nothing
    expect(github.posts).toHaveLength(2);
    expect(second.dispatched).toHaveLength(1);
  });

  it('killed after its baseline run, before the Job: the run is FAILED and the final comment says why', async () => {
    const { first, firstGitHub, github, second, reconcile, baselineRuns } = await crashAt('before-the-job');
    expect(firstGitHub.posts.at(-1)).toContain('⏳ Training the new baseline');
    expect(baselineRuns().map((r) => r.info.status)).toEqual(['RUNNING']);
    first.expire(KEY);

    await reconcile();
    expect(baselineRuns().map((r) => r.info.status)).toEqual(['FAILED']);
    expect(second.dispatched).toEqual([]);
    expect(github.posts).toHaveLength(1);
    expect(refreshPart(github.living.get(mergeKey(7)))).toBe(
      "❌ The new baseline of `main` on `ddddddd` did not finish: trainbot stopped before it started this baseline's Job, so it never ran. Reports keep comparing with the previous baseline until the next merge trains one.",
    );
    expect(first.leases.has(KEY)).toBe(false);

    await reconcile();
    expect(github.posts).toHaveLength(1);
  });

  it.each([
    ['its Job still running: waited for', false],
    ['its run already finished', true],
  ])(
    'killed while waiting, %s: the final comment compares the new baseline with the previous one',
    async (_, finishedBefore) => {
      const { tracking, first, github, second, reconcile, baselineRuns } = await crashAt('while-waiting');
      const [run] = baselineRuns();
      const job = first.clusterJobs[0];
      expect(job?.name).toBe(run?.info.runName);
      // The Job ends: its container logs to its MLflow run and finishes it, now or while the next process waits.
      const end = () => {
        tracking.finish(run?.info.runId ?? '', NEW_BASELINE);
        if (job) job.finished = true;
      };
      if (finishedBefore) end();
      second.wait = async () => (end(), { status: 'succeeded' });
      first.expire(KEY);

      await reconcile();
      expect(baselineRuns().map((r) => r.info.status)).toEqual(['FINISHED']);
      expect(second.dispatched).toEqual([]);
      expect(github.posts).toHaveLength(1);
      const refresh = refreshPart(github.living.get(mergeKey(7)));
      expect(refresh).toContain('✅ New baseline of `main` on `ddddddd`:');
      expect(refresh).toContain('| **rmse** (primary) |   0.7400 |   0.7000 | −0.0400 | ✅ better |');
      expect(refresh).toContain('Commit `ddddddd` compared with the baseline `bbbbbbb` on `main`');
      expect(github.living.get(mergeKey(7))).toBe(await liveComment()); // rendered as the live flow renders it
      expect(first.leases.has(KEY)).toBe(false);

      await reconcile();
      expect(github.posts).toHaveLength(1);
    },
  );

  it('a live merge that fails after its refresh (GitHub down for its final comment) is finished by the reconciler', async () => {
    const tracking = await trainedPullRequest(REPO);
    const down = new MemoryGitHub();
    const first = new ClaimingRunner(tracking, { metrics: NEW_BASELINE });
    const upsert = down.upsertComment.bind(down);
    // The "training" comment goes up; the final one, after the refresh finished, meets an outage.
    down.upsertComment = async (issue, key, body) => {
      if (body.includes('New baseline of')) throw new Error('GitHub answered 502');
      return upsert(issue, key, body);
    };
    await expect(
      onPullRequestClosed(
        { repo: REPO, number: 7, merged: true, mergeCommitSha: SHA, baseRef: 'main', installationId: 77 },
        { github: down, tracking, runnerFor: () => first, log: silentLog, now: () => 10_000 },
      ),
    ).rejects.toThrow('GitHub answered 502');
    // Not released: left unrenewed, for the reconciler to take over once it expires.
    expect(first.leases.get(KEY)).toMatchObject({ live: false });
    const github = new MemoryGitHub();
    const second = new ClaimingRunner(tracking, { metrics: NEW_BASELINE });
    second.leases = first.leases;
    await reconcileOnce({ runner: second, tracking, githubFor: async () => github, log: silentLog, now: () => 10_000 });
    expect(refreshPart(github.living.get(mergeKey(7)))).toBe(refreshPart(await liveComment()));
    expect(tracking.runs.filter((r) => r.tags['trainbot.request'] === 'merge-7')).toHaveLength(1);
    expect(second.dispatched).toEqual([]);
    expect(first.leases.has(KEY)).toBe(false);
  });

  it('killed after its final comment, before letting the claim go: nothing is posted again', async () => {
    const { first, firstGitHub, github, second, reconcile, baselineRuns } = await crashAt('before-release');
    expect(refreshPart(firstGitHub.living.get(mergeKey(7)))).toContain('✅ New baseline');
    expect(first.leases.get(KEY)?.notes.done).toBe('comment');
    first.expire(KEY);

    await reconcile();
    expect(github.posts).toEqual([]);
    expect(second.dispatched).toEqual([]);
    expect(baselineRuns()).toHaveLength(1);
    expect(first.leases.has(KEY)).toBe(false);
  });

  it('a reconciler killed after the final comment it posted leaves nothing for the next one to post', async () => {
    const { tracking, first, github, second, reconcile, baselineRuns } = await crashAt('while-waiting');
    tracking.finish(baselineRuns()[0]?.info.runId ?? '', NEW_BASELINE);
    const job = first.clusterJobs[0];
    if (job) job.finished = true; // the Job ended too
    first.expire(KEY);
    const release = second.release.bind(second);
    second.release = () => never(); // this reconciler dies while letting the claim go
    void reconcile();
    await tick();
    expect(github.posts).toHaveLength(1);
    expect(first.leases.get(KEY)?.notes.done).toBe('comment');

    second.release = release;
    first.expire(KEY);
    await reconcile();
    expect(github.posts).toHaveLength(1);
    expect(first.leases.has(KEY)).toBe(false);
  });
});

describe('a merge whose refresh trains repeats is finished with every seed', () => {
  const REPEATS = `${REPO_CONFIG_TEXT}repeats: 3\n`;
  const SEED_RMSE: Record<string, number> = { '42': 0.7, '43': 0.71, '44': 0.69 };
  const seedOf = (spec: JobSpec) => spec.args[spec.args.indexOf('--seed') + 1] ?? '';
  const metricsOf = (seed: string) => ({ ...NEW_BASELINE, rmse: SEED_RMSE[seed] ?? 0 });

  /** MLflow's experiment tags, where the branch's baseline pointer lives (src/tracking/pointed-baseline.ts). */
  function withPointers(tracking: MemoryTracking): () => string | undefined {
    const tags = new Map<string, Record<string, string>>();
    Object.assign(tracking, {
      getExperiment: async (experimentId: string) => ({
        experimentId,
        name: '',
        lifecycleStage: 'active',
        tags: { ...tags.get(experimentId) },
      }),
      setExperimentTag: async (experimentId: string, key: string, value: string) => {
        tags.set(experimentId, { ...tags.get(experimentId), [key]: value });
      },
    });
    const key = pointerTagKey('main');
    return () => [...tags.values()].find((t) => t[key] !== undefined)?.[key];
  }

  /** The first process trains the refresh with `configText` and dies waiting for its Jobs. */
  async function diedWaiting(configText: string) {
    const tracking = await trainedPullRequest(REPO);
    const pointer = withPointers(tracking);
    const first = new ClaimingRunner(tracking);
    const dispatch = first.dispatch.bind(first);
    first.dispatch = async (spec) => {
      first.clusterJobs.push({ name: spec.name, labels: { ...spec.labels }, finished: false });
      return dispatch(spec);
    };
    first.wait = () => never<RunOutcome>();
    void onPullRequestClosed(
      { repo: REPO, number: 7, merged: true, mergeCommitSha: SHA, baseRef: 'main' },
      { github: new MemoryGitHub(configText), tracking, runnerFor: () => first, log: silentLog, now: () => 10_000 },
    );
    await tick();
    first.expire(KEY);
    // The next process: each Job it waits for ends, its container having logged its seed's metrics.
    const github = new MemoryGitHub(configText);
    const second = new ClaimingRunner(tracking);
    second.leases = first.leases;
    second.clusterJobs.push(...first.clusterJobs);
    const waited: string[] = [];
    second.wait = async ({ name }) => {
      waited.push(name);
      const spec = first.dispatched.find((s) => s.name === name) as JobSpec;
      tracking.finish(spec.env.MLFLOW_RUN_ID as string, metricsOf(seedOf(spec)));
      return { status: 'succeeded' };
    };
    await reconcileOnce({ runner: second, tracking, githubFor: async () => github, log: silentLog, now: () => 10_000 });
    const runs = tracking.runs.filter((r) => r.tags['trainbot.request'] === 'merge-7');
    return { first, github, waited, runs, pointer };
  }

  it("settles every seed's run, not only the newest, and reports them joined as the live flow does", async () => {
    const { first, github, waited, runs, pointer } = await diedWaiting(REPEATS);
    expect(first.dispatched.map(seedOf)).toEqual(['42', '43', '44']);
    expect(waited.sort()).toEqual(first.dispatched.map((s) => s.name).sort());
    expect(runs.map((r) => r.info.status)).toEqual(['FINISHED', 'FINISHED', 'FINISHED']);
    // The branch now points at the default seed's run (the other seeds have other params, found by their own).
    const seed42 = runs.find((r) => r.tags['trainbot.repeat'] === '42')?.info.runId;
    expect(JSON.parse(pointer() ?? '{}')).toMatchObject({ runIds: [seed42] });
    const comment = github.living.get(mergeKey(7));
    expect(refreshPart(comment)).toContain('✅ New baseline of `main` on `ddddddd`:');
    expect(refreshPart(comment)).toContain('Mean ± sd over 3 seeds (`seed` 42, 43, 44).');

    // The same merge handled by a process that did not die posts the same comment.
    const tracking = await trainedPullRequest(REPO);
    const live = new MemoryGitHub(REPEATS);
    const runner = new ClaimingRunner(tracking, { metrics: (spec) => metricsOf(seedOf(spec)) });
    await onPullRequestClosed(
      { repo: REPO, number: 7, merged: true, mergeCommitSha: SHA, baseRef: 'main' },
      { github: live, tracking, runnerFor: () => runner, log: silentLog, now: () => 10_000 },
    );
    expect(comment).toBe(live.living.get(mergeKey(7)));
    expect(first.leases.has(KEY)).toBe(false);
  });

  it('fails the refresh, naming the seed, when the dead process never created some of its runs', async () => {
    const { first, github, runs, pointer } = await diedWaiting(REPEATS.replace('max_parallel: 4', 'max_parallel: 1'));
    expect(first.dispatched.map(seedOf)).toEqual(['42']);
    expect(runs.map((r) => r.info.status)).toEqual(['FINISHED']);
    // As the comment says, reports keep the previous baseline: its seed 42 alone does not become the baseline.
    expect(pointer()).toBeUndefined();
    expect(refreshPart(github.living.get(mergeKey(7)))).toBe(
      "❌ The new baseline of `main` on `ddddddd` did not finish: seed=43: trainbot stopped before it created this seed's baseline run, so it never ran. Reports keep comparing with the previous baseline until the next merge trains one.",
    );
    expect(first.leases.has(KEY)).toBe(false);
  });

  it('a live refresh with a failed seed leaves the pointer where it was, as its comment says', async () => {
    const tracking = await trainedPullRequest(REPO);
    const pointer = withPointers(tracking);
    const github = new MemoryGitHub(REPEATS);
    const runner = new ClaimingRunner(tracking, {
      metrics: (spec) => metricsOf(seedOf(spec)),
      outcome: (spec) => (seedOf(spec) === '43' ? { status: 'failed', reason: 'OOMKilled' } : { status: 'succeeded' }),
    });
    await onPullRequestClosed(
      { repo: REPO, number: 7, merged: true, mergeCommitSha: SHA, baseRef: 'main' },
      { github, tracking, runnerFor: () => runner, log: silentLog, now: () => 10_000 },
    );
    expect(refreshPart(github.living.get(mergeKey(7)))).toMatch(
      /^❌ The new baseline of `main` on `ddddddd` did not finish: seed=43: /,
    );
    expect(pointer()).toBeUndefined();
  });
});
