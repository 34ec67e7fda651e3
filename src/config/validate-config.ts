// Raw YAML value → TrainbotConfig with every default filled in, or the list of problems, each naming the
// file, the field and what to write instead. Pure: the loader reads the file, this only judges it.
import { CONFIG_FIELDS } from './config-fields.js';
import { type Obj, Reader, isObj, show } from './config-reader.js';
import type { Conclusion, MetricConfig, ParamConfig, ParamType, Permission, TrainbotConfig } from './config-types.js';

export type ConfigResult = { ok: true; config: TrainbotConfig } | { ok: false; errors: string[] };

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]{0,254}$/;          // a registry/repository path; the tag is the sha
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BRANCH = /^[A-Za-z0-9._\-/]{1,255}$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const PERMISSIONS: readonly Permission[] = ['read', 'triage', 'write', 'maintain', 'admin'];
const CONCLUSIONS: readonly Conclusion[] = ['success', 'neutral', 'failure'];


/** Unknown keys are mistakes (a typo silently falling back to a default is worse than an error). */
function unknownKeys(value: Obj, prefix: string, r: Reader): void {
  for (const key of Object.keys(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const pattern = path.replace(/^(params|metrics)\.[^.]+/, '$1.*');
    const known = CONFIG_FIELDS.some((f) => f.path === pattern || f.path.startsWith(`${pattern}.`));
    if (!known) {
      r.fail(path, `is not a trainbot setting; ${suggest(pattern)}`);
      continue;
    }
    const child = value[key];
    const isMap = CONFIG_FIELDS.some((f) => f.path.startsWith(`${pattern}.`));
    if (isMap && isObj(child) && !pattern.endsWith('resources')) unknownKeys(child, path, r);
  }
}

function suggest(pattern: string): string {
  const parent = pattern.includes('.') ? pattern.slice(0, pattern.lastIndexOf('.') + 1) : '';
  const siblings = CONFIG_FIELDS.map((f) => f.path)
    .filter((p) => p.startsWith(parent))
    .map((p) => p.slice(parent.length).split('.')[0] as string);
  const names = [...new Set(siblings)];
  return `the settings here are: ${names.map((n) => `\`${n}\``).join(', ')}.`;
}

function readParam(name: string, raw: unknown, r: Reader): ParamConfig | undefined {
  const path = `params.${name}`;
  if (!NAME.test(name)) {
    r.fail(path, 'has a name trainbot cannot use: start with a lowercase letter, then lowercase letters, digits or `_` (at most 64).');
    return undefined;
  }
  if (!isObj(raw)) {
    r.fail(path, 'must be a mapping with at least `default:` (and `type`, `min`, `max` as needed).');
    return undefined;
  }
  const type = r.oneOf<ParamType>(raw, 'type', `${path}.type`, ['float', 'int', 'string'], 'float');
  const param: ParamConfig = {
    type,
    default: '',
    flag: r.str(raw, 'flag', `${path}.flag`, /^--?[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a flag like `--learning-rate`', `--${name.replace(/_/g, '-')}`),
  };
  if (raw.description !== undefined) param.description = r.str(raw, 'description', `${path}.description`, /^[^\n]{1,200}$/, 'one line of at most 200 characters', '');
  if (type === 'string') {
    const values = raw.values;
    if (values !== undefined && (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(v)))) {
      r.fail(`${path}.values`, 'must be a list of plain words (letters, digits, `.`, `_`, `-`).');
    } else if (values !== undefined) param.values = values as string[];
    const d = raw.default;
    if (typeof d !== 'string' || (param.values && !param.values.includes(d))) {
      r.fail(`${path}.default`, `must be a string${param.values ? ` among the listed \`values\`` : ''}, got ${show(d)}.`);
    } else param.default = d;
    return param;
  }
  const min = r.num(raw, 'min', `${path}.min`);
  const max = r.num(raw, 'max', `${path}.max`);
  if (min !== undefined) param.min = min;
  if (max !== undefined) param.max = max;
  const inverted = min !== undefined && max !== undefined && min > max;
  if (inverted) r.fail(path, `has \`min\` (${min}) greater than \`max\` (${max}).`);
  const d = raw.default;
  const okNumber = typeof d === 'number' && Number.isFinite(d) && (type === 'float' || Number.isInteger(d));
  if (!okNumber) r.fail(`${path}.default`, `is required and must be ${type === 'int' ? 'a whole number' : 'a number'}, got ${show(d)}.`);
  else if (!inverted && ((min !== undefined && d < min) || (max !== undefined && d > max))) r.fail(`${path}.default`, `(${d}) is outside its own range ${min ?? '-∞'}..${max ?? '∞'}.`);
  else param.default = d;
  return param;
}

function readMetric(name: string, raw: unknown, r: Reader): MetricConfig | undefined {
  const path = `metrics.${name}`;
  if (!NAME.test(name)) {
    r.fail(path, 'has a name trainbot cannot use: start with a lowercase letter, then lowercase letters, digits or `_` (at most 64).');
    return undefined;
  }
  if (!isObj(raw)) {
    r.fail(path, 'must be a mapping with `goal: minimize` or `goal: maximize`.');
    return undefined;
  }
  if (raw.goal === undefined) r.fail(`${path}.goal`, 'is required: `minimize` or `maximize`.');
  const goal = r.oneOf(raw, 'goal', `${path}.goal`, ['minimize', 'maximize'] as const, 'minimize');
  const threshold = r.num(raw, 'threshold', `${path}.threshold`) ?? 0;
  if (threshold < 0) r.fail(`${path}.threshold`, `must be 0 or more, got ${threshold}.`);
  return { goal, threshold: Math.max(threshold, 0), digits: r.int(raw, 'digits', `${path}.digits`, 0, 10, 4) };
}

function readResources(o: Obj, key: string, path: string, fallback: Record<string, string>, r: Reader): Record<string, string> {
  if (o[key] === undefined) return fallback;
  const v = r.obj(o, key, path);
  const out: Record<string, string> = {};
  for (const [k, q] of Object.entries(v)) {
    if (!/^[a-z0-9.\-/]{1,63}$/.test(k) || typeof q !== 'string' && typeof q !== 'number' || !QUANTITY.test(String(q))) {
      r.fail(`${path}.${k}`, `must be a Kubernetes quantity like \`500m\` or \`2Gi\`, got ${show(q)}.`);
    } else out[k] = String(q);
  }
  return out;
}

export function validateConfig(raw: unknown, file: string): ConfigResult {
  const r = new Reader(file);
  if (!isObj(raw)) return { ok: false, errors: [`\`${file}\` must be a YAML mapping of settings (\`experiment: …\`, \`image: …\`, \`params: …\`, \`metrics: …\`).`] };
  unknownKeys(raw, '', r);

  const params: Record<string, ParamConfig> = {};
  const rawParams = r.obj(raw, 'params', 'params');
  if (Object.keys(rawParams).length === 0) r.fail('params', 'must list at least one parameter, e.g. `alpha: {type: float, min: 0, default: 0.5}`.');
  for (const [name, p] of Object.entries(rawParams)) {
    const param = readParam(name, p, r);
    if (param) params[name] = param;
  }
  const metrics: Record<string, MetricConfig> = {};
  const rawMetrics = r.obj(raw, 'metrics', 'metrics');
  if (Object.keys(rawMetrics).length === 0) r.fail('metrics', 'must list at least one metric, e.g. `rmse: {goal: minimize}`.');
  for (const [name, m] of Object.entries(rawMetrics)) {
    const metric = readMetric(name, m, r);
    if (metric) metrics[name] = metric;
  }
  const firstMetric = Object.keys(metrics)[0] ?? '';
  const primaryMetric = r.str(raw, 'primary_metric', 'primary_metric', NAME, 'the name of one of the `metrics`', firstMetric);
  if (primaryMetric && Object.keys(metrics).length > 0 && !Object.hasOwn(metrics, primaryMetric)) {
    r.fail('primary_metric', `names ${show(primaryMetric)}, which is not under \`metrics\` (${Object.keys(metrics).join(', ')}).`);
  }

  const command = raw.command ?? ['python', 'train.py'];
  if (!Array.isArray(command) || command.length === 0 || command.length > 16 || !command.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 256)) {
    r.fail('command', 'must be a list of words, e.g. `[python, train.py]` (it is run without a shell).');
  }
  const secret = r.obj(raw, 'tracking_secret', 'tracking_secret');
  const limits = r.obj(raw, 'limits', 'limits');
  const job = r.obj(raw, 'job', 'job');
  const resources = r.obj(job, 'resources', 'job.resources');
  const conclusions = r.obj(raw, 'conclusions', 'conclusions');

  const config: TrainbotConfig = {
    experiment: r.str(raw, 'experiment', 'experiment', /^[^\n]{1,200}$/, 'an MLflow experiment name (one line, at most 200 characters)'),
    image: r.str(raw, 'image', 'image', IMAGE, 'an image name without a tag, like `ghcr.io/acme/wine-train`'),
    namespace: r.str(raw, 'namespace', 'namespace', DNS_LABEL, 'a Kubernetes namespace name (lowercase letters, digits, `-`)', 'trainbot-training'),
    command: Array.isArray(command) ? command.map(String) : [],
    workdir: r.str(raw, 'workdir', 'workdir', /^(?!\/)(?!.*\.\.)[A-Za-z0-9._\-/]{1,200}$/, 'a relative path inside the repository', 'training'),
    trackingUri: r.str(raw, 'tracking_uri', 'tracking_uri', /^https?:\/\/[^\s]{1,300}$/, 'an http(s) URL', 'http://mlflow.mlflow.svc.cluster.local:5000'),
    params,
    metrics,
    primaryMetric,
    baselineBranch: r.str(raw, 'baseline_branch', 'baseline_branch', BRANCH, 'a branch name', 'main'),
    limits: {
      maxRuns: r.int(limits, 'max_runs', 'limits.max_runs', 1, 1000, 20),
      maxParallel: r.int(limits, 'max_parallel', 'limits.max_parallel', 1, 100, 4),
      timeoutMinutes: r.int(limits, 'timeout_minutes', 'limits.timeout_minutes', 1, 24 * 60, 30),
    },
    job: {
      backoffLimit: r.int(job, 'backoff_limit', 'job.backoff_limit', 0, 10, 0),
      ttlSecondsAfterFinished: r.int(job, 'ttl_seconds_after_finished', 'job.ttl_seconds_after_finished', 0, 7 * 24 * 3600, 3600),
      resources: {
        requests: readResources(resources, 'requests', 'job.resources.requests', { cpu: '500m', memory: '1Gi' }, r),
        limits: readResources(resources, 'limits', 'job.resources.limits', { cpu: '1', memory: '2Gi' }, r),
      },
    },
    permission: r.oneOf(raw, 'permission', 'permission', PERMISSIONS, 'write'),
    forks: r.oneOf(raw, 'forks', 'forks', ['refuse', 'allow'] as const, 'refuse'),
    conclusions: {
      better: r.oneOf(conclusions, 'better', 'conclusions.better', CONCLUSIONS, 'success'),
      unchanged: r.oneOf(conclusions, 'unchanged', 'conclusions.unchanged', CONCLUSIONS, 'success'),
      worse: r.oneOf(conclusions, 'worse', 'conclusions.worse', CONCLUSIONS, 'failure'),
      noBaseline: r.oneOf(conclusions, 'no_baseline', 'conclusions.no_baseline', CONCLUSIONS, 'neutral'),
    },
  };
  if (raw.tracking_secret !== undefined) {
    config.trackingSecret = {
      secret: r.str(secret, 'name', 'tracking_secret.name', DNS_LABEL, 'a Kubernetes Secret name'),
      tokenKey: r.str(secret, 'token_key', 'tracking_secret.token_key', /^[-._a-zA-Z0-9]{1,253}$/, 'a key in that Secret', 'token'),
    };
  }
  return r.errors.length > 0 ? { ok: false, errors: r.errors } : { ok: true, config };
}
