// What a report says about a run whose metrics are not the ones trainbot signed when it ended
// (src/runs/metrics-signature.ts): the report names it and what changed (whatChanged in render-report.ts)
// instead of comparing with it. Pure.
import type { RejectedMetrics } from '../runs/metrics-signature.js';
import { RUN_TAGS } from '../runs/run-contract.js';

/** A baseline that was found but not used, for the report to name. */
export interface RejectedBaseline {
  runId: string;
  sha: string;
  check: RejectedMetrics;
}

export function rejectedBaseline(
  rejected:
    { run: { info: { runId: string }; tags: Readonly<Record<string, string>> }; check: RejectedMetrics } | undefined,
): RejectedBaseline | undefined {
  if (!rejected) return undefined;
  return { runId: rejected.run.info.runId, sha: rejected.run.tags[RUN_TAGS.sha] ?? '', check: rejected.check };
}
