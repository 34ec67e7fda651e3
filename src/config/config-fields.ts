// Every field of `.github/trainbot.yml`, documented once. The validator (validate-config.ts) accepts exactly
// these paths, README's config reference is checked against this list, and unknown keys are reported
// with the nearest documented name.

export interface FieldDoc {
  path: string;            // dotted; `*` stands for a user-chosen name (a param or metric)
  doc: string;
  default?: string;        // absent: required
}

export const CONFIG_FIELDS: readonly FieldDoc[] = [
  { path: 'experiment', doc: 'MLflow experiment the runs are logged to (created when missing).' },
  { path: 'image', doc: 'Training image without a tag; a run uses the commit\'s full sha as the tag, the tag CI pushes (docs/ci.md, "the image rule").' },
  { path: 'namespace', doc: 'Kubernetes namespace the training Jobs run in.', default: 'trainbot-training' },
  { path: 'command', doc: "The container's command; params are appended as flags, never through a shell.", default: '[python, train.py]' },
  { path: 'workdir', doc: 'Where the command runs for local runs, relative to the repository root.', default: 'training' },
  { path: 'tracking_uri', doc: 'MLflow URL as the training container reaches it.', default: 'http://mlflow.mlflow.svc.cluster.local:5000' },
  { path: 'tracking_secret.name', doc: 'Kubernetes Secret holding the MLflow token (optional; credentials are never inline).' },
  { path: 'tracking_secret.token_key', doc: 'Key in that Secret whose value becomes MLFLOW_TRACKING_TOKEN.', default: 'token' },
  { path: 'params', doc: 'The parameters a command may set, by name (lowercase, digits, underscores).' },
  { path: 'params.*.type', doc: '`float`, `int` or `string`.', default: 'float' },
  { path: 'params.*.default', doc: 'Value used when a command does not set the param; baselines use all defaults.' },
  { path: 'params.*.min', doc: 'Smallest allowed value (inclusive), numbers only.' },
  { path: 'params.*.max', doc: 'Largest allowed value (inclusive), numbers only.' },
  { path: 'params.*.values', doc: 'Allowed values, strings only.' },
  { path: 'params.*.flag', doc: "The training script's flag.", default: '--NAME with _ as -' },
  { path: 'params.*.description', doc: 'One line shown by `/train help`.' },
  { path: 'metrics', doc: 'The metrics the training logs that reports compare, by name.' },
  { path: 'metrics.*.goal', doc: '`minimize` or `maximize`.' },
  { path: 'metrics.*.threshold', doc: 'A change smaller than this (absolute) counts as unchanged.', default: '0' },
  { path: 'metrics.*.digits', doc: 'Decimals shown in reports (0-10).', default: '4' },
  { path: 'primary_metric', doc: "The metric that ranks runs and decides the check run's conclusion.", default: 'the first metric' },
  { path: 'baseline_branch', doc: 'Branch whose runs are the baseline.', default: 'main' },
  { path: 'limits.max_runs', doc: 'Most runs one command may start (a grid larger than this is refused).', default: '20' },
  { path: 'limits.max_parallel', doc: 'Most runs of one command running at once.', default: '4' },
  { path: 'limits.timeout_minutes', doc: 'A run still going after this is stopped and reported as timed out.', default: '30' },
  { path: 'job.backoff_limit', doc: 'Retries of a failed training pod.', default: '0' },
  { path: 'job.ttl_seconds_after_finished', doc: 'How long finished Jobs are kept for inspection.', default: '3600' },
  { path: 'job.resources.requests', doc: 'Container resource requests, e.g. `{cpu: 500m, memory: 1Gi}`.', default: '{cpu: 500m, memory: 1Gi}' },
  { path: 'job.resources.limits', doc: 'Container resource limits.', default: '{cpu: "1", memory: 2Gi}' },
  { path: 'permission', doc: 'Least repository permission needed to run commands: read, triage, write, maintain or admin.', default: 'write' },
  { path: 'forks', doc: '`refuse` or `allow` commands on pull requests from forks (their code would run next to cluster credentials).', default: 'refuse' },
  { path: 'conclusions.better', doc: 'Check run conclusion when the primary metric improved: success, neutral or failure.', default: 'success' },
  { path: 'conclusions.unchanged', doc: 'Conclusion when the primary metric changed less than its threshold.', default: 'success' },
  { path: 'conclusions.worse', doc: 'Conclusion when the primary metric got worse.', default: 'failure' },
  { path: 'conclusions.no_baseline', doc: 'Conclusion when there is no baseline to compare with.', default: 'neutral' },
];
