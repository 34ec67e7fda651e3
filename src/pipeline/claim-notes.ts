// The notes a `/train` request's claim carries (Runner.claim; a Lease's annotations on Kubernetes): what the
// reconciler (reconcile.ts) needs to finish the request when the process that started it died. Strings only.
export const CLAIM_NOTES = {
  repo: 'repo', // owner/name
  pr: 'pr', // the pull request's number
  comment: 'comment', // the /train comment's id (reactions go on it)
  request: 'request', // trainbot.request on the MLflow runs, trainbot.dev/request on the Jobs
  marker: 'marker', // the living comment's marker key
  installation: 'installation', // the GitHub App installation that reaches the repository
  experiment: 'experiment', // the MLflow experiment id
  check: 'check', // the check run's id, once created
  sha: 'sha', // the head commit the check run is created on
  checkRef: 'check-ref', // the check run's external_id: finds it when the process died before noting its id
  title: 'title', // the report's title (requestTitle of the plans)
  done: 'done', // the final steps already done: comment,check,reaction
} as const;
