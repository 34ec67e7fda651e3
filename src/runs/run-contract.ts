// The names trainbot and a training container agree on (DESIGN.md "Contracts"). They live in
// run-contract.json so the Python side tests the very same names.
import contract from './run-contract.json' with { type: 'json' };

export const CONTRACT_ENV = contract.env;
export const RUN_TAGS = contract.tags;
export type RunRole = 'candidate' | 'baseline';

/** What a run is about: the bot sets these as MLflow tags; reports trust only runs carrying them. */
export interface RunOrigin {
  repo: string; // owner/name
  pr?: number; // absent for baseline and CLI runs
  sha: string; // the commit the run trains, recorded when the request arrived
  branch: string;
  request: string; // comment id, delivery id or a CLI request id
  role: RunRole;
  params: string; // canonical 'k=v k=v', keys sorted (see paramsKey in src/runs/plan.ts)
  repeat?: number; // the seed, on a run that is one repeat of a point (repeats=N)
}

/** The tags for a run's origin, as MLflow stores them (strings only). */
export function originTags(origin: RunOrigin): Record<string, string> {
  const tags: Record<string, string> = {
    [RUN_TAGS.repo]: origin.repo,
    [RUN_TAGS.sha]: origin.sha,
    [RUN_TAGS.branch]: origin.branch,
    [RUN_TAGS.request]: origin.request,
    [RUN_TAGS.role]: origin.role,
    [RUN_TAGS.gitCommit]: origin.sha,
    [RUN_TAGS.params]: origin.params,
  };
  if (origin.pr !== undefined) tags[RUN_TAGS.pr] = String(origin.pr);
  if (origin.repeat !== undefined) tags[RUN_TAGS.repeat] = String(origin.repeat);
  return tags;
}

/** A run read back from MLflow as one repeat of a point (its seed), so reports join it with the others. */
export function repeatOf(tags: Readonly<Record<string, string>>): { repeatSeed?: number } {
  const seed = tags[RUN_TAGS.repeat];
  return seed !== undefined && /^-?\d{1,15}$/.test(seed) ? { repeatSeed: Number(seed) } : {};
}
