// `.github/trainbot.yml`, declared once: each setting's type, range, default, the line that documents it and the
// sentence a user reads when it is wrong. Everything else is derived from this: the validated TrainbotConfig
// type (config-types.ts), the checks (validate-config.ts), trainbot.schema.json for editors and README's
// table (config-fields.ts, `npm run schema`).
import { z } from 'zod';
import { show } from './show-value.js';

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]{0,254}$/;          // a registry/repository path; the tag is the sha
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BRANCH = /^[A-Za-z0-9._\-/]{1,255}$/;
const ONE_LINE = /^[^\n]{1,200}$/;
const RELATIVE_PATH = /^(?!\/)(?!.*\.\.)[A-Za-z0-9._\-/]{1,200}$/;
const HTTP_URL = /^https?:\/\/[^\s]{1,300}$/;
const FLAG = /^--?[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PLAIN_WORD = /^[A-Za-z0-9._-]{1,64}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const RESOURCE_NAME = /^[a-z0-9.\-/]{1,63}$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** What the error functions below read from a zod issue: the value that was there (undefined when absent). */
type Found = { readonly input?: unknown };

const code = (word: string): string => `\`${word}\``;
const WORDS = 'must be a list of words, e.g. `[python, train.py]` (it is run without a shell).';
const PLAIN_WORDS = 'must be a list of plain words (letters, digits, `.`, `_`, `-`).';
const BAD_NAME = 'has a name trainbot cannot use: start with a lowercase letter, then lowercase letters, digits or `_` (at most 64).';

/**
 * Defaults a reader needs in words because they depend on other settings. Kept out of zod's own metadata so
 * they do not become JSON Schema keywords; trainbot.schema.json gets them appended to the description.
 */
export const proseDefaults = z.registry<{ default: string }>();

/** A string setting matching `pattern`; `hint` ends both "is required: …" and "must be …, got …". */
function text(pattern: RegExp, hint: string) {
  const wrong = (iss: Found) => (iss.input === undefined ? `is required: ${hint}.` : `must be ${hint}, got ${show(iss.input)}.`);
  return z.string({ error: wrong }).regex(pattern, { error: wrong });
}

function wholeNumber(min: number, max: number) {
  const wrong = (iss: Found) => `must be a whole number from ${min} to ${max}, got ${show(iss.input)}.`;
  return z.number({ error: wrong }).int({ error: wrong }).min(min, { error: wrong }).max(max, { error: wrong });
}

const finiteNumber = () => z.number({ error: (iss: Found) => `must be a finite number, got ${show(iss.input)}.` });

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss: Found) => (iss.input === undefined ? `is required: ${values.map(code).join(' or ')}.` : `must be one of ${values.join(', ')}, got ${show(iss.input)}.`),
  });
}

/** A mapping of fixed settings; any other key is reported (with the nearest name) by validate-config.ts. */
function settings<S extends z.ZodRawShape>(shape: S, notMapping: string) {
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? undefined : notMapping) });
}
const mappingUnder = (key: string) => `must be a mapping (\`key: value\` lines indented under \`${key}:\`).`;

/** Kubernetes resource quantities by resource name, e.g. `{cpu: 500m, memory: 1Gi}`; numbers become strings. */
function quantities(key: string) {
  const wrong = (iss: Found) => `must be a Kubernetes quantity like \`500m\` or \`2Gi\`, got ${show(iss.input)}.`;
  const quantity = z.union([z.string({ error: wrong }).regex(QUANTITY, { error: wrong }), z.number({ error: wrong }).nonnegative({ error: wrong })], { error: wrong });
  return z.record(z.string().regex(RESOURCE_NAME), quantity.transform(String), {
    error: (iss) => (iss.code === 'invalid_key' ? 'is not a resource name: lowercase letters, digits, `.`, `-` or `/`, like `cpu` or `memory`.' : mappingUnder(key)),
  });
}

const paramSchema = settings(
  {
    type: oneOf(['float', 'int', 'string']).default('float').meta({ description: '`float`, `int` or `string`.' }),
    default: z
      .union([z.number(), z.string()], {
        error: (iss: Found) => (iss.input === undefined
          ? 'is required: the value used when a command does not set this param (a number, or text for `type: string`).'
          : `must be a number, or text for \`type: string\`, got ${show(iss.input)}.`),
      })
      .meta({ description: 'Value used when a command does not set the param; baselines use all defaults.' }),
    min: finiteNumber().optional().meta({ description: 'Smallest allowed value (inclusive), numbers only.' }),
    max: finiteNumber().optional().meta({ description: 'Largest allowed value (inclusive), numbers only.' }),
    values: z
      .array(z.string({ error: PLAIN_WORDS }).regex(PLAIN_WORD, { error: PLAIN_WORDS }), { error: PLAIN_WORDS })
      .min(1, { error: PLAIN_WORDS })
      .optional()
      .meta({ description: 'Allowed values, strings only (any text when left out).' }),
    flag: text(FLAG, 'a flag like `--learning-rate`')
      .optional()
      .meta({ description: "The training script's flag." })
      .register(proseDefaults, { default: '`--NAME` with `_` as `-`' }),
    description: text(ONE_LINE, 'one line of at most 200 characters').optional().meta({ description: 'One line shown by `/train help`.' }),
  },
  'must be a mapping with at least `default:` (and `type`, `min`, `max` as needed).',
).superRefine((p, ctx) => {
  // Checks between fields; zod runs them once each field on its own is right.
  if (p.type === 'string') {
    if (typeof p.default !== 'string' || (p.values && !p.values.includes(p.default))) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: `must be a string${p.values ? ' among the listed `values`' : ''}, got ${show(p.default)}.` });
    }
    return;
  }
  const { min, max, default: d } = p;
  const inverted = min !== undefined && max !== undefined && min > max;
  if (inverted) ctx.addIssue({ code: 'custom', path: [], message: `has \`min\` (${min}) greater than \`max\` (${max}).` });
  if (typeof d !== 'number' || (p.type === 'int' && !Number.isInteger(d))) {
    ctx.addIssue({ code: 'custom', path: ['default'], message: `must be ${p.type === 'int' ? 'a whole number' : 'a number'}, got ${show(d)}.` });
  } else if (!inverted && ((min !== undefined && d < min) || (max !== undefined && d > max))) {
    ctx.addIssue({ code: 'custom', path: ['default'], message: `(${d}) is outside its own range ${min ?? '-∞'}..${max ?? '∞'}.` });
  }
});

const metricSchema = settings(
  {
    goal: oneOf(['minimize', 'maximize']).meta({ description: '`minimize` or `maximize`.' }),
    threshold: finiteNumber()
      .min(0, { error: (iss: Found) => `must be 0 or more, got ${String(iss.input)}.` })
      .default(0)
      .meta({ description: 'A change smaller than this (absolute) counts as unchanged.' }),
    digits: wholeNumber(0, 10).default(4).meta({ description: 'Decimals shown in reports (0-10).' }),
  },
  'must be a mapping with `goal: minimize` or `goal: maximize`.',
);

/** Mappings of user-named entries (params, metrics) with at least one entry. */
function named<V extends z.ZodType>(key: string, value: V, example: string) {
  const empty = `must list at least one ${key === 'params' ? 'parameter' : 'metric'}, e.g. ${example}.`;
  return z
    .record(z.string().regex(NAME), value, {
      error: (iss) => (iss.code === 'invalid_key' ? BAD_NAME : iss.input === undefined ? empty : mappingUnder(key)),
    })
    .refine((entries) => Object.keys(entries).length > 0, { error: empty })
    .meta({ minProperties: 1 });
}

const conclusion = () => oneOf(['success', 'neutral', 'failure']);

/** The file as written: snake_case keys, every field checked, defaults filled in. */
export const rawConfigSchema = settings(
  {
    experiment: text(ONE_LINE, 'an MLflow experiment name (one line, at most 200 characters)').meta({
      description: 'MLflow experiment the runs are logged to (created when missing).',
    }),
    image: text(IMAGE, 'an image name without a tag, like `ghcr.io/acme/wine-train`').meta({
      description: 'Training image without a tag; a run uses the commit\'s full sha as the tag, the tag CI pushes (docs/ci.md, "the image rule").',
    }),
    namespace: text(DNS_LABEL, 'a Kubernetes namespace name (lowercase letters, digits, `-`)')
      .default('trainbot-training')
      .meta({ description: 'Kubernetes namespace the training Jobs run in.' }),
    command: z
      .array(z.string({ error: WORDS }).min(1, { error: WORDS }).max(256, { error: WORDS }), { error: WORDS })
      .min(1, { error: WORDS })
      .max(16, { error: 'must be a list of at most 16 words, e.g. `[python, train.py]` (it is run without a shell).' })
      .default(['python', 'train.py'])
      .meta({ description: "The container's command; params are appended as flags, never through a shell." }),
    workdir: text(RELATIVE_PATH, 'a relative path inside the repository')
      .default('training')
      .meta({ description: 'Where the command runs for local runs, relative to the repository root.' }),
    tracking_uri: text(HTTP_URL, 'an http(s) URL')
      .default('http://mlflow.mlflow.svc.cluster.local:5000')
      .meta({ description: 'MLflow URL as the training container reaches it.' }),
    tracking_secret: settings(
      {
        name: text(DNS_LABEL, 'a Kubernetes Secret name').meta({
          description: 'Kubernetes Secret holding the MLflow token (credentials are never inline).',
        }),
        token_key: text(SECRET_KEY, 'a key in that Secret')
          .default('token')
          .meta({ description: 'Key in that Secret whose value becomes `MLFLOW_TRACKING_TOKEN`.' }),
      },
      mappingUnder('tracking_secret'),
    ).optional(),
    params: named('params', paramSchema, '`alpha: {type: float, min: 0, default: 0.5}`').meta({
      description: 'The parameters a command may set, by name (lowercase, digits, `_`).',
    }),
    metrics: named('metrics', metricSchema, '`rmse: {goal: minimize}`').meta({
      description: 'The metrics the training logs that reports compare, by name.',
    }),
    primary_metric: text(NAME, 'the name of one of the `metrics`')
      .optional()
      .meta({ description: "The metric that ranks runs and decides the check run's conclusion." })
      .register(proseDefaults, { default: 'the first metric' }),
    baseline_branch: text(BRANCH, 'a branch name').default('main').meta({ description: 'Branch whose runs are the baseline.' }),
    limits: settings(
      {
        max_runs: wholeNumber(1, 1000).default(20).meta({ description: 'Most runs one command may start (a larger grid is refused).' }),
        max_parallel: wholeNumber(1, 100).default(4).meta({ description: 'Most runs of one command running at once.' }),
        timeout_minutes: wholeNumber(1, 24 * 60)
          .default(30)
          .meta({ description: 'A run still going after this is stopped and reported as timed out.' }),
      },
      mappingUnder('limits'),
    ).prefault({}),
    job: settings(
      {
        backoff_limit: wholeNumber(0, 10).default(0).meta({ description: 'Retries of a failed training pod.' }),
        ttl_seconds_after_finished: wholeNumber(0, 7 * 24 * 3600)
          .default(3600)
          .meta({ description: 'How long finished Jobs are kept for inspection.' }),
        resources: settings(
          {
            requests: quantities('requests')
              .default({ cpu: '500m', memory: '1Gi' })
              .meta({ description: 'Container resource requests (CPU, memory, …) by resource name.' }),
            limits: quantities('limits').default({ cpu: '1', memory: '2Gi' }).meta({ description: 'Container resource limits by resource name.' }),
          },
          mappingUnder('resources'),
        ).prefault({}),
      },
      mappingUnder('job'),
    ).prefault({}),
    permission: oneOf(['read', 'triage', 'write', 'maintain', 'admin'])
      .default('write')
      .meta({ description: 'Least repository permission to run commands: `read`, `triage`, `write`, `maintain` or `admin`.' }),
    forks: oneOf(['refuse', 'allow'])
      .default('refuse')
      .meta({ description: '`refuse` or `allow` commands on pull requests from forks (their code would run next to cluster credentials).' }),
    conclusions: settings(
      {
        better: conclusion()
          .default('success')
          .meta({ description: 'Check run conclusion when the primary metric improved: `success`, `neutral` or `failure`.' }),
        unchanged: conclusion().default('success').meta({ description: 'Conclusion when the primary metric changed less than its threshold.' }),
        worse: conclusion().default('failure').meta({ description: 'Conclusion when the primary metric got worse.' }),
        no_baseline: conclusion().default('neutral').meta({ description: 'Conclusion when there is no baseline to compare with.' }),
      },
      mappingUnder('conclusions'),
    ).prefault({}),
  },
  'must be a YAML mapping of settings (`experiment: …`, `image: …`, `params: …`, `metrics: …`).',
)
  .superRefine((raw, ctx) => {
    const names = Object.keys(raw.metrics);
    if (raw.primary_metric !== undefined && !Object.hasOwn(raw.metrics, raw.primary_metric)) {
      ctx.addIssue({ code: 'custom', path: ['primary_metric'], message: `names ${show(raw.primary_metric)}, which is not under \`metrics\` (${names.join(', ')}).` });
    }
  })
  .meta({
    title: 'trainbot configuration',
    description: 'Settings of trainbot for this repository, read from `.github/trainbot.yml` on the base branch.',
  });

type RawConfig = z.output<typeof rawConfigSchema>;
type RawParam = z.output<typeof paramSchema>;

/** One param as code uses it: the flag filled in, only the fields its type uses. */
function toParam(name: string, p: RawParam) {
  return {
    type: p.type,
    default: p.default,
    ...(p.type !== 'string' && p.min !== undefined && { min: p.min }),
    ...(p.type !== 'string' && p.max !== undefined && { max: p.max }),
    ...(p.type === 'string' && p.values !== undefined && { values: p.values }),
    flag: p.flag ?? `--${name.replace(/_/g, '-')}`,
    ...(p.description !== undefined && { description: p.description }),
  };
}

/** The names code uses (camelCase, `tracking_secret.name` as `secret`) and the defaults that depend on other fields. */
function toConfig(raw: RawConfig) {
  return {
    experiment: raw.experiment,
    image: raw.image,
    namespace: raw.namespace,
    command: raw.command,
    workdir: raw.workdir,
    trackingUri: raw.tracking_uri,
    ...(raw.tracking_secret !== undefined && { trackingSecret: { secret: raw.tracking_secret.name, tokenKey: raw.tracking_secret.token_key } }),
    params: Object.fromEntries(Object.entries(raw.params).map(([name, p]) => [name, toParam(name, p)])),
    metrics: raw.metrics,
    primaryMetric: raw.primary_metric ?? (Object.keys(raw.metrics)[0] as string),
    baselineBranch: raw.baseline_branch,
    limits: { maxRuns: raw.limits.max_runs, maxParallel: raw.limits.max_parallel, timeoutMinutes: raw.limits.timeout_minutes },
    job: {
      backoffLimit: raw.job.backoff_limit,
      ttlSecondsAfterFinished: raw.job.ttl_seconds_after_finished,
      resources: raw.job.resources,
    },
    permission: raw.permission,
    forks: raw.forks,
    conclusions: {
      better: raw.conclusions.better,
      unchanged: raw.conclusions.unchanged,
      worse: raw.conclusions.worse,
      noBaseline: raw.conclusions.no_baseline,
    },
  };
}

/** `.github/trainbot.yml` → the config code uses. */
export const configSchema = rawConfigSchema.transform(toConfig);
