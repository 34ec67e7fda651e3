import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { type AddressInfo, createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import nock from 'nock';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import type { RequestEvent } from '../../../src/tracking/mlflow-http.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';

const URI = 'http://mlflow.test:5000';
const API = '/api/2.0/mlflow';
const TOKEN = 'secret-token-0123456789';
const runJson = { info: { run_id: 'r1', run_name: 'n', experiment_id: '7', status: 'RUNNING', start_time: 1 } };

function client(options: Partial<ConstructorParameters<typeof MlflowClient>[0]> = {}) {
  const sleeps: number[] = [];
  const events: RequestEvent[] = [];
  const mlflow = new MlflowClient({
    trackingUri: URI,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    baseDelayMs: 100,
    onRequest: (event) => events.push(event),
    ...options,
  });
  return { mlflow, sleeps, events };
}

async function failure(promise: Promise<unknown>): Promise<TrackingError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TrackingError);
  return error as TrackingError;
}

/**
 * A real loopback server whose first `stalls` requests never get an answer: nock's delayed replies crash
 * undici's parser when the request is aborted, so timeouts are tested against a socket that really stalls.
 */
async function stallingServer(stalls: number) {
  let seen = 0;
  const server = createHttpServer((_request, response) => {
    seen += 1;
    if (seen > stalls)
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ run: runJson }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { uri, close };
}

/** A loopback port nothing listens on: bound by the kernel, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
// nock patches Node's sockets once per process (jest runs files in one process on a 2-core machine):
// unpatch so the next test file can patch again.
afterAll(() => nock.restore());

describe('MlflowClient retries', () => {
  it('retries a 503 with exponential backoff and returns the later success', async () => {
    const { mlflow, sleeps, events } = client();
    nock(URI)
      .get(`${API}/runs/get`)
      .query({ run_id: 'r1' })
      .times(2)
      .reply(503, 'busy')
      .get(`${API}/runs/get`)
      .query({ run_id: 'r1' })
      .reply(200, { run: runJson });

    const run = await mlflow.getRun('r1');

    expect(run.info.runId).toBe('r1');
    // 100 ms * 2^(n-1), jittered to 50–100 %; random() = 0.5 gives 75 %.
    expect(sleeps).toEqual([75, 150]);
    expect(events.map((e) => [e.attempt, e.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    expect(mlflow.requests).toBe(3);
  });

  it('keeps the jittered delay between half and all of the exponential step', async () => {
    const low = client({ random: () => 0 });
    const high = client({ random: () => 0.999 });
    nock(URI)
      .get(`${API}/runs/get`)
      .query(true)
      .reply(502)
      .get(`${API}/runs/get`)
      .query(true)
      .reply(200, { run: runJson })
      .get(`${API}/runs/get`)
      .query(true)
      .reply(502)
      .get(`${API}/runs/get`)
      .query(true)
      .reply(200, { run: runJson });

    await low.mlflow.getRun('r1');
    await high.mlflow.getRun('r1');

    expect(low.sleeps).toEqual([50]);
    expect(high.sleeps).toEqual([100]);
  });

  it('gives up after the bounded retries with a sentence naming the status and the attempts', async () => {
    const { mlflow, sleeps } = client({ retries: 2 });
    nock(URI).post(`${API}/runs/search`).times(3).reply(500, { error_code: 'INTERNAL_ERROR', message: 'db down' });

    const error = await failure(mlflow.searchRuns({ experimentIds: ['7'] }));

    expect(error.message).toBe(
      `The MLflow server at ${URI} failed the run search with HTTP 500 after 3 attempts; check its logs, then try again.`,
    );
    expect(error.status).toBe(500);
    expect(sleeps).toEqual([75, 150]);
  });

  it("never retries a 400 and passes on MLflow's error code and message", async () => {
    const { mlflow, sleeps } = client();
    nock(URI).post(`${API}/runs/search`).once().reply(400, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Invalid clause(s) in filter string: 'OR'",
    });

    const error = await failure(mlflow.searchRuns({ experimentIds: ['7'], filter: 'a OR b' }));

    expect(error.message).toBe(
      `The MLflow server at ${URI} rejected the run search (INVALID_PARAMETER_VALUE): Invalid clause(s) in filter string: 'OR'.`,
    );
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(sleeps).toEqual([]);
    expect(mlflow.requests).toBe(1);
  });

  it('retries a timed-out request and, when every attempt times out, says the server could not be reached', async () => {
    const server = await stallingServer(Infinity);
    try {
      const { mlflow, sleeps } = client({ trackingUri: server.uri, timeoutMs: 100, retries: 1 });

      const error = await failure(mlflow.getRun('r1'));

      expect(error.message).toBe(
        `Could not reach the MLflow server at ${server.uri} (timed out, 2 attempts); ` +
          'check that it is running and that MLFLOW_TRACKING_URI points to it.',
      );
      expect(error.status).toBeUndefined();
      expect(sleeps).toEqual([75]);
      // Counted on the client: under load, a 100 ms timer in this process can fire before the server (in the
      // same event loop) has read a request, so the server's own count is not a stable measure of attempts.
      expect(mlflow.requests).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('recovers when a timed-out request succeeds on retry', async () => {
    const server = await stallingServer(1);
    try {
      const { mlflow } = client({ trackingUri: server.uri, timeoutMs: 100 });

      await expect(mlflow.getRun('r1')).resolves.toMatchObject({ info: { runId: 'r1' } });
      expect(mlflow.requests).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('reports a refused connection after retrying it', async () => {
    const { mlflow, sleeps } = client({ retries: 1 });
    nock(URI)
      .get(`${API}/runs/get`)
      .query(true)
      .times(2)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5000'), { code: 'ECONNREFUSED' }));

    const error = await failure(mlflow.getRun('r1'));

    expect(error.message).toBe(
      `Could not reach the MLflow server at ${URI} (connection refused, 2 attempts); ` +
        'check that it is running and that MLFLOW_TRACKING_URI points to it.',
    );
    expect(sleeps).toEqual([75]);
  });

  it('reports a refused connection on a real closed loopback port', async () => {
    const port = await closedPort();
    const { mlflow } = client({ trackingUri: `http://127.0.0.1:${port}`, retries: 0 });

    const error = await failure(mlflow.getRun('r1'));

    expect(error.message).toBe(
      `Could not reach the MLflow server at http://127.0.0.1:${port} (connection refused, 1 attempt); ` +
        'check that it is running and that MLFLOW_TRACKING_URI points to it.',
    );
  });

  it('keeps retrying refused connections for restartGraceMs once the server has answered: a restart', async () => {
    let clock = 0;
    const { mlflow, sleeps } = client({
      retries: 1,
      restartGraceMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    nock(URI)
      .get(`${API}/runs/get`)
      .query(true)
      .reply(200, { run: runJson })
      .get(`${API}/runs/get`)
      .query(true)
      .times(5)
      .replyWithError(refused())
      .get(`${API}/runs/get`)
      .query(true)
      .reply(200, { run: runJson });

    await mlflow.getRun('r1');
    await expect(mlflow.getRun('r1')).resolves.toMatchObject({ info: { runId: 'r1' } });
    expect(sleeps.length).toBe(5);

    // A restart that outlasts the grace is reported like any unreachable server.
    nock(URI).get(`${API}/runs/get`).query(true).times(100).replyWithError(refused());
    const error = await failure(mlflow.getRun('r1'));
    expect(error.message).toMatch(
      /^Could not reach the MLflow server at http:\/\/mlflow\.test:5000 \(connection refused, \d+ attempts\)/,
    );
    expect(clock).toBeGreaterThan(10_000);
    nock.cleanAll();
  });

  it('does not retry creating a run after a 5xx other than 503, since the run may exist already', async () => {
    const { mlflow, sleeps } = client();
    nock(URI).post(`${API}/runs/create`).once().reply(502);

    const error = await failure(mlflow.createRun({ experimentId: '7', runName: 'n', tags: {}, startTime: 1 }));

    expect(error.message).toBe(
      `The MLflow server at ${URI} failed creating run "n" with HTTP 502 after 1 attempt; check its logs, then try again.`,
    );
    expect(sleeps).toEqual([]);
  });

  it('does retry creating a run when the connection was refused, since the server never saw it', async () => {
    const { mlflow } = client();
    nock(URI)
      .post(`${API}/runs/create`)
      .replyWithError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
      .post(`${API}/runs/create`)
      .reply(200, { run: runJson });

    await expect(mlflow.createRun({ experimentId: '7', runName: 'n', tags: {}, startTime: 1 })).resolves.toMatchObject({
      info: { runId: 'r1' },
    });
  });
});

describe('MlflowClient error sentences', () => {
  it('names MLFLOW_TRACKING_TOKEN on a 401 and never shows the token, even when the server echoes it', async () => {
    const { mlflow } = client({ auth: { token: TOKEN } });
    nock(URI).get(`${API}/runs/get`).query(true).reply(401, `bad token Bearer ${TOKEN}`);

    const error = await failure(mlflow.getRun('r1'));

    expect(error.message).toBe(
      `The MLflow server at ${URI} refused the request (HTTP 401); set MLFLOW_TRACKING_TOKEN to a token that may use this server.`,
    );
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(TOKEN);
  });

  it('redacts the token from a 4xx message that echoes it', async () => {
    const { mlflow } = client({ auth: { token: TOKEN } });
    nock(URI)
      .post(`${API}/runs/log-batch`)
      .reply(400, { error_code: 'INVALID_PARAMETER_VALUE', message: `header was ${TOKEN}` });

    const error = await failure(mlflow.setTags('r1', { a: '1' }));

    expect(error.message).toBe(
      `The MLflow server at ${URI} rejected tagging run r1 (INVALID_PARAMETER_VALUE): header was ***.`,
    );
  });

  it('names the username and password variables on a 403 with basic auth', async () => {
    const { mlflow } = client({ auth: { username: 'bot', password: 'hunter2-long' } });
    nock(URI).get(`${API}/runs/get`).query(true).reply(403, 'Permission denied');

    const error = await failure(mlflow.getRun('r1'));

    expect(error.message).toBe(
      `The MLflow server at ${URI} refused the request (HTTP 403); ` +
        'set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to an account that may use this server.',
    );
  });

  it('says credentials are needed on a 401 without any', async () => {
    const { mlflow } = client();
    nock(URI).get(`${API}/runs/get`).query(true).reply(401);

    const error = await failure(mlflow.getRun('r1'));

    expect(error.message).toBe(
      `The MLflow server at ${URI} refused the request (HTTP 401); it needs credentials: ` +
        'set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.',
    );
  });

  it('leaves user:password in the tracking URI out of every message', async () => {
    const { mlflow } = client({ trackingUri: 'http://bot:pa55word@mlflow.test:5000', retries: 0 });
    nock(URI)
      .get(`${API}/runs/get`)
      .query(true)
      .reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=r1 not found' });

    const error = await failure(mlflow.getRun('r1'));

    expect(error.message).toBe(
      `The MLflow server at ${URI} rejected reading run r1 (RESOURCE_DOES_NOT_EXIST): Run with id=r1 not found.`,
    );
  });

  it('explains an answer that is not JSON, such as a login page', async () => {
    const { mlflow } = client();
    nock(URI).get(`${API}/runs/get`).query(true).reply(200, '<html>Sign in</html>');

    const error = await failure(mlflow.getRun('r1'));

    expect(error.message).toBe(
      `The MLflow server at ${URI} answered reading run r1 with something that is not MLflow JSON; ` +
        'check that MLFLOW_TRACKING_URI points to the MLflow server itself, not a proxy or login page.',
    );
  });
});
