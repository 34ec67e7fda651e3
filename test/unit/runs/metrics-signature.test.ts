import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { withMetricsCheck } from '../../../src/pipeline/on-pr-closed.js';
import type { RunResult } from '../../../src/report/compare.js';
import {
  checkMetrics,
  comparedMetrics,
  metricsRecord,
  metricsTags,
  signMetrics,
  signedMetricsText,
} from '../../../src/runs/metrics-signature.js';
import { RUN_TAGS, originTags } from '../../../src/runs/run-contract.js';
import { signRun, verifyRun, withSigningKey } from '../../../src/runs/run-signature.js';
import { lookupBaseline } from '../../../src/tracking/run-queries.js';
import type { TrackedRun } from '../../../src/tracking/tracked-run.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { planBaseline } from '../../../src/runs/plan.js';
import { REPO_CONFIG_TEXT, repoConfig } from '../config/repo-config.js';
import { MemoryTracking, ScriptedRunner } from '../pipeline/memory-ports.js';

const KEY = 'k'.repeat(40);
const config = repoConfig();
const NAMES = comparedMetrics(config);
const METRICS = { rmse: 0.7436123456789, mae: 0.6043, r2: 0.106 };
const origin = {
  repo: 'acme/wine',
  sha: 'b'.repeat(40),
  branch: 'main',
  request: 'merge-7',
  role: 'baseline' as const,
  params: 'alpha=0.5 l1_ratio=0.5 seed=42',
};

/** A baseline as the bot leaves it: tags signed at creation, compared metrics recorded and signed at the end. */
function ended(runId: string, metrics: Record<string, number> = METRICS, startTime = 1, names = NAMES): TrackedRun {
  const tags = originTags(origin);
  return {
    info: { runId, runName: runId, experimentId: '7', status: 'FINISHED', startTime },
    metrics: { ...metrics },
    params: {},
    tags: { ...tags, [RUN_TAGS.signature]: signRun(KEY, runId, tags), ...metricsTags(KEY, runId, metrics, names) },
  };
}

describe('the metrics record', () => {
  it('compares the primary metric and every listed one, sorted', () => {
    expect(NAMES).toEqual(['mae', 'r2', 'rmse']);
    expect(
      comparedMetrics({
        primaryMetric: 'rmse',
        metrics: { rmse: config.metrics.rmse as never, acc: config.metrics.rmse as never },
      }),
    ).toEqual(['acc', 'rmse']);
  });

  it('is a JSON list of [name, value] in name order, each value exact as String(number), null when not logged', () => {
    expect(metricsRecord({ rmse: 0.1 + 0.2, r2: Number.NaN, extra: 5 }, ['rmse', 'r2', 'mae'])).toBe(
      '[["mae",null],["r2","NaN"],["rmse","0.30000000000000004"]]',
    );
    expect(metricsRecord({ a: Infinity, b: -Infinity, c: 1e-300 }, ['c', 'b', 'a'])).toBe(
      '[["a","Infinity"],["b","-Infinity"],["c","1e-300"]]',
    );
  });

  it('is signed as the HMAC-SHA256 of the scheme, the run id and the record', () => {
    const record = metricsRecord(METRICS, NAMES);
    const text = `trainbot-metrics-signature v1\n"r1"\n${record}`;
    expect(signedMetricsText('r1', record)).toBe(text);
    expect(signMetrics(KEY, 'r1', record)).toBe(createHmac('sha256', KEY).update(text).digest('hex'));
    expect(metricsTags(KEY, 'r1', METRICS, NAMES)).toEqual({
      'trainbot.metrics': record,
      'trainbot.metrics_signature': signMetrics(KEY, 'r1', record),
    });
  });

  it('leaves the tag signature valid: the record is not one of the tags it covers', () => {
    expect(verifyRun(KEY, ended('r1'))).toBe(true);
  });
});

describe('checkMetrics', () => {
  it('finds a run intact when every recorded metric still has its value, and returns only those', () => {
    const run = ended('r1');
    run.metrics.extra = 42;
    expect(checkMetrics(KEY, run)).toEqual({ status: 'intact', metrics: METRICS });
  });

  it('names every metric whose value differs from the recorded one, as MLflow serves it after a log-metric at a later step', () => {
    const run = ended('r1');
    run.metrics.rmse = 9.99;
    run.metrics.r2 = 0.1060000001;
    expect(checkMetrics(KEY, run)).toEqual({
      status: 'changed',
      changes: [
        { metric: 'r2', recorded: 0.106, current: 0.1060000001 },
        { metric: 'rmse', recorded: 0.7436123456789, current: 9.99 },
      ],
    });
  });

  it('counts a metric logged later that was missing when the run ended, and one that is gone now, as changes', () => {
    const { rmse: _gone, ...rest } = METRICS;
    const run = ended('r1', rest);
    run.metrics.rmse = 0.5;
    expect(checkMetrics(KEY, run)).toEqual({ status: 'changed', changes: [{ metric: 'rmse', current: 0.5 }] });
    const lost = ended('r2');
    delete lost.metrics.mae;
    expect(checkMetrics(KEY, lost)).toEqual({ status: 'changed', changes: [{ metric: 'mae', recorded: 0.6043 }] });
  });

  it('keeps NaN equal to NaN: a metric that was NaN and still is has not changed', () => {
    expect(checkMetrics(KEY, ended('r1', { ...METRICS, r2: Number.NaN })).status).toBe('intact');
  });

  it('distrusts a record rewritten to the new values, one copied from another run and one signed with another key', () => {
    const rewritten = ended('r1');
    rewritten.metrics.rmse = 9.99;
    rewritten.tags[RUN_TAGS.metrics] = metricsRecord(rewritten.metrics, NAMES);
    expect(checkMetrics(KEY, rewritten)).toEqual({ status: 'unverifiable' });
    const copied = { ...ended('other'), info: { ...ended('other').info, runId: 'r1' } };
    expect(checkMetrics(KEY, copied)).toEqual({ status: 'unverifiable' });
    expect(checkMetrics('z'.repeat(40), ended('r1'))).toEqual({ status: 'unverifiable' });
  });

  it('distrusts a record without its signature, with a malformed one, or that is not a list of pairs', () => {
    const run = ended('r1');
    expect(checkMetrics(KEY, { ...run, tags: { ...run.tags, [RUN_TAGS.metricsSignature]: 'ab' } })).toEqual({
      status: 'unverifiable',
    });
    const { [RUN_TAGS.metricsSignature]: _sig, ...unsigned } = run.tags;
    expect(checkMetrics(KEY, { ...run, tags: unsigned })).toEqual({ status: 'unverifiable' });
    for (const record of ['{"rmse":"1"}', '[["rmse",1]]', 'not json']) {
      const tags = {
        ...run.tags,
        [RUN_TAGS.metrics]: record,
        [RUN_TAGS.metricsSignature]: signMetrics(KEY, 'r1', record),
      };
      expect(checkMetrics(KEY, { ...run, tags })).toEqual({ status: 'unverifiable' });
    }
  });

  it('tells a run with no record at all apart: an older trainbot made it, or both tags were deleted', () => {
    const run = ended('r1');
    const { [RUN_TAGS.metrics]: _r, [RUN_TAGS.metricsSignature]: _s, ...bare } = run.tags;
    expect(checkMetrics(KEY, { ...run, tags: bare })).toEqual({ status: 'unrecorded' });
  });
});

/** Answers runs/search with the given runs, newest first. */
function searcher(runs: TrackedRun[], key?: string) {
  return withSigningKey(
    {
      searchRuns: async (input: { maxResults?: number }) => ({ runs: runs.slice(0, input.maxResults) }),
      searchAllRuns: async () => ({ runs, truncated: false }),
    },
    key,
  );
}

describe('lookupBaseline with a key', () => {
  const query = { experimentId: '7', repo: 'acme/wine', branch: 'main', params: origin.params };

  it('uses the newest baseline while its metrics are the recorded ones', async () => {
    expect(await lookupBaseline(searcher([ended('new', METRICS, 2), ended('old')], KEY), query)).toEqual({
      run: ended('new', METRICS, 2),
    });
  });

  it('rejects the newest baseline once a metric changed, and does not fall back to an older one', async () => {
    const changed = ended('new', METRICS, 2);
    changed.metrics.rmse = 9.99;
    const found = await lookupBaseline(searcher([changed, ended('old')], KEY), query);
    expect(found).toEqual({
      rejected: {
        run: changed,
        check: { status: 'changed', changes: [{ metric: 'rmse', recorded: 0.7436123456789, current: 9.99 }] },
      },
    });
  });

  it('compares only the recorded metrics of a baseline, not one logged later under a name the config added since', async () => {
    const run = ended('b', { rmse: 0.7 }, 1, ['rmse']);
    run.metrics.mae = 0.01;
    expect((await lookupBaseline(searcher([run], KEY), query)).run?.metrics).toEqual({ rmse: 0.7 });
  });

  it('checks no metrics without a key, as before signing', async () => {
    const changed = ended('b');
    changed.metrics.rmse = 9.99;
    expect(await lookupBaseline(searcher([changed]), query)).toEqual({ run: changed });
  });
});

describe('a candidate in the merge report', () => {
  const result: RunResult = {
    name: 'trainbot-pr7-1',
    runId: 'c1',
    params: { alpha: 0.1 },
    state: 'finished',
    metrics: { rmse: 0.01, mae: 0.6 },
  };

  it('is not ranked once a metric changed after it ended: its row says what changed', () => {
    const check = { status: 'changed' as const, changes: [{ metric: 'rmse', recorded: 0.6916, current: 0.01 }] };
    expect(withMetricsCheck(result, check, config)).toEqual({
      ...result,
      state: 'failed',
      reason: 'This run was changed after trainbot recorded it (rmse 0.6916 → 0.0100), so it is not compared.',
    });
  });

  it('keeps its recorded metrics when intact, and is left as it is without a key or when it did not finish', () => {
    expect(withMetricsCheck(result, { status: 'intact', metrics: { rmse: 0.01 } }, config)).toEqual({
      ...result,
      metrics: { rmse: 0.01 },
    });
    expect(withMetricsCheck(result, undefined, config)).toBe(result);
    const failed = { ...result, state: 'failed' as const };
    expect(withMetricsCheck(failed, { status: 'unrecorded' }, config)).toBe(failed);
  });
});

describe('a record longer than MLflow keeps in a tag', () => {
  it('fails the run with a sentence rather than write a record MLflow would cut short', async () => {
    const names = Array.from({ length: 90 }, (_, i) => `m${String(i).padStart(2, '0')}_${'x'.repeat(60)}`);
    const text = REPO_CONFIG_TEXT.replace(
      /^metrics:\n(?: {2}.*\n)+/m,
      `metrics:\n${names.map((n) => `  ${n}: { goal: minimize }\n`).join('')}`,
    ).replace(/^primary_metric: .*$/m, `primary_metric: ${names[0]}`);
    const parsed = parseConfig(text);
    if (!parsed.ok) throw new Error(parsed.errors.join(' '));
    const tracking = withSigningKey(new MemoryTracking(), KEY);
    const runner = new ScriptedRunner(tracking, {
      metrics: Object.fromEntries(names.map((n) => [n, 0.123456789012345])),
    });
    const [result] = await executeRuns({
      plans: [planBaseline(parsed.config)],
      config: parsed.config,
      experimentId: '1',
      tracking,
      runner,
      origin: { repo: 'acme/wine', sha: 'b'.repeat(40), branch: 'main', request: 'merge-1', role: 'baseline' },
    });
    expect(result?.state).toBe('failed');
    expect(result?.reason).toMatch(
      /^The record of this run's 90 compared metrics is \d{4,5} characters, more than the 8000 MLflow keeps in a tag; list fewer metrics \(or shorter names\) under `metrics` in \.github\/trainbot\.yml\.$/,
    );
    expect([tracking.runs[0]?.info.status, tracking.runs[0]?.tags[RUN_TAGS.metrics]]).toEqual(['FAILED', undefined]);
  });
});
