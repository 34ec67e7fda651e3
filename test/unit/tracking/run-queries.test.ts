import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { RUN_TAGS } from '../../../src/runs/run-contract.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import {
  baselineFilter,
  findBaseline,
  findPullRequestRuns,
  findRequestRuns,
  findTrendBaselines,
} from '../../../src/tracking/run-queries.js';
import { metricsTags } from '../../../src/runs/metrics-signature.js';
import { signRun, withSigningKey } from '../../../src/runs/run-signature.js';
import { buildFilter, filterLiteral } from '../../../src/tracking/search-filter.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';

const URI = 'http://mlflow.test:5000';
const SEARCH = '/api/2.0/mlflow/runs/search';
const mlflow = () => new MlflowClient({ trackingUri: URI, retries: 0 });
const run = (id: string) => ({
  info: { run_id: id, run_name: id, experiment_id: '7', status: 'FINISHED', start_time: 5 },
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
// nock patches Node's sockets once per process (jest runs files in one process on a 2-core machine):
// unpatch so the next test file can patch again.
afterAll(() => nock.restore());

describe('search filters', () => {
  it('single-quotes plain values and double-quotes values holding a single quote, since MLflow unescapes nothing', () => {
    expect(filterLiteral('main')).toBe("'main'");
    expect(filterLiteral("it's")).toBe('"it\'s"');
    expect(filterLiteral('say "hi"')).toBe('\'say "hi"\'');
  });

  it('keeps a value that tries to close the quote and add a clause inside one literal', () => {
    expect(buildFilter([{ tag: 'trainbot.branch', equals: "x' AND tags.`trainbot.role` = 'baseline" }])).toBe(
      'tags.`trainbot.branch` = "x\' AND tags.`trainbot.role` = \'baseline"',
    );
  });

  it('refuses a value with both quote kinds, which no MLflow literal can hold', () => {
    expect(() => filterLiteral(`a'b"c`)).toThrow(
      new TrackingError(
        'MLflow\'s search cannot look for "a\'b\\"c": it holds both a single and a double quote; ' +
          'use a branch name or parameter value without one of them.',
      ),
    );
  });

  it("quotes the contract's dotted tag keys with backticks", () => {
    expect(
      baselineFilter({ experimentId: '7', repo: 'acme/wine', branch: 'main', params: 'alpha=0.5 l1_ratio=0.2' }),
    ).toBe(
      "attributes.status = 'FINISHED' AND " +
        `tags.\`${RUN_TAGS.role}\` = 'baseline' AND tags.\`${RUN_TAGS.repo}\` = 'acme/wine' AND ` +
        `tags.\`${RUN_TAGS.branch}\` = 'main' AND tags.\`${RUN_TAGS.params}\` = 'alpha=0.5 l1_ratio=0.2'`,
    );
  });
});

const EXPERIMENT = '/api/2.0/mlflow/experiments/get';
const noPointer = { experiment: { experiment_id: '7', name: 'wine/baselines', tags: [] } };

describe('findBaseline without a baseline pointer (before the first merge that writes one)', () => {
  it('reads the experiment, then asks for the newest matching run in one search and returns it', async () => {
    const client = mlflow();
    nock(URI)
      .get(EXPERIMENT)
      .query({ experiment_id: '7' })
      .reply(200, noPointer)
      .post(SEARCH, {
        experiment_ids: ['7'],
        filter: baselineFilter({ experimentId: '7', repo: 'acme/wine', branch: "o'brien`s", params: 'alpha=0.5' }),
        order_by: ['attributes.start_time DESC'],
        max_results: 1,
      })
      .reply(200, { runs: [run('base-1')], next_page_token: 'more' });

    const baseline = await findBaseline(client, {
      experimentId: '7',
      repo: 'acme/wine',
      branch: "o'brien`s",
      params: 'alpha=0.5',
    });

    expect(baseline?.info.runId).toBe('base-1');
    expect(client.requests).toBe(2);
  });

  it('returns undefined when MLflow leaves out runs because none matched', async () => {
    nock(URI).get(EXPERIMENT).query(true).reply(200, noPointer).post(SEARCH).reply(200, {});

    await expect(
      findBaseline(mlflow(), { experimentId: '7', repo: 'acme/wine', branch: 'main', params: 'alpha=0.5' }),
    ).resolves.toBeUndefined();
  });
});

describe('findPullRequestRuns and findRequestRuns', () => {
  it('pages through every bot-tagged run of a pull request', async () => {
    const filter = `tags.\`${RUN_TAGS.repo}\` = 'acme/wine' AND tags.\`${RUN_TAGS.pr}\` = '12'`;
    nock(URI)
      .post(SEARCH, { experiment_ids: ['7'], filter, order_by: ['attributes.start_time DESC'], max_results: 1000 })
      .reply(200, { runs: [run('a')], next_page_token: 't2' })
      .post(SEARCH, {
        experiment_ids: ['7'],
        filter,
        order_by: ['attributes.start_time DESC'],
        max_results: 1000,
        page_token: 't2',
      })
      .reply(200, { runs: [run('b')] });

    const found = await findPullRequestRuns(mlflow(), { experimentId: '7', repo: 'acme/wine', pr: 12 });

    expect(found.runs.map((r) => r.info.runId)).toEqual(['a', 'b']);
    expect(found.truncated).toBe(false);
  });

  it('finds the runs a request already created, so a redelivered webhook can reuse them', async () => {
    const filter = `tags.\`${RUN_TAGS.repo}\` = 'acme/wine' AND tags.\`${RUN_TAGS.request}\` = 'comment-991'`;
    nock(URI)
      .post(SEARCH, { experiment_ids: ['7'], filter, order_by: ['attributes.start_time DESC'], max_results: 1000 })
      .reply(200, { runs: [run('x')] });

    const found = await findRequestRuns(mlflow(), { experimentId: '7', repo: 'acme/wine', request: 'comment-991' });

    expect(found.runs.map((r) => r.info.runId)).toEqual(['x']);
  });
});

describe('findTrendBaselines', () => {
  const query = { experimentId: '7', repo: 'acme/wine', branch: 'main', params: 'alpha=0.5' };
  const filter =
    "attributes.status = 'FINISHED' AND " +
    `tags.\`${RUN_TAGS.role}\` = 'baseline' AND tags.\`${RUN_TAGS.repo}\` = 'acme/wine' AND ` +
    `tags.\`${RUN_TAGS.branch}\` = 'main' AND tags.\`${RUN_TAGS.params}\` = 'alpha=0.5'`;

  it('asks for the newest N finished baselines of the branch in exactly one request', async () => {
    const client = mlflow();
    nock(URI)
      .post(SEARCH, { experiment_ids: ['7'], filter, order_by: ['attributes.start_time DESC'], max_results: 25 })
      .reply(200, { runs: [run('b3'), run('b2'), run('b1')], next_page_token: 'more' });

    const found = await findTrendBaselines(client, query, 25);

    expect(found.map((r) => r.info.runId)).toEqual(['b3', 'b2', 'b1']);
    expect(client.requests).toBe(1);
  });

  it('makes no request when the trend is turned off', async () => {
    const client = mlflow();
    await expect(findTrendBaselines(client, query, 0)).resolves.toEqual([]);
    expect(client.requests).toBe(0);
  });

  it('with a signing key, leaves out a run that does not verify and one whose metrics changed after signing', async () => {
    const key = 'k'.repeat(32);
    const tagsOf = (id: string, signed: boolean, recorded: number) => {
      const origin = { [RUN_TAGS.role]: 'baseline', [RUN_TAGS.sha]: `${id}`.padEnd(40, '0') };
      const all = { ...origin, ...metricsTags(key, id, { rmse: recorded }, ['rmse']) };
      return signed ? { ...all, [RUN_TAGS.signature]: signRun(key, id, all) } : all;
    };
    const mlflowRun = (id: string, signed: boolean, recorded: number, now: number) => ({
      info: { run_id: id, run_name: id, experiment_id: '7', status: 'FINISHED', start_time: 5 },
      data: {
        tags: Object.entries(tagsOf(id, signed, recorded)).map(([k, value]) => ({ key: k, value })),
        metrics: [{ key: 'rmse', value: now }],
      },
    });
    nock(URI)
      .post(SEARCH, { experiment_ids: ['7'], filter, order_by: ['attributes.start_time DESC'], max_results: 4 })
      .reply(200, {
        runs: [
          mlflowRun('intact', true, 0.61, 0.61),
          mlflowRun('unsigned', false, 0.1, 0.1),
          mlflowRun('changed', true, 0.7, 0.2),
          mlflowRun('older', true, 0.66, 0.66),
        ],
      });
    const client = withSigningKey(mlflow(), key);

    const found = await findTrendBaselines(client, query, 4);

    expect(found.map((r) => [r.info.runId, r.metrics.rmse])).toEqual([
      ['intact', 0.61],
      ['older', 0.66],
    ]);
    expect(client.requests).toBe(1);
  });
});
