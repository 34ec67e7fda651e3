import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';

const URI = 'http://mlflow.test:5000';
const API = '/api/2.0/mlflow';
const TOKEN = 'secret-token-0123456789';

/** A client that records its backoff sleeps instead of waiting, with jitter fixed at its midpoint. */
function client(options: Partial<ConstructorParameters<typeof MlflowClient>[0]> = {}) {
  const sleeps: number[] = [];
  const mlflow = new MlflowClient({
    trackingUri: URI,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    baseDelayMs: 100,
    ...options,
  });
  return { mlflow, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<TrackingError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TrackingError);
  return error as TrackingError;
}

const runJson = {
  info: {
    run_id: 'r1',
    run_name: 'pr-12-alpha-0.5',
    experiment_id: '7',
    status: 'FINISHED',
    start_time: '1700000000000',
    end_time: 1700000060000,
    lifecycle_stage: 'active',
  },
  data: {
    metrics: [
      { key: 'rmse', value: 0.61, timestamp: 1, step: 0 },
      { key: 'r2', value: 'NaN', timestamp: 1, step: 0 },
    ],
    params: [{ key: 'alpha', value: '0.5' }],
    tags: [{ key: 'trainbot.pr', value: '12' }],
  },
};

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
// nock patches Node's sockets once per process (jest runs files in one process on a 2-core machine):
// unpatch so the next test file can patch again.
afterAll(() => nock.restore());

describe('MlflowClient requests', () => {
  it('sends the bearer token and creates a run with its tags as {key, value} pairs', async () => {
    const { mlflow } = client({ auth: { token: TOKEN } });
    nock(URI, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } })
      .post(`${API}/runs/create`, {
        experiment_id: '7',
        run_name: 'pr-12-alpha-0.5',
        start_time: 1700000000000,
        tags: [
          { key: 'trainbot.pr', value: '12' },
          { key: 'trainbot.role', value: 'candidate' },
        ],
      })
      .reply(200, {
        run: { info: { ...runJson.info, status: 'RUNNING', end_time: undefined }, data: { tags: runJson.data.tags } },
      });

    const run = await mlflow.createRun({
      experimentId: '7',
      runName: 'pr-12-alpha-0.5',
      startTime: 1700000000000,
      tags: { 'trainbot.pr': '12', 'trainbot.role': 'candidate' },
    });

    expect(run).toEqual({
      info: { runId: 'r1', runName: 'pr-12-alpha-0.5', experimentId: '7', status: 'RUNNING', startTime: 1700000000000 },
      metrics: {},
      params: {},
      tags: { 'trainbot.pr': '12' },
    });
    expect(mlflow.requests).toBe(1);
  });

  it('sends basic auth built from username and password', async () => {
    const { mlflow } = client({ auth: { username: 'bot', password: 'pw:with:colons' } });
    nock(URI, { reqheaders: { authorization: `Basic ${Buffer.from('bot:pw:with:colons').toString('base64')}` } })
      .get(`${API}/runs/get`)
      .query({ run_id: 'r1' })
      .reply(200, { run: runJson });

    const run = await mlflow.getRun('r1');

    expect(run.info).toEqual({
      runId: 'r1',
      runName: 'pr-12-alpha-0.5',
      experimentId: '7',
      status: 'FINISHED',
      startTime: 1700000000000,
      endTime: 1700000060000,
    });
    expect(run.metrics).toEqual({ rmse: 0.61, r2: NaN });
    expect(run.params).toEqual({ alpha: '0.5' });
  });

  it('sets all tags in one runs/log-batch request and ends a run with runs/update', async () => {
    const { mlflow } = client();
    nock(URI)
      .post(`${API}/runs/log-batch`, {
        run_id: 'r1',
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      })
      .reply(200, {})
      .post(`${API}/runs/update`, { run_id: 'r1', status: 'FAILED', end_time: 1700000099000 })
      .reply(200, { run_info: {} });

    await mlflow.setTags('r1', { a: '1', b: '2' });
    await mlflow.setTerminated('r1', 'FAILED', 1700000099000);

    expect(mlflow.requests).toBe(2);
  });

  it('treats RESOURCE_DOES_NOT_EXIST from experiments/get-by-name as no experiment', async () => {
    const { mlflow } = client();
    nock(URI)
      .get(`${API}/experiments/get-by-name`)
      .query({ experiment_name: 'wine' })
      .reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'wine'" });

    await expect(mlflow.getExperimentByName('wine')).resolves.toBeUndefined();
  });

  it('ensureExperiment creates a missing experiment', async () => {
    const { mlflow } = client();
    nock(URI)
      .get(`${API}/experiments/get-by-name`)
      .query({ experiment_name: 'wine' })
      .reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no' })
      .post(`${API}/experiments/create`, { name: 'wine' })
      .reply(200, { experiment_id: '9' });

    await expect(mlflow.ensureExperiment('wine')).resolves.toBe('9');
  });

  it("ensureExperiment returns the winner's id when another bot created the experiment first", async () => {
    const { mlflow } = client();
    nock(URI)
      .get(`${API}/experiments/get-by-name`)
      .query({ experiment_name: 'wine' })
      .reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no' })
      .post(`${API}/experiments/create`, { name: 'wine' })
      .reply(400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: "Experiment 'wine' already exists." })
      .get(`${API}/experiments/get-by-name`)
      .query({ experiment_name: 'wine' })
      .reply(200, { experiment: { experiment_id: '11', name: 'wine', lifecycle_stage: 'active' } });

    await expect(mlflow.ensureExperiment('wine')).resolves.toBe('11');
  });

  it('ensureExperiment refuses a deleted experiment with the way to restore it', async () => {
    const { mlflow } = client();
    nock(URI)
      .get(`${API}/experiments/get-by-name`)
      .query({ experiment_name: 'wine' })
      .reply(200, { experiment: { experiment_id: '3', name: 'wine', lifecycle_stage: 'deleted' } });

    const error = await failure(mlflow.ensureExperiment('wine'));
    expect(error.message).toBe(
      'The MLflow experiment "wine" is deleted; restore it in MLflow (mlflow experiments restore) ' +
        'or choose another experiment name in .github/trainbot.yml.',
    );
  });
});

describe('MlflowClient search', () => {
  it('reads a missing runs field as no runs and passes every search option', async () => {
    const { mlflow } = client();
    nock(URI)
      .post(`${API}/runs/search`, {
        experiment_ids: ['7'],
        filter: "attributes.status = 'FINISHED'",
        order_by: ['attributes.start_time DESC'],
        max_results: 5,
        page_token: 'tok',
      })
      .reply(200, {});

    const page = await mlflow.searchRuns({
      experimentIds: ['7'],
      filter: "attributes.status = 'FINISHED'",
      orderBy: ['attributes.start_time DESC'],
      maxResults: 5,
      pageToken: 'tok',
    });

    expect(page).toEqual({ runs: [] });
  });

  it('searchAllRuns follows next_page_token until the last page', async () => {
    const { mlflow } = client();
    const run = (id: string) => ({ info: { ...runJson.info, run_id: id } });
    nock(URI)
      .post(`${API}/runs/search`, { experiment_ids: ['7'], max_results: 1000 })
      .reply(200, { runs: [run('a'), run('b')], next_page_token: 'p2' })
      .post(`${API}/runs/search`, { experiment_ids: ['7'], max_results: 1000, page_token: 'p2' })
      .reply(200, { runs: [run('c')] });

    const all = await mlflow.searchAllRuns({ experimentIds: ['7'] });

    expect(all.runs.map((r) => r.info.runId)).toEqual(['a', 'b', 'c']);
    expect(all.truncated).toBe(false);
  });

  it('searchAllRuns stops at the cap, asks only for what is left, and says it was truncated', async () => {
    const { mlflow } = client();
    const run = (id: string) => ({ info: { ...runJson.info, run_id: id } });
    nock(URI)
      .post(`${API}/runs/search`, { experiment_ids: ['7'], max_results: 3 })
      .reply(200, { runs: [run('a'), run('b')], next_page_token: 'p2' })
      .post(`${API}/runs/search`, { experiment_ids: ['7'], max_results: 1, page_token: 'p2' })
      .reply(200, { runs: [run('c')], next_page_token: 'p3' });

    const all = await mlflow.searchAllRuns({ experimentIds: ['7'] }, 3);

    expect(all.runs.map((r) => r.info.runId)).toEqual(['a', 'b', 'c']);
    expect(all.truncated).toBe(true);
  });
});

describe('MlflowClient.fromEnv', () => {
  it('prefers MLFLOW_TRACKING_TOKEN over username and password', async () => {
    const mlflow = MlflowClient.fromEnv({
      MLFLOW_TRACKING_URI: `${URI}/`,
      MLFLOW_TRACKING_TOKEN: TOKEN,
      MLFLOW_TRACKING_USERNAME: 'bot',
      MLFLOW_TRACKING_PASSWORD: 'pw',
    });
    nock(URI, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get(`${API}/runs/get`)
      .query({ run_id: 'r1' })
      .reply(200, { run: runJson });

    await mlflow.getRun('r1');
    expect(mlflow.url).toBe(URI);
  });

  it('says how to fix a missing MLFLOW_TRACKING_URI', () => {
    expect(() => MlflowClient.fromEnv({})).toThrow(
      new TrackingError(
        'MLFLOW_TRACKING_URI is not set; set it to the URL of your MLflow server, e.g. http://mlflow:5000.',
      ),
    );
  });

  it('refuses a non-http tracking URI', () => {
    expect(() => MlflowClient.fromEnv({ MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' })).toThrow(
      'MLFLOW_TRACKING_URI must be the http(s) URL of an MLflow server, not "file:///tmp/mlruns"; trainbot talks to MLflow over REST.',
    );
  });

  it('refuses a username without a password', () => {
    expect(() => MlflowClient.fromEnv({ MLFLOW_TRACKING_URI: URI, MLFLOW_TRACKING_USERNAME: 'bot' })).toThrow(
      'Only one of MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD is set; set both, or neither.',
    );
  });
});
