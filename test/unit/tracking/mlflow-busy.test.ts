// MLflow under load, against a real loopback HTTP server standing in for it: the client keeps at most
// maxConcurrent requests in flight and queues the rest, and answers 429/503 with bounded backoff (Retry-After
// honoured up to its cap), even for runs/create, since a busy server did not do the work.
import { afterEach, describe, expect, it } from '@jest/globals';
import { type AddressInfo } from 'node:net';
import { createServer, type ServerResponse } from 'node:http';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MLFLOW_CONCURRENCY, retryAfterMs } from '../../../src/tracking/mlflow-http.js';

const runJson = { info: { run_id: 'r1', run_name: 'n', experiment_id: '7', status: 'RUNNING', start_time: 1 } };
let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A server that answers each request with `answer(n)` (n from 1) after `delayMs`, counting requests in flight. */
async function server(answer: (n: number, response: ServerResponse) => void, delayMs = 0) {
  const seen = { requests: 0, inFlight: 0, peak: 0 };
  const http = createServer((_request, response) => {
    seen.requests += 1;
    seen.inFlight += 1;
    seen.peak = Math.max(seen.peak, seen.inFlight);
    const n = seen.requests;
    setTimeout(() => {
      seen.inFlight -= 1;
      answer(n, response);
    }, delayMs);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  close = () => {
    http.closeAllConnections();
    return new Promise((resolve) => http.close(resolve));
  };
  return { uri: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, seen };
}

const ok = (response: ServerResponse) =>
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ run: runJson }));
const busy =
  (status: number, headers: Record<string, string> = {}) =>
  (response: ServerResponse) =>
    response
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }));

describe('concurrent requests', () => {
  it('ships a limit of 8', () => {
    expect(MLFLOW_CONCURRENCY).toBe(8);
  });

  it('keeps at most maxConcurrent in flight and queues the rest, all of which land', async () => {
    const { uri, seen } = await server((_n, response) => ok(response), 20);
    const mlflow = new MlflowClient({ trackingUri: uri, maxConcurrent: 3 });
    const runs = await Promise.all(Array.from({ length: 12 }, () => mlflow.getRun('r1')));
    expect(runs).toHaveLength(12);
    expect(seen.requests).toBe(12);
    expect(seen.peak).toBe(3);
  });
});

describe('a busy server', () => {
  it('is asked again after a 429 as its Retry-After says', async () => {
    const { uri, seen } = await server((n, response) =>
      n === 1 ? busy(429, { 'retry-after': '2' })(response) : ok(response),
    );
    const sleeps: number[] = [];
    const mlflow = new MlflowClient({
      trackingUri: uri,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await expect(mlflow.getRun('r1')).resolves.toMatchObject({ info: { runId: 'r1' } });
    expect([seen.requests, sleeps]).toEqual([2, [2000]]);
  });

  it('sends runs/create again after a 503, which did not create it, with backoff and no longer than the cap asks', async () => {
    const { uri, seen } = await server((n, response) =>
      n <= 2 ? busy(503, { 'retry-after': '3600' })(response) : ok(response),
    );
    const sleeps: number[] = [];
    const mlflow = new MlflowClient({
      trackingUri: uri,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      maxRetryAfterMs: 5_000,
    });
    await expect(mlflow.createRun({ experimentId: '7', runName: 'n', tags: {} })).resolves.toMatchObject({
      info: { runId: 'r1' },
    });
    expect([seen.requests, sleeps]).toEqual([3, [5000, 5000]]);
  });

  it('gives up after 4 attempts with a sentence, backing off 100, 200, 400 ms without a Retry-After', async () => {
    const { uri, seen } = await server((_n, response) => busy(429)(response));
    const sleeps: number[] = [];
    const mlflow = new MlflowClient({
      trackingUri: uri,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      baseDelayMs: 100,
      random: () => 1,
    });
    await expect(mlflow.getRun('r1')).rejects.toThrow(
      `The MLflow server at ${uri} failed reading run r1 with HTTP 429 after 4 attempts; check its logs, then try again.`,
    );
    expect([seen.requests, sleeps]).toEqual([4, [100, 200, 400]]);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT'))).toBe(0);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
