// The reconciler with in-memory ports: a bot process "dies" at a step (its handler never returns and its claim
// stops being renewed), then a second process's reconciler finishes the request. Each test ends with one final
// comment, a concluded check run, no second run or Job, nothing left running, and the claim gone.
import { describe, expect, it } from '@jest/globals';
import { onTrainComment, statusKey } from '../../../src/pipeline/on-train-comment.js';
import { planReconcile, reconcileOnce } from '../../../src/pipeline/reconcile.js';
import { checkMetrics } from '../../../src/runs/metrics-signature.js';
import { originTags } from '../../../src/runs/run-contract.js';
import type { RunOutcome } from '../../../src/runners/runner.js';
import { commentEvent } from '../../support/comment-event.js';
import { ClaimingRunner, MemoryGitHub, MemoryTracking, silentLog } from './memory-ports.js';

const COMMENT_ID = 4242;
const SIGNING_KEY = 'reconcile-signing-key-0123456789abcdef';
const KEY = `acme/models#${COMMENT_ID}`;
const never = <T>() => new Promise<T>(() => undefined);
const tick = () => new Promise((r) => setTimeout(r, 20));

/**
 * The first process, stopped for good at a step; the second one, sharing only the "cluster" and MLflow. `before`
 * is what MLflow held when the comment came (nothing by default).
 */
function crashAt(
  step: 'while-waiting' | 'before-comment' | 'after-check',
  command = '/train alpha=0.1',
  before: (tracking: MemoryTracking) => void = () => undefined,
) {
  const github = new MemoryGitHub();
  const tracking = new MemoryTracking();
  before(tracking);
  const first = new ClaimingRunner(tracking, {
    outcome: () => ({ status: 'succeeded' }),
    metrics: { rmse: 0.6, mae: 0.5, r2: 0.3 },
  });
  const firstWait = first.wait.bind(first);
  if (step === 'while-waiting') first.wait = () => never<RunOutcome>();
  const firstDispatch = first.dispatch.bind(first);
  first.dispatch = async (spec) => {
    const handle = await firstDispatch(spec);
    first.clusterJobs.push({ name: spec.name, labels: { ...spec.labels }, finished: false });
    return handle;
  };
  if (step === 'after-check') first.dispatch = () => never();
  const upsert = github.upsertComment.bind(github);
  let ran = false;
  first.wait =
    step === 'before-comment'
      ? async (h) => {
          ran = true;
          return firstWait(h);
        }
      : first.wait;
  github.upsertComment = async (issue, key, body) =>
    step === 'before-comment' && ran ? never<number>() : upsert(issue, key, body);
  void onTrainComment(commentEvent(COMMENT_ID, command, { installationId: 77 }), {
    github,
    tracking,
    runnerFor: () => first,
    log: silentLog,
    commentIntervalMs: 0,
    now: () => 10_000,
  });

  const second = new ClaimingRunner(tracking, {
    outcome: () => ({ status: 'succeeded' }),
    metrics: { rmse: 0.6, mae: 0.5, r2: 0.3 },
  });
  second.leases = first.leases;
  // The Job the first process started ends now: its container logs and finishes its MLflow run.
  second.wait = async (handle) => {
    const run = tracking.runs.find((r) => r.info.runName === handle.name);
    if (run && run.info.status === 'RUNNING') tracking.finish(run.info.runId, { rmse: 0.6, mae: 0.5, r2: 0.3 });
    return { status: 'succeeded' };
  };
  second.clusterJobs.push(...first.clusterJobs);
  const reconcile = async () => {
    github.upsertComment = upsert; // the new process's GitHub answers
    second.clusterJobs.splice(0, second.clusterJobs.length, ...first.clusterJobs);
    return reconcileOnce({
      runner: second,
      tracking,
      githubFor: async () => github,
      log: silentLog,
      now: () => 10_000,
    });
  };
  return { github, tracking, first, second, reconcile };
}

describe('planReconcile', () => {
  const notes = { repo: 'acme/models', request: '7' };
  const job = (name: string, labels: Record<string, string>, finished = false) => ({ name, labels, finished });
  it('finishes claims nobody renews and leaves live ones to their holder', () => {
    const plan = planReconcile(
      [
        { key: 'a#7', notes, live: false },
        { key: 'a#8', notes: { ...notes, request: '8' }, live: true },
      ],
      [],
    );
    expect(plan).toEqual([{ kind: 'finish', claim: { key: 'a#7', notes, live: false } }]);
  });
  it('deletes an unfinished PR Job whose request holds no claim, and only that', () => {
    const prLabels = (request: string) => ({
      'trainbot.dev/repo': 'acme.models',
      'trainbot.dev/request': request,
      'trainbot.dev/pr': '1',
    });
    const plan = planReconcile(
      [{ key: 'a#7', notes, live: false }],
      [
        job('claimed', prLabels('7')),
        job('orphan', prLabels('9')),
        job('done', prLabels('9'), true),
        job('cli-run', { 'trainbot.dev/repo': 'acme.models', 'trainbot.dev/request': '9' }),
      ],
    );
    expect(plan.filter((a) => a.kind === 'delete-job')).toEqual([{ kind: 'delete-job', name: 'orphan' }]);
  });
});

describe('planReconcile for one repository that does not wait (the Actions deployment)', () => {
  const ours = { repo: 'acme/models', request: '7' };
  const theirs = { repo: 'other/repo', request: '7' };
  const prJob = (name: string, repo: string, request: string, finished = false) => ({
    name,
    labels: { 'trainbot.dev/repo': repo, 'trainbot.dev/request': request, 'trainbot.dev/pr': '1' },
    finished,
  });
  const scope = { repo: 'acme/models', waitForJobs: false };

  it("leaves another repository's claims and Jobs alone", () => {
    const plan = planReconcile(
      [
        { key: 'acme/models#7', notes: ours, live: false },
        { key: 'other/repo#7', notes: theirs, live: false },
      ],
      [prJob('their-orphan', 'other.repo', '9'), prJob('our-orphan', 'acme.models', '9')],
      scope,
    );
    expect(plan).toEqual([
      { kind: 'finish', claim: { key: 'acme/models#7', notes: ours, live: false } },
      { kind: 'delete-job', name: 'our-orphan' },
    ]);
  });

  it('leaves a request whose Job still runs to a later pass, and finishes it once its Jobs are done', () => {
    const claim = { key: 'acme/models#7', notes: ours, live: false };
    expect(planReconcile([claim], [prJob('run-1', 'acme.models', '7')], scope)).toEqual([{ kind: 'later', claim }]);
    expect(planReconcile([claim], [prJob('run-1', 'acme.models', '7', true)], scope)).toEqual([
      { kind: 'finish', claim },
    ]);
    // Another request's running Job does not hold this one back; the server's pass waits instead.
    expect(planReconcile([claim], [prJob('run-2', 'acme.models', '8')], scope)[0]).toEqual({ kind: 'finish', claim });
    expect(planReconcile([claim], [prJob('run-1', 'acme.models', '7')])).toEqual([{ kind: 'finish', claim }]);
  });
});

describe('a request whose bot died is finished by the next one, once', () => {
  it.each(['while-waiting', 'before-comment'] as const)(
    'killed %s: one final table, the check concluded, no second run',
    async (step) => {
      const { github, tracking, first, second, reconcile } = crashAt(step);
      await tick();
      expect(first.leases.get(KEY)?.notes).toMatchObject({
        repo: 'acme/models',
        pr: '1',
        comment: String(COMMENT_ID),
        marker: statusKey(COMMENT_ID),
        installation: '77',
        experiment: '1',
        check: '1',
      });
      expect(await reconcile()).toEqual([]); // still live: nobody takes it over
      first.expire(KEY);

      await reconcile();
      expect(tracking.runs).toHaveLength(1);
      expect(tracking.runs[0]?.info.status).toBe('FINISHED');
      expect(first.dispatched).toHaveLength(1);
      expect(second.dispatched).toHaveLength(0);
      const table = github.living.get(statusKey(COMMENT_ID)) ?? '';
      expect(table).toContain('trainbot: alpha=0.1 vs baseline');
      expect(table).toContain('0.6000');
      expect(table).toContain('Commit `aaaaaaa`');
      expect(table).not.toContain('running');
      expect(github.checks).toHaveLength(1);
      expect(github.checks[0]?.updates).toHaveLength(1);
      expect(github.checks[0]?.updates[0]).toMatchObject({ output: { title: '1 of 1 run finished' } });
      expect(first.leases.has(KEY)).toBe(false);

      const posts = github.posts.length;
      await reconcile(); // nothing left: a second pass does nothing
      expect(github.posts).toHaveLength(posts);
      expect(github.checks[0]?.updates).toHaveLength(1);
    },
  );

  // main's baseline of seeds 42–44, as a merge with `repeats: 3` leaves it.
  const baselines = (tracking: MemoryTracking) =>
    [0.74, 0.7, 0.78].forEach((rmse, i) => {
      const seed = 42 + i;
      tracking.runs.push({
        info: { runId: `base-${seed}`, runName: `base-${seed}`, experimentId: '1', status: 'FINISHED', startTime: i },
        metrics: { rmse, mae: 0.5, r2: 0.3 },
        params: {},
        tags: originTags({
          repo: 'acme/models',
          sha: 'b'.repeat(40),
          params: `alpha=0.5 l1_ratio=0.5 seed=${seed}`,
          branch: 'main',
          request: 'merge-1',
          role: 'baseline',
          repeat: seed,
        }),
      });
    });

  it.each([
    // Per seed −0.14, −0.10, −0.18: mean −0.14 ± 0.0994 (t₀.₉₇₅ with 2 df is 4.303, sd 0.04 over √3).
    ['better on every seed', [0.6, 0.6, 0.6], /\| 0\.6000 ± 0\.0000 \| +−0\.1400 ± 0\.0994 \| ✅ better/, 'success'],
    // Per seed +0.01 each: worse, though its seed-43 run alone (0.71) beats the baseline's mean (0.74).
    ['worse on every seed', [0.75, 0.71, 0.79], /\| 0\.7500 ± 0\.0400 \| +\+0\.0100 ± 0\.0000 \| ❌ worse/, 'failure'],
  ])(
    'with repeats (%s): pairs each seed with the baseline of the same seed, and concludes as the live report does',
    async (_, rmse, row, conclusion) => {
      const { github, tracking, first, second, reconcile } = crashAt(
        'while-waiting',
        '/train alpha=0.1 repeats=3',
        baselines,
      );
      // The Jobs the first process started end now, each seed's container logging its own rmse.
      second.wait = async (handle) => {
        const run = tracking.runs.find((r) => r.info.runName === handle.name);
        const seed = Number(/seed=(\d+)/.exec(run?.tags['trainbot.params'] ?? '')?.[1]);
        if (run?.info.status === 'RUNNING')
          tracking.finish(run.info.runId, { rmse: rmse[seed - 42] as number, mae: 0.5, r2: 0.3 });
        return { status: 'succeeded' };
      };
      await tick();
      first.expire(KEY);
      await reconcile();
      expect(github.living.get(statusKey(COMMENT_ID))).toMatch(row);
      expect(github.checks[0]?.updates).toEqual([expect.objectContaining({ conclusion })]);
    },
  );

  it('killed after the check run, before any Job: the run is FAILED with the reason, shown in the table', async () => {
    const { github, tracking, first, reconcile } = crashAt('after-check');
    await tick();
    first.expire(KEY);
    await reconcile();
    expect(tracking.runs.map((r) => r.info.status)).toEqual(['FAILED']);
    expect(github.living.get(statusKey(COMMENT_ID))).toContain('trainbot stopped before it started this run');
    expect(github.checks[0]?.updates).toEqual([expect.objectContaining({ conclusion: 'failure' })]);
    expect(github.reactions).toEqual(['eyes', 'confused']);
  });

  it('killed after its Job was created, before it was started: the suspended Job is deleted, not waited for', async () => {
    const { github, tracking, first, second, reconcile } = crashAt('while-waiting');
    await tick();
    const job = first.clusterJobs[0];
    if (job) job.suspended = true; // its Secret was never made, or it was never resumed
    const waited: string[] = [];
    second.wait = async (handle) => {
      waited.push(handle.name);
      return { status: 'succeeded' };
    };
    first.expire(KEY);
    await reconcile();
    expect(waited).toEqual([]);
    expect(second.cancelled).toEqual([job?.name]);
    expect(tracking.runs.map((r) => r.info.status)).toEqual(['FAILED']);
    expect(github.living.get(statusKey(COMMENT_ID))).toContain('trainbot stopped before it started this run');
    expect(github.checks[0]?.updates).toEqual([expect.objectContaining({ conclusion: 'failure' })]);
  });

  it("deletes the run's own MLflow user, which the dead process issued and never revoked", async () => {
    const { tracking, first, reconcile } = crashAt('while-waiting');
    const events: string[] = [];
    Object.assign(tracking, {
      runCredentials: {
        issue: async (runId: string) => {
          events.push(`issue trainbot-user-${runId}`);
          return { username: `trainbot-user-${runId}`, password: 'p', env: {} };
        },
        revoke: async (credential: { username: string }) => void events.push(`revoke ${credential.username}`),
      },
    });
    await tick();
    expect(events).toEqual(['issue trainbot-user-run-1']);
    first.expire(KEY);
    await reconcile();
    expect(events).toEqual(['issue trainbot-user-run-1', 'revoke trainbot-user-run-1']);
  });

  it.each([
    ['still runs: it is waited for before the claim goes', false, 1],
    ['has finished: its result is read without waiting', true, 0],
  ])('a run FINISHED in MLflow whose Job %s', async (_name, jobFinished, waits) => {
    const { tracking, first, second, reconcile } = crashAt('before-comment');
    await tick();
    expect(tracking.runs.map((r) => r.info.status)).toEqual(['FINISHED']); // the training code ended its run
    const job = first.clusterJobs[0];
    if (job) job.finished = jobFinished;
    const waited: string[] = [];
    second.wait = async (handle) => {
      waited.push(handle.name);
      return { status: 'succeeded' };
    };
    first.expire(KEY);
    await reconcile();
    expect(waited).toHaveLength(waits);
    expect(tracking.runs.map((r) => r.info.status)).toEqual(['FINISHED']);
  });

  it('records and signs the metrics of a run the dead process never recorded, so later reports trust it', async () => {
    const { tracking, first, reconcile } = crashAt('while-waiting');
    tracking.signingKey = SIGNING_KEY;
    await tick();
    first.expire(KEY);
    await reconcile();
    const [run] = tracking.runs;
    expect(run && checkMetrics(SIGNING_KEY, run)).toEqual({
      status: 'intact',
      metrics: { rmse: 0.6, mae: 0.5, r2: 0.3 },
    });
  });

  it('keeps the record a run already had: a metric changed after it shows as changed, not signed anew', async () => {
    const { tracking, first, second, reconcile } = crashAt('before-comment');
    tracking.signingKey = SIGNING_KEY;
    await tick();
    const [run] = tracking.runs;
    expect(run && checkMetrics(SIGNING_KEY, run).status).toBe('intact'); // recorded by the first process
    if (run) run.metrics.rmse = 0.01; // the PR's code "improves" its own result after the record
    second.wait = async () => ({ status: 'succeeded' });
    first.expire(KEY);
    await reconcile();
    expect(run && checkMetrics(SIGNING_KEY, run)).toEqual({
      status: 'changed',
      changes: [{ metric: 'rmse', recorded: 0.6, current: 0.01 }],
    });
  });

  it('does not repeat a final step the dead process had done and noted', async () => {
    const { github, first, reconcile } = crashAt('while-waiting');
    await tick();
    const lease = first.leases.get(KEY);
    if (lease) lease.notes.done = 'comment,check';
    first.expire(KEY);
    const posts = github.posts.length;
    await reconcile();
    expect(github.posts).toHaveLength(posts);
    expect(github.checks[0]?.updates).toEqual([]);
    expect(first.leases.has(KEY)).toBe(false);
  });

  it('keeps the claim (unrenewed) when finishing fails, so a later pass takes the request over again', async () => {
    const { github, first, reconcile } = crashAt('while-waiting');
    await tick();
    first.expire(KEY);
    const pullRequest = github.pullRequest.bind(github);
    github.pullRequest = () => Promise.reject(new Error('GitHub is down'));
    await reconcile();
    expect(first.leases.get(KEY)).toMatchObject({ live: false });
    github.pullRequest = pullRequest;
    await reconcile();
    expect(first.leases.has(KEY)).toBe(false);
    expect(github.checks[0]?.updates).toHaveLength(1);
  });
});
