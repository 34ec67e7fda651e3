import { describe, expect, it } from '@jest/globals';
import { CONFIG_FIELDS } from '../../../src/config/config-fields.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { validateConfig } from '../../../src/config/validate-config.js';
import { REPO_CONFIG_TEXT as BASE, edit, errorsFor, fixtureText } from './repo-config.js';

const F = '`.github/trainbot.yml`';

describe('validateConfig: unknown keys', () => {
  it('names a misspelt key and the setting it is nearest to', () => {
    expect(errorsFor(edit(BASE, 'max_runs: 20', 'max_run: 20'))).toEqual([
      `${F}: \`limits.max_run\` is not a trainbot setting; did you mean \`max_runs\`?`,
    ]);
  });

  it('suggests across a swap of two letters, inside a param, before the error the typo causes', () => {
    expect(
      errorsFor(
        edit(
          BASE,
          '    default: 0.5\n    description: Regularisation',
          '    defualt: 0.5\n    description: Regularisation',
        ),
      ),
    ).toEqual([
      `${F}: \`params.alpha.defualt\` is not a trainbot setting; did you mean \`default\`?`,
      `${F}: \`params.alpha.default\` is required: the value used when a command does not set this param (a number, or text for \`type: string\`).`,
    ]);
  });

  it('suggests at the top level, in conclusions and under job.resources (which once let any key through)', () => {
    expect(
      errorsFor(
        `${edit(BASE, 'experiment:', 'experimnet:')}conclusions: {wrose: neutral}\njob: {resources: {limit: {cpu: "2"}}}\n`,
      ),
    ).toEqual([
      `${F}: \`job.resources.limit\` is not a trainbot setting; did you mean \`limits\`?`,
      `${F}: \`conclusions.wrose\` is not a trainbot setting; did you mean \`worse\`?`,
      `${F}: \`experimnet\` is not a trainbot setting; did you mean \`experiment\`?`,
      `${F}: \`experiment\` is required: an MLflow experiment name (one line, at most 200 characters).`,
    ]);
  });

  it('lists the settings of the place when no name is near', () => {
    expect(errorsFor(edit(BASE, 'max_runs: 20', 'runs: 20'))).toEqual([
      `${F}: \`limits.runs\` is not a trainbot setting; the settings here are: \`max_runs\`, \`max_parallel\`, \`timeout_minutes\`.`,
    ]);
  });

  it('lists every top-level setting for an unknown top-level key, derived from CONFIG_FIELDS', () => {
    const topLevel = [...new Set(CONFIG_FIELDS.map((f) => f.path.split('.')[0]))].map((n) => `\`${n}\``).join(', ');
    expect(errorsFor(`${BASE}timeout: 5\n`)).toEqual([
      `${F}: \`timeout\` is not a trainbot setting; the settings here are: ${topLevel}.`,
    ]);
  });
});

describe('validateConfig: wrong values, each named with its field', () => {
  const cases: [string, string, string, string][] = [
    [
      'a number where the experiment name belongs',
      'experiment: wine-quality-elasticnet',
      'experiment: 12',
      '`experiment` must be an MLflow experiment name (one line, at most 200 characters), got "12".',
    ],
    [
      'a mapping where a number belongs',
      'max_parallel: 4',
      'max_parallel: {n: 4}',
      '`limits.max_parallel` must be a whole number from 1 to 100, got "{"n":4}".',
    ],
    [
      'a string where a mapping belongs',
      'limits:\n  max_runs: 20\n  max_parallel: 4\n  timeout_minutes: 30',
      'limits: lots',
      '`limits` must be a mapping (`key: value` lines indented under `limits:`).',
    ],
    [
      'YAML .nan as a threshold',
      'rmse: {goal: minimize, threshold: 0.001',
      'rmse: {goal: minimize, threshold: .nan',
      '`metrics.rmse.threshold` must be a finite number, got "NaN".',
    ],
    [
      'YAML .inf as a bound',
      '    max: 1\n',
      '    max: .inf\n',
      '`params.l1_ratio.max` must be a finite number, got "Infinity".',
    ],
    [
      'zero runs per command',
      'max_runs: 20',
      'max_runs: 0',
      '`limits.max_runs` must be a whole number from 1 to 1000, got "0".',
    ],
    [
      'a fractional timeout',
      'timeout_minutes: 30',
      'timeout_minutes: 2.5',
      '`limits.timeout_minutes` must be a whole number from 1 to 1440, got "2.5".',
    ],
    [
      'a timeout over a day',
      'timeout_minutes: 30',
      'timeout_minutes: 1441',
      '`limits.timeout_minutes` must be a whole number from 1 to 1440, got "1441".',
    ],
    [
      'an unknown permission',
      'permission: write',
      'permission: owner',
      '`permission` must be one of read, triage, write, maintain, admin, got "owner".',
    ],
    ['YAML true as the fork policy', 'forks: refuse', 'forks: yes', '`forks` must be one of refuse, allow, got "yes".'],
    [
      'an image with a tag and uppercase',
      'image: ghcr.io/trainbot-dev/trainbot-training',
      'image: GHCR.io/Acme Train',
      '`image` must be an image name without a tag, like `ghcr.io/acme/wine-train`, got "GHCR.io/Acme Train".',
    ],
    [
      'a namespace that is not a DNS label',
      'namespace: trainbot-training',
      'namespace: Trainbot_Training',
      '`namespace` must be a Kubernetes namespace name (lowercase letters, digits, `-`), got "Trainbot\\_Training".',
    ],
    [
      'the command as one string',
      'command: [python, train.py]',
      'command: python train.py',
      '`command` must be a list of words, e.g. `[python, train.py]` (it is run without a shell).',
    ],
    [
      'a workdir that climbs out of the repository',
      'workdir: training',
      'workdir: ../etc',
      '`workdir` must be a relative path inside the repository, got "../etc".',
    ],
    [
      'a tracking URI without a scheme',
      'tracking_uri: http://mlflow.mlflow.svc.cluster.local:5000',
      'tracking_uri: mlflow:5000',
      '`tracking_uri` must be an http(s) URL, got "mlflow:5000".',
    ],
    [
      'min greater than max',
      '    min: 0\n    max: 1\n',
      '    min: 1\n    max: 0\n',
      '`params.l1_ratio` has `min` (1) greater than `max` (0).',
    ],
    [
      'a default outside its own range',
      '    max: 1\n    default: 0.5\n',
      '    max: 1\n    default: 1.5\n',
      '`params.l1_ratio.default` (1.5) is outside its own range 0..1.',
    ],
    [
      'a fractional default for an int',
      'default: 42',
      'default: 4.2',
      '`params.seed.default` must be a whole number, got "4.2".',
    ],
    [
      'a word as the default of a float',
      '    max: 1\n    default: 0.5\n',
      '    max: 1\n    default: half\n',
      '`params.l1_ratio.default` must be a number, got "half".',
    ],
    [
      'a list as a default',
      'default: 42',
      'default: [4, 2]',
      '`params.seed.default` must be a number, or text for `type: string`, got "\\[4,2\\]".',
    ],
    [
      'an empty word in the command',
      'command: [python, train.py]',
      'command: [python, ""]',
      '`command` must be a list of words, e.g. `[python, train.py]` (it is run without a shell).',
    ],
    [
      'a command of 17 words',
      'command: [python, train.py]',
      `command: [${Array(17).fill('w').join(', ')}]`,
      '`command` must be a list of at most 16 words, e.g. `[python, train.py]` (it is run without a shell).',
    ],
    [
      'a resource name with capitals',
      'forks: refuse',
      'forks: refuse\njob:\n  resources:\n    limits: {CPU: "1"}',
      '`job.resources.limits.CPU` is not a resource name: lowercase letters, digits, `.`, `-` or `/`, like `cpu` or `memory`.',
    ],
    [
      'a negative quantity',
      'forks: refuse',
      'forks: refuse\njob:\n  resources:\n    requests: {cpu: -1}',
      '`job.resources.requests.cpu` must be a Kubernetes quantity like `500m` or `2Gi`, got "-1".',
    ],
    [
      'a param written with no settings',
      '  seed:\n    type: int\n    min: 0\n    max: 2147483647\n    default: 42\n    description: Seed of the train/test split.\n',
      '  seed:\n',
      '`params.seed` must be a mapping with at least `default:` (and `type`, `min`, `max` as needed).',
    ],
    [
      'a value list on a string param that holds a sentence',
      '  seed:\n',
      '  solver:\n    type: string\n    values: [cd, "two words"]\n    default: cd\n  seed:\n',
      '`params.solver.values` must be a list of plain words (letters, digits, `.`, `_`, `-`).',
    ],
    [
      'an unknown param type',
      '    type: int',
      '    type: integer',
      '`params.seed.type` must be one of float, int, string, got "integer".',
    ],
    [
      'an uppercase param name',
      '  alpha:\n',
      '  Alpha:\n',
      '`params.Alpha` has a name trainbot cannot use: start with a lowercase letter, then lowercase letters, digits or `_` (at most 64).',
    ],
    [
      'a param name with a dash',
      '  alpha:\n',
      '  a-b:\n',
      '`params.a-b` has a name trainbot cannot use: start with a lowercase letter, then lowercase letters, digits or `_` (at most 64).',
    ],
    [
      'a primary metric that is not a metric',
      'primary_metric: rmse',
      'primary_metric: accuracy',
      '`primary_metric` names "accuracy", which is not under `metrics` (rmse, mae, r2).',
    ],
    [
      'a primary metric that is an Object.prototype name',
      'primary_metric: rmse',
      'primary_metric: constructor',
      '`primary_metric` names "constructor", which is not under `metrics` (rmse, mae, r2).',
    ],
    [
      'a metric without a goal',
      'mae: {goal: minimize, threshold: 0.001, digits: 4}',
      'mae: {threshold: 0.001}',
      '`metrics.mae.goal` is required: `minimize` or `maximize`.',
    ],
    [
      'a negative threshold',
      'r2: {goal: maximize, threshold: 0.001',
      'r2: {goal: maximize, threshold: -1',
      '`metrics.r2.threshold` must be 0 or more, got -1.',
    ],
    [
      'too many digits',
      'r2: {goal: maximize, threshold: 0.001, digits: 4}',
      'r2: {goal: maximize, threshold: 0.001, digits: 11}',
      '`metrics.r2.digits` must be a whole number from 0 to 10, got "11".',
    ],
    [
      'a resource that is not a quantity',
      'forks: refuse',
      'forks: refuse\njob:\n  resources:\n    limits: {memory: lots}',
      '`job.resources.limits.memory` must be a Kubernetes quantity like `500m` or `2Gi`, got "lots".',
    ],
    [
      'a tracking secret without a name',
      'forks: refuse',
      'forks: refuse\ntracking_secret: {token_key: token}',
      '`tracking_secret.name` is required: a Kubernetes Secret name.',
    ],
    ...(
      [
        ['a negative trend', '-1', '"-1"'],
        ['a fractional trend', '2.5', '"2.5"'],
        ['a trend over the cap', '101', '"101"'],
        ['a trend as text', 'ten', '"ten"'],
        ['a trend as a list', '[10]', '"\\[10\\]"'],
      ] as const
    ).map(([name, value, shown]): [string, string, string, string] => [
      name,
      'baseline_branch: main',
      `baseline_branch: main\ntrend_baselines: ${value}`,
      `\`trend_baselines\` must be a whole number from 0 to 100, got ${shown}.`,
    ]),
  ];

  it.each(cases)('refuses %s', (_, from, to, message) => {
    expect(errorsFor(edit(BASE, from, to))).toEqual([`${F}: ${message}`]);
  });

  it.each([
    ['zero repeats', 'repeats: 0', '`repeats` must be a whole number from 1 to 1000, got "0".'],
    [
      'more repeats than max_runs',
      'repeats: 21',
      "`repeats` (21) is more than `limits.max_runs` (20): one command must fit at least one point's repeats.",
    ],
    [
      'repeats without an int seed param',
      'repeats: 3\nseed_param: alpha',
      '`seed_param` must name a `type: int` param for repeats to vary ("alpha" is not one); add a seed param, or set `repeats: 1`.',
    ],
    ['a confidence of 1', 'confidence: 1', '`confidence` must be from 0.5 to 0.999, got "1".'],
  ])('refuses %s', (_, line, message) => {
    expect(errorsFor(`${BASE}${line}\n`)).toEqual([`${F}: ${message}`]);
  });

  it('takes repeats up to max_runs with a seed param, and a confidence of 0.99', () => {
    expect(errorsFor(`${BASE}repeats: 20\nconfidence: 0.99\n`)).toEqual([]);
  });

  it('refuses a param named `repeats`: the command reserves the word', () => {
    expect(errorsFor(edit(BASE, 'params:\n', 'params:\n  repeats: {type: int, default: 1}\n'))).toEqual([
      `${F}: \`params.repeats\` is a word trainbot reserves (\`/train repeats=3\`); name the param something else.`,
    ]);
  });

  it.each([0, 100])('takes trend_baselines: %d (0 turns the trend off, 100 is the most)', (n) => {
    const loaded = parseConfig(edit(BASE, 'baseline_branch: main', `baseline_branch: main\ntrend_baselines: ${n}`));
    expect(loaded.ok && loaded.config.trendBaselines).toBe(n);
  });

  it('requires an experiment, an image, params and metrics, all in one answer', () => {
    expect(errorsFor('forks: refuse\n')).toEqual([
      `${F}: \`experiment\` is required: an MLflow experiment name (one line, at most 200 characters).`,
      `${F}: \`image\` is required: an image name without a tag, like \`ghcr.io/acme/wine-train\`.`,
      `${F}: \`params\` must list at least one parameter, e.g. \`alpha: {type: float, min: 0, default: 0.5}\`.`,
      `${F}: \`metrics\` must list at least one metric, e.g. \`rmse: {goal: minimize}\`.`,
    ]);
  });

  it('takes a string param with listed values and refuses a default outside them', () => {
    const text = edit(
      BASE,
      '  seed:\n',
      '  solver:\n    type: string\n    values: [cd, saga]\n    default: lbfgs\n  seed:\n',
    );
    expect(errorsFor(text)).toEqual([
      `${F}: \`params.solver.default\` must be a string among the listed \`values\`, got "lbfgs".`,
    ]);
    const ok = parseConfig(edit(text, 'default: lbfgs', 'default: saga'));
    expect(ok.ok && ok.config.params.solver).toEqual({
      type: 'string',
      values: ['cd', 'saga'],
      default: 'saga',
      flag: '--solver',
    });
  });
});

describe('validateConfig: hostile text is echoed escaped', () => {
  it('escapes HTML, mentions and table pipes in values, and keeps names from closing their code span', () => {
    expect(errorsFor(fixtureText('hostile-values.yml'))).toEqual([
      `${F}: \`image\` must be an image name without a tag, like \`ghcr.io/acme/wine-train\`, got "\\<img src=x onerror=alert(1)\\>".`,
      `${F}: \`namespace\` must be a Kubernetes namespace name (lowercase letters, digits, \`-\`), got "@\u2060acme/owners \\| \\*\\*bold\\*\\*".`,
      `${F}: \`params.a'<img src=x onerror=alert(1)>'b\` has a name trainbot cannot use: start with a lowercase letter, then lowercase letters, digits or \`_\` (at most 64).`,
    ]);
  });

  it('cuts an echoed value to 40 characters', () => {
    expect(errorsFor(edit(BASE, 'forks: refuse', `forks: ${'n'.repeat(5000)}`))).toEqual([
      `${F}: \`forks\` must be one of refuse, allow, got "${'n'.repeat(40)}…".`,
    ]);
  });

  it('cuts a long unknown key to 80 characters', () => {
    const key = `k${'e'.repeat(3000)}`;
    expect(errorsFor(`${BASE}${key}: 1\n`)[0]).toBe(
      `${F}: \`${key.slice(0, 80)}…\` is not a trainbot setting; the settings here are: \`experiment\`, \`image\`, \`namespace\`, \`command\`, \`workdir\`, \`tracking_uri\`, \`tracking_secret\`, \`params\`, \`metrics\`, \`primary_metric\`, \`baseline_branch\`, \`trend_baselines\`, \`limits\`, \`job\`, \`permission\`, \`forks\`, \`conclusions\`, \`registry\`, \`repeats\`, \`seed_param\`, \`confidence\`.`,
    );
  });
});

describe('validateConfig: many problems', () => {
  it('lists at most 10 problems', () => {
    const raw = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`bad_${i}`, 1]));
    const result = validateConfig(
      {
        ...raw,
        experiment: 'wine',
        image: 'ghcr.io/acme/wine',
        params: { a: { default: 1 } },
        metrics: { m: { goal: 'minimize' } },
      },
      'x.yml',
    );
    expect(result).toEqual({
      ok: false,
      errors: Array.from({ length: 10 }, (_, i) =>
        expect.stringMatching(new RegExp(`^\`x\\.yml\`: \`bad_${i}\` is not a trainbot setting`)),
      ),
    });
  });
});

describe('validateConfig: a key written with no value', () => {
  it('counts as absent for a fixed setting, so `limits:` with its lines commented out takes the defaults', () => {
    const text = edit(
      BASE,
      'limits:\n  max_runs: 20\n  max_parallel: 4\n  timeout_minutes: 30',
      'limits:\n#  max_runs: 5\nnamespace_comment: 1',
    );
    expect(errorsFor(text)).toEqual([
      `${F}: \`namespace_comment\` is not a trainbot setting; the settings here are: ${topLevelNames()}.`,
    ]);
    const ok = parseConfig(edit(text, 'namespace_comment: 1', 'conclusions:'));
    expect(ok.ok && ok.config.limits).toEqual({ maxRuns: 20, maxParallel: 4, timeoutMinutes: 30 });
  });

  it('is refused where a param belongs: a param needs its settings', () => {
    expect(errorsFor(edit(BASE, '  seed:\n    type: int', '  lr:\n  seed:\n    type: int'))).toEqual([
      `${F}: \`params.lr\` must be a mapping with at least \`default:\` (and \`type\`, \`min\`, \`max\` as needed).`,
    ]);
  });

  it('is refused for a required setting, as if it were missing', () => {
    expect(errorsFor(edit(BASE, 'experiment: wine-quality-elasticnet', 'experiment:'))).toEqual([
      `${F}: \`experiment\` is required: an MLflow experiment name (one line, at most 200 characters).`,
    ]);
  });
});

describe('validateConfig: hostile keys', () => {
  it('replaces control characters and backticks in an unknown key, and still finds the name it is near', () => {
    expect(errorsFor(edit(BASE, 'max_runs: 20', '"r\\u0007u`\\u2028n": 20'))).toEqual([
      `${F}: \`limits.r'u''n\` is not a trainbot setting; the settings here are: \`max_runs\`, \`max_parallel\`, \`timeout_minutes\`.`,
    ]);
    expect(errorsFor(edit(BASE, 'max_runs: 20', '"max_r\\u0007uns": 20'))).toEqual([
      `${F}: \`limits.max_r'uns\` is not a trainbot setting; did you mean \`max_runs\`?`,
    ]);
  });

  it('makes no guess for a 3000-character key that starts with a valid name', () => {
    const key = `max_runs${'s'.repeat(3000)}`;
    expect(errorsFor(edit(BASE, 'max_runs: 20', `${key}: 20`))).toEqual([
      `${F}: \`${`limits.${key}`.slice(0, 80)}…\` is not a trainbot setting; the settings here are: \`max_runs\`, \`max_parallel\`, \`timeout_minutes\`.`,
    ]);
  });
});

describe("validateConfig: every wrong value gets one of trainbot's sentences, never a library's", () => {
  const WRONG: unknown[] = [true, [], {}, ['x'], { a: 1 }, 'x'.repeat(300), -1, 1.5, 1e300, '', 'Ä', '`'];
  const fixed = CONFIG_FIELDS.filter((f) => !f.path.includes('*'));
  const base = {
    experiment: 'wine',
    image: 'ghcr.io/acme/wine',
    params: { a: { default: 1 } },
    metrics: { m: { goal: 'minimize' } },
  };

  /** `base` with `value` at a dotted path. */
  function withValue(path: string, value: unknown): Record<string, unknown> {
    const copy = structuredClone(base) as Record<string, unknown>;
    const keys = path.split('.');
    let node = copy;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys.at(-1) as string] = value;
    return copy;
  }

  it.each(fixed.map((f) => f.path))('`%s`', (path) => {
    const errors = WRONG.flatMap((value) => {
      const result = validateConfig(withValue(path, value), 'x.yml');
      return result.ok ? [] : result.errors;
    });
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error).toMatch(/^`x\.yml`(: `[a-z_.]+`)? [a-z(]/);
      expect(error).not.toMatch(/Invalid|expected|received|Unrecognized|trainbot cannot use, got/);
    }
  });
});

function topLevelNames(): string {
  return [...new Set(CONFIG_FIELDS.map((f) => f.path.split('.')[0]))].map((n) => `\`${n}\``).join(', ');
}
