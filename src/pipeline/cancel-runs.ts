// Stops every trainbot run of one pull request that the runner still has: `/train cancel`, and a pull request
// closed without merging. The runner finds them by the labels every Job carries (src/runs/job-spec.ts).
import { JOB_LABELS, labelValue } from '../runs/job-spec.js';
import type { RunHandle, Runner } from '../runners/runner.js';

export async function cancelPullRequestRuns(runner: Runner, repo: string, pr: number): Promise<RunHandle[]> {
  const active = await runner.active({
    [JOB_LABELS.repo]: labelValue(repo.replace('/', '.')),
    [JOB_LABELS.pr]: String(pr),
  });
  await Promise.all(active.map((h) => runner.cancel(h)));
  return active;
}
