import { describe, expect, it } from '@jest/globals';
import { CONFIG_FIELDS } from '../../../src/config/config-fields.js';
import { validateConfig } from '../../../src/config/validate-config.js';
import { repoConfig } from './repo-config.js';

// The smallest config trainbot accepts (plus `tracking_secret.name` and `registry.model`, so the defaults under
// them apply).
const MINIMAL = {
  experiment: 'wine',
  image: 'ghcr.io/acme/wine-train',
  params: { l1_ratio: { default: 0.5 } },
  metrics: { rmse: { goal: 'minimize' } },
  tracking_secret: { name: 'mlflow-token' },
  registry: { model: 'wine' },
};
const NAMES: Record<string, string> = { params: 'l1_ratio', metrics: 'rmse' };
// Two defaults depend on other fields and are described in words; for MINIMAL they mean these values.
const PROSE_DEFAULTS: Record<string, unknown> = { primary_metric: 'rmse', 'params.*.flag': '--l1-ratio' };

const camel = (segment: string) => segment.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The value validateConfig put at a documented path (`params.*.flag` → config.params.l1_ratio.flag). */
function resolved(config: object, path: string): unknown {
  const segments = path.split('.');
  return segments.reduce<unknown>((node, segment, i) => {
    const key = segment === '*' ? (NAMES[segments[i - 1] as string] as string) : camel(segment);
    return (node as Record<string, unknown>)[key];
  }, config);
}

describe('documented defaults', () => {
  const minimal = validateConfig(MINIMAL, '.github/trainbot.yml');
  const withDefaults = CONFIG_FIELDS.filter((f) => 'default' in f || f.defaultText !== undefined);

  it('accepts the smallest config: experiment, image, one param, one metric', () => {
    expect(minimal.ok).toBe(true);
  });

  it('documents a default for most fields, so this table has something to check', () => {
    expect(withDefaults.length).toBeGreaterThan(20);
  });

  it('documents every field it reads, in file order, the way README and the editor show them', () => {
    expect(CONFIG_FIELDS.map((f) => f.path)).toEqual([
      'experiment',
      'image',
      'namespace',
      'command',
      'workdir',
      'tracking_uri',
      'tracking_secret.name',
      'tracking_secret.token_key',
      'params',
      'params.*.type',
      'params.*.default',
      'params.*.min',
      'params.*.max',
      'params.*.values',
      'params.*.flag',
      'params.*.description',
      'metrics',
      'metrics.*.goal',
      'metrics.*.threshold',
      'metrics.*.digits',
      'primary_metric',
      'baseline_branch',
      'trend_baselines',
      'limits.max_runs',
      'limits.max_parallel',
      'limits.timeout_minutes',
      'job.backoff_limit',
      'job.ttl_seconds_after_finished',
      'job.resources.requests',
      'job.resources.limits',
      'permission',
      'forks',
      'conclusions.better',
      'conclusions.unchanged',
      'conclusions.worse',
      'conclusions.no_baseline',
      'registry.model',
      'registry.alias',
      'registry.logged_model',
      'repeats',
      'seed_param',
      'confidence',
    ]);
    expect(CONFIG_FIELDS.filter((f) => f.required).map((f) => f.path)).toEqual([
      'experiment',
      'image',
      'params',
      'params.*.default',
      'metrics',
      'metrics.*.goal',
    ]);
  });

  it.each(withDefaults.map((f) => [f.path, f.defaultText ?? JSON.stringify(f.default)]))(
    'fills `%s` with its documented default %s when it is omitted',
    (path) => {
      if (!minimal.ok) throw new Error(minimal.errors.join(' '));
      const field = CONFIG_FIELDS.find((f) => f.path === path);
      const expected = path in PROSE_DEFAULTS ? PROSE_DEFAULTS[path] : field?.default;
      expect(resolved(minimal.config, path)).toEqual(expected);
    },
  );
});

describe("the repository's own .github/trainbot.yml", () => {
  const config = repoConfig();

  it('loads, keeping the values it sets', () => {
    expect(config.experiment).toBe('wine-quality-elasticnet');
    expect(config.image).toBe('ghcr.io/trainbot-dev/trainbot-training');
    expect(config.command).toEqual(['python', 'train.py']);
    expect(Object.keys(config.params)).toEqual(['alpha', 'l1_ratio', 'seed']);
    expect(config.params.l1_ratio).toEqual({
      type: 'float',
      min: 0,
      max: 1,
      default: 0.5,
      flag: '--l1-ratio',
      description: 'Mix of L1 and L2 penalty (1 is the lasso, 0 is ridge).',
    });
    expect(config.params.seed).toMatchObject({ type: 'int', min: 0, max: 2147483647, default: 42 });
    expect(config.metrics).toEqual({
      rmse: { goal: 'minimize', threshold: 0.001, digits: 4 },
      mae: { goal: 'minimize', threshold: 0.001, digits: 4 },
      r2: { goal: 'maximize', threshold: 0.001, digits: 4 },
    });
    expect(config.primaryMetric).toBe('rmse');
  });

  it('gets the defaults for what it leaves out: flags, job settings, conclusions, no tracking secret', () => {
    expect(Object.values(config.params).map((p) => p.flag)).toEqual(['--alpha', '--l1-ratio', '--seed']);
    expect(config.job).toEqual({
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    });
    expect(config.conclusions).toEqual({
      better: 'success',
      unchanged: 'success',
      worse: 'failure',
      noBaseline: 'neutral',
    });
    expect(config.trackingSecret).toBeUndefined();
  });
});
