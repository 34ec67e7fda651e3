// `.github/trainbot.yml`, declared once: each setting's type, range, default, the line that documents it and the
// sentence a user reads when it is wrong. Everything else is derived from this: the validated TrainbotConfig
// type (config-types.ts), the checks (validate-config.ts), trainbot.schema.json for editors and README's
// table (config-fields.ts, `npm run schema`). zod/mini rather than classic zod: the same engine with functions in
// place of methods, which the sweep action's bundle can tree-shake (about 50 kB instead of about 700 kB).
import * as z from 'zod/mini';
import { show } from './show-value.js';

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]{0,254}$/; // a registry/repository path; the tag is the sha
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BRANCH = /^[A-Za-z0-9._\-/]{1,255}$/;
const ONE_LINE = /^[^\n]{1,200}$/;
const RELATIVE_PATH = /^(?!\/)(?!.*\.\.)[A-Za-z0-9._\-/]{1,200}$/;
const HTTP_URL = /^https?:\/\/[^\s]{1,300}$/;
const FLAG = /^--?[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PLAIN_WORD = /^[A-Za-z0-9._-]{1,64}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const RESOURCE_NAME = /^[a-z0-9.\-/]{1,63}$/;
/** Most baselines the merge report's trend charts (`trend_baselines`). */
export const TREND_BASELINES_MAX = 100;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
// A name MLflow's registry takes (3.17 refuses blanks, `/`, `:` and names like `.` or `..`; it stores at most 256
// characters), kept to characters that read the same in a URL and a report.
const MODEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._ -]{0,254}[A-Za-z0-9._-])?$/;
// MLflow's alias rule (word characters and `-`), in ASCII; `latest` and `v1`, `v2`, … are its own.
const MODEL_ALIAS = /^(?![Ll][Aa][Tt][Ee][Ss][Tt]$)(?![vV][0-9]+$)[A-Za-z0-9_-]{1,255}$/;

/** What the error functions below read from a zod issue: the value that was there (undefined when absent). */
type Found = { readonly input?: unknown };

const code = (word: string): string => `\`${word}\``;
const WORDS = 'must be a list of words, e.g. `[python, train.py]` (it is run without a shell).';
const PLAIN_WORDS = 'must be a list of plain words (letters, digits, `.`, `_`, `-`).';
const BAD_NAME =
  'has a name trainbot cannot use: start with a lowercase letter, then lowercase letters, digits or `_` (at most 64).';

/**
 * Defaults a reader needs in words because they depend on other settings. Kept out of zod's own metadata so
 * they do not become JSON Schema keywords; trainbot.schema.json gets them appended to the description.
 */
export const proseDefaults = z.registry<{ default: string }>();

/** A string setting matching `pattern`; `hint` ends both "is required: …" and "must be …, got …". */
function text(pattern: RegExp, hint: string) {
  const wrong = (iss: Found) =>
    iss.input === undefined ? `is required: ${hint}.` : `must be ${hint}, got ${show(iss.input)}.`;
  return z.string({ error: wrong }).check(z.regex(pattern, { error: wrong }));
}

function wholeNumber(min: number, max: number) {
  const wrong = (iss: Found) => `must be a whole number from ${min} to ${max}, got ${show(iss.input)}.`;
  return z.int({ error: wrong }).check(z.minimum(min, { error: wrong }), z.maximum(max, { error: wrong }));
}

const finiteNumber = () => z.number({ error: (iss: Found) => `must be a finite number, got ${show(iss.input)}.` });

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss: Found) =>
      iss.input === undefined
        ? `is required: ${values.map(code).join(' or ')}.`
        : `must be one of ${values.join(', ')}, got ${show(iss.input)}.`,
  });
}

/** A mapping of fixed settings; any other key is reported (with the nearest name) by validate-config.ts. */
function settings<S extends z.core.$ZodLooseShape>(shape: S, notMapping: string) {
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? undefined : notMapping) });
}
const mappingUnder = (key: string) => `must be a mapping (\`key: value\` lines indented under \`${key}:\`).`;

/** Kubernetes resource quantities by resource name, e.g. `{cpu: 500m, memory: 1Gi}`; numbers become strings. */
function quantities(key: string) {
  const wrong = (iss: Found) => `must be a Kubernetes quantity like \`500m\` or \`2Gi\`, got ${show(iss.input)}.`;
  const quantity = z.union(
    [
      z.string({ error: wrong }).check(z.regex(QUANTITY, { error: wrong })),
      z.number({ error: wrong }).check(z.nonnegative({ error: wrong })),
    ],
    { error: wrong },
  );
  return z.record(z.string().check(z.regex(RESOURCE_NAME)), z.pipe(quantity, z.transform(String)), {
    error: (iss) =>
      iss.code === 'invalid_key'
        ? 'is not a resource name: lowercase letters, digits, `.`, `-` or `/`, like `cpu` or `memory`.'
        : mappingUnder(key),
  });
}

/** `schema` with the line that documents it (README's table, the editor's hover text). */
function documented<T extends z.ZodMiniType>(schema: T, description: string): T {
  z.globalRegistry.add(schema as z.core.$ZodType, { description });
  return schema;
}
/** A setting that may be left out, taking `fallback`. */
const withDefault = <T extends z.ZodMiniType>(
  schema: T,
  fallback: z.core.util.NoUndefined<z.output<T>>,
  description: string,
) => documented(z._default(schema, fallback), description);
/** A setting that may be left out, with nothing in its place. */
const optional = <T extends z.ZodMiniType>(schema: T, description: string) =>
  documented(z.optional(schema), description);
/** A default that depends on other settings, in words (README, the editor). */
function inWords<T extends z.ZodMiniType>(schema: T, text: string): T {
  proseDefaults.add(schema as z.core.$ZodType, { default: text });
  return schema;
}

const paramSchema = settings(
  {
    type: withDefault(oneOf(['float', 'int', 'string']), 'float', '`float`, `int` or `string`.'),
    default: documented(
      z.union([z.number(), z.string()], {
        error: (iss: Found) =>
          iss.input === undefined
            ? 'is required: the value used when a command does not set this param (a number, or text for `type: string`).'
            : `must be a number, or text for \`type: string\`, got ${show(iss.input)}.`,
      }),
      'Value used when a command does not set the param; baselines use all defaults.',
    ),
    min: optional(finiteNumber(), 'Smallest allowed value (inclusive), numbers only.'),
    max: optional(finiteNumber(), 'Largest allowed value (inclusive), numbers only.'),
    values: optional(
      z
        .array(z.string({ error: PLAIN_WORDS }).check(z.regex(PLAIN_WORD, { error: PLAIN_WORDS })), {
          error: PLAIN_WORDS,
        })
        .check(z.minLength(1, { error: PLAIN_WORDS })),
      'Allowed values, strings only (without it: letters, digits, spaces and `. _ - / : + @`, up to 64 characters).',
    ),
    flag: inWords(
      optional(text(FLAG, 'a flag like `--learning-rate`'), "The training script's flag."),
      '`--NAME` with `_` as `-`',
    ),
    description: optional(text(ONE_LINE, 'one line of at most 200 characters'), 'One line shown by `/train help`.'),
  },
  'must be a mapping with at least `default:` (and `type`, `min`, `max` as needed).',
).check(
  z.superRefine((p, ctx) => {
    // Checks between fields; zod runs them once each field on its own is right.
    if (p.type === 'string') {
      if (typeof p.default !== 'string' || (p.values && !p.values.includes(p.default))) {
        ctx.addIssue({
          code: 'custom',
          path: ['default'],
          message: `must be a string${p.values ? ' among the listed `values`' : ''}, got ${show(p.default)}.`,
        });
      }
      return;
    }
    const { min, max, default: d } = p;
    const inverted = min !== undefined && max !== undefined && min > max;
    if (inverted)
      ctx.addIssue({ code: 'custom', path: [], message: `has \`min\` (${min}) greater than \`max\` (${max}).` });
    if (typeof d !== 'number' || (p.type === 'int' && !Number.isInteger(d))) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: `must be ${p.type === 'int' ? 'a whole number' : 'a number'}, got ${show(d)}.`,
      });
    } else if (!inverted && ((min !== undefined && d < min) || (max !== undefined && d > max))) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: `(${d}) is outside its own range ${min ?? '-∞'}..${max ?? '∞'}.`,
      });
    }
  }),
);

const metricSchema = settings(
  {
    goal: documented(oneOf(['minimize', 'maximize']), '`minimize` or `maximize`.'),
    threshold: withDefault(
      finiteNumber().check(z.minimum(0, { error: (iss: Found) => `must be 0 or more, got ${String(iss.input)}.` })),
      0,
      'A change smaller than this (absolute) counts as unchanged.',
    ),
    digits: withDefault(wholeNumber(0, 10), 4, 'Decimals shown in reports (0-10).'),
  },
  'must be a mapping with `goal: minimize` or `goal: maximize`.',
);

/** Mappings of user-named entries (params, metrics) with at least one entry. */
function named<V extends z.ZodMiniType>(key: string, value: V, example: string, description: string) {
  const empty = `must list at least one ${key === 'params' ? 'parameter' : 'metric'}, e.g. ${example}.`;
  const entries = z.record(z.string().check(z.regex(NAME)), value, {
    error: (iss) => (iss.code === 'invalid_key' ? BAD_NAME : iss.input === undefined ? empty : mappingUnder(key)),
  });
  return entries
    .check(z.refine((e) => Object.keys(e).length > 0, { error: empty }))
    .register(z.globalRegistry, { description, minProperties: 1 });
}

const conclusion = (fallback: 'success' | 'neutral' | 'failure', description: string) =>
  withDefault(oneOf(['success', 'neutral', 'failure']), fallback, description);

/** The file as written: snake_case keys, every field checked, defaults filled in. */
export const rawConfigSchema = settings(
  {
    experiment: documented(
      text(ONE_LINE, 'an MLflow experiment name (one line, at most 200 characters)'),
      'MLflow experiment the runs are logged to (created when missing).',
    ),
    image: documented(
      text(IMAGE, 'an image name without a tag, like `ghcr.io/acme/wine-train`'),
      'Training image without a tag; a run uses the commit\'s full sha as the tag, the tag CI pushes (docs/ci.md, "the image rule").',
    ),
    namespace: withDefault(
      text(DNS_LABEL, 'a Kubernetes namespace name (lowercase letters, digits, `-`)'),
      'trainbot-training',
      'Kubernetes namespace the training Jobs run in.',
    ),
    command: withDefault(
      z
        .array(z.string({ error: WORDS }).check(z.minLength(1, { error: WORDS }), z.maxLength(256, { error: WORDS })), {
          error: WORDS,
        })
        .check(
          z.minLength(1, { error: WORDS }),
          z.maxLength(16, {
            error: 'must be a list of at most 16 words, e.g. `[python, train.py]` (it is run without a shell).',
          }),
        ),
      ['python', 'train.py'],
      "The container's command; params are appended as flags, never through a shell.",
    ),
    workdir: withDefault(
      text(RELATIVE_PATH, 'a relative path inside the repository'),
      'training',
      'Where the command runs for local runs, relative to the repository root.',
    ),
    tracking_uri: withDefault(
      text(HTTP_URL, 'an http(s) URL'),
      'http://mlflow.mlflow.svc.cluster.local:5000',
      'MLflow URL as the training container reaches it.',
    ),
    tracking_secret: z.optional(
      settings(
        {
          name: documented(
            text(DNS_LABEL, 'a Kubernetes Secret name'),
            'Kubernetes Secret holding the MLflow token (credentials are never inline).',
          ),
          token_key: withDefault(
            text(SECRET_KEY, 'a key in that Secret'),
            'token',
            'Key in that Secret whose value becomes `MLFLOW_TRACKING_TOKEN`.',
          ),
        },
        mappingUnder('tracking_secret'),
      ),
    ),
    params: named(
      'params',
      paramSchema,
      '`alpha: {type: float, min: 0, default: 0.5}`',
      'The parameters a command may set, by name (lowercase, digits, `_`).',
    ),
    metrics: named(
      'metrics',
      metricSchema,
      '`rmse: {goal: minimize}`',
      'The metrics the training logs that reports compare, by name.',
    ),
    primary_metric: inWords(
      optional(
        text(NAME, 'the name of one of the `metrics`'),
        "The metric that ranks runs and decides the check run's conclusion.",
      ),
      'the first metric',
    ),
    baseline_branch: withDefault(text(BRANCH, 'a branch name'), 'main', 'Branch whose runs are the baseline.'),
    // Capped so the merge report's one request and its chart stay small; more points would not be readable.
    trend_baselines: withDefault(
      wholeNumber(0, TREND_BASELINES_MAX),
      10,
      'How many of the newest baselines of `baseline_branch` the merge report charts (`0`: no chart).',
    ),
    limits: z.prefault(
      settings(
        {
          max_runs: withDefault(
            wholeNumber(1, 1000),
            20,
            'Most runs one command may start (a larger grid is refused).',
          ),
          max_parallel: withDefault(wholeNumber(1, 100), 4, 'Most runs of one command running at once.'),
          timeout_minutes: withDefault(
            wholeNumber(1, 24 * 60),
            30,
            'A run still going after this is stopped and reported as timed out.',
          ),
        },
        mappingUnder('limits'),
      ),
      {},
    ),
    job: z.prefault(
      settings(
        {
          backoff_limit: withDefault(wholeNumber(0, 10), 0, 'Retries of a failed training pod.'),
          ttl_seconds_after_finished: withDefault(
            wholeNumber(0, 7 * 24 * 3600),
            3600,
            'How long finished Jobs are kept for inspection.',
          ),
          resources: z.prefault(
            settings(
              {
                requests: withDefault(
                  quantities('requests'),
                  { cpu: '500m', memory: '1Gi' },
                  'Container resource requests (CPU, memory, …) by resource name.',
                ),
                limits: withDefault(
                  quantities('limits'),
                  { cpu: '1', memory: '2Gi' },
                  'Container resource limits by resource name.',
                ),
              },
              mappingUnder('resources'),
            ),
            {},
          ),
        },
        mappingUnder('job'),
      ),
      {},
    ),
    permission: withDefault(
      oneOf(['read', 'triage', 'write', 'maintain', 'admin']),
      'write',
      'Least repository permission to run commands: `read`, `triage`, `write`, `maintain` or `admin`.',
    ),
    forks: withDefault(
      oneOf(['refuse', 'allow']),
      'refuse',
      '`refuse` or `allow` commands on pull requests from forks (their code would run next to cluster credentials).',
    ),
    conclusions: z.prefault(
      settings(
        {
          better: conclusion(
            'success',
            'Check run conclusion when the primary metric improved: `success`, `neutral` or `failure`.',
          ),
          unchanged: conclusion('success', 'Conclusion when the primary metric changed less than its threshold.'),
          worse: conclusion('failure', 'Conclusion when the primary metric got worse.'),
          no_baseline: conclusion('neutral', 'Conclusion when there is no baseline to compare with.'),
        },
        mappingUnder('conclusions'),
      ),
      {},
    ),
    registry: z.optional(
      settings(
        {
          model: documented(
            text(
              MODEL_NAME,
              'a registered-model name MLflow accepts: letters, digits, spaces, `.`, `_` or `-`, starting with a letter or digit, at most 256 characters (no `/` or `:`)',
            ),
            "Registered model each merge's new baseline is registered as a version of (no `registry`: nothing is registered).",
          ),
          alias: withDefault(
            text(
              MODEL_ALIAS,
              'an alias MLflow accepts: letters, digits, `_` or `-` (not `latest`, not `v` and a number)',
            ),
            'champion',
            'Alias moved to the new version only when it is not worse than the version the alias points to.',
          ),
          logged_model: withDefault(
            text(PLAIN_WORD, 'the `name` the training code passes to `log_model`'),
            'model',
            'The `name` the training code gives `mlflow.<flavor>.log_model`: the model that is registered.',
          ),
        },
        mappingUnder('registry'),
      ),
    ),
    // Repeats: docs/design.md, "Noise-aware verdict".
    repeats: withDefault(
      wholeNumber(1, 1000),
      1,
      'Runs per point, each with the next seed (`seed_param` from its default up); the baseline uses the same seeds. A command may set `repeats=N`.',
    ),
    seed_param: withDefault(
      text(NAME, 'the name of one of the `params`'),
      'seed',
      'The whole-number param that repeats vary (needed only when a run has more than one repeat).',
    ),
    confidence: withDefault(
      finiteNumber().check(
        z.minimum(0.5, { error: (iss: Found) => `must be from 0.5 to 0.999, got ${show(iss.input)}.` }),
        z.maximum(0.999, { error: (iss: Found) => `must be from 0.5 to 0.999, got ${show(iss.input)}.` }),
      ),
      0.95,
      'Confidence of the interval of the mean paired difference: with repeats, a change is better or worse only when that interval excludes 0 and the change is larger than its threshold.',
    ),
  },
  'must be a YAML mapping of settings (`experiment: …`, `image: …`, `params: …`, `metrics: …`).',
)
  .check(
    z.superRefine((raw, ctx) => {
      const names = Object.keys(raw.metrics);
      if (raw.primary_metric !== undefined && !Object.hasOwn(raw.metrics, raw.primary_metric)) {
        ctx.addIssue({
          code: 'custom',
          path: ['primary_metric'],
          message: `names ${show(raw.primary_metric)}, which is not under \`metrics\` (${names.join(', ')}).`,
        });
      }
      // `repeats` is a word of the command itself (`/train repeats=3`), so no param may take that name.
      if (Object.hasOwn(raw.params, 'repeats'))
        ctx.addIssue({
          code: 'custom',
          path: ['params', 'repeats'],
          message: 'is a word trainbot reserves (`/train repeats=3`); name the param something else.',
        });
      // (a max_runs below 1 has its own error already)
      if (raw.limits.max_runs >= 1 && raw.repeats > raw.limits.max_runs)
        ctx.addIssue({
          code: 'custom',
          path: ['repeats'],
          message: `(${raw.repeats}) is more than \`limits.max_runs\` (${raw.limits.max_runs}): one command must fit at least one point's repeats.`,
        });
      if (raw.repeats > 1 && raw.params[raw.seed_param]?.type !== 'int')
        ctx.addIssue({
          code: 'custom',
          path: ['seed_param'],
          message: `must name a \`type: int\` param for repeats to vary (${show(raw.seed_param)} is not one); add a seed param, or set \`repeats: 1\`.`,
        });
    }),
  )
  .register(z.globalRegistry, {
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
    ...(raw.tracking_secret !== undefined && {
      trackingSecret: { secret: raw.tracking_secret.name, tokenKey: raw.tracking_secret.token_key },
    }),
    params: Object.fromEntries(Object.entries(raw.params).map(([name, p]) => [name, toParam(name, p)])),
    metrics: raw.metrics,
    primaryMetric: raw.primary_metric ?? (Object.keys(raw.metrics)[0] as string),
    baselineBranch: raw.baseline_branch,
    trendBaselines: raw.trend_baselines,
    limits: {
      maxRuns: raw.limits.max_runs,
      maxParallel: raw.limits.max_parallel,
      timeoutMinutes: raw.limits.timeout_minutes,
    },
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
    ...(raw.registry !== undefined && {
      registry: { model: raw.registry.model, alias: raw.registry.alias, loggedModel: raw.registry.logged_model },
    }),
    repeats: raw.repeats,
    seedParam: raw.seed_param,
    confidence: raw.confidence,
  };
}

/** `.github/trainbot.yml` → the config code uses. */
export const configSchema = z.pipe(rawConfigSchema, z.transform(toConfig));
