// The notes a request's claim carries (Runner.claim; a Lease's annotations on Kubernetes): what the reconciler
// (reconcile.ts) needs to finish the request when the process that started it died. Strings only. A request is
// a `/train` command unless `kind` says otherwise.
export const CLAIM_NOTES = {
  kind: 'kind', // absent for a /train command; MERGE_KIND for a merge's final report and baseline refresh
  repo: 'repo', // owner/name
  pr: 'pr', // the pull request's number
  comment: 'comment', // the /train comment's id (reactions go on it)
  request: 'request', // trainbot.request on the MLflow runs, trainbot.dev/request on the Jobs
  marker: 'marker', // the living comment's marker key
  installation: 'installation', // the GitHub App installation that reaches the repository
  experiment: 'experiment', // the MLflow experiment id
  check: 'check', // the check run's id, once created
  sha: 'sha', // the head commit the check run is created on; a merge: the merge commit its new baseline trains
  checkRef: 'check-ref', // the check run's external_id: finds it when the process died before noting its id
  title: 'title', // the report's title (requestTitle of the plans)
  done: 'done', // the final steps already done: comment,check,reaction (a merge: comment)
  base: 'base', // a merge: the branch it went into, whose config applies
} as const;

/** A merged pull request's request (src/pipeline/on-pr-closed.ts), finished by src/pipeline/finish-merge.ts. */
export const MERGE_KIND = 'merge';

export const doneSteps = (notes: Readonly<Record<string, string>>): Set<string> =>
  new Set((notes[CLAIM_NOTES.done] ?? '').split(',').filter(Boolean));
