// src/tracking/http-fetch.ts against a loopback server: what MlflowHttp reads from a fetch answer, and the errors
// its retry rules tell apart (a refused connection by its code, a timeout by its name).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpFetch } from '../../../src/tracking/http-fetch.js';

let server: Server;
let connections = 0;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'retry-after': '3', 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          body,
          auth: req.headers.authorization ?? null,
          connection: req.headers.connection,
        }),
      );
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('httpFetch', () => {
  it('opens a connection of its own for each request, and asks the server to close it', async () => {
    const before = connections;
    const first = JSON.parse(await (await httpFetch(`${base}/a`)).text()) as { connection?: string };
    await httpFetch(`${base}/b`);
    expect(connections - before).toBe(2);
    expect(first.connection).toBe('close');
  });

  it('sends method, headers, query and body, and gives status, headers and text', async () => {
    const answer = await httpFetch(`${base}/api/2.0/mlflow/runs/search?x=1`, {
      method: 'POST',
      headers: { authorization: 'Basic abc', 'content-type': 'application/json' },
      body: '{"a":"é"}',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('Retry-After')).toBe('3');
    expect(answer.headers.get('x-none')).toBeNull();
    expect(JSON.parse(await answer.text())).toEqual({
      method: 'POST',
      url: '/api/2.0/mlflow/runs/search?x=1',
      body: '{"a":"é"}',
      auth: 'Basic abc',
      connection: 'close',
    });
  });

  it('gives an error status as an answer, not an error', async () => {
    expect((await httpFetch(`${base}/missing`)).status).toBe(404);
  });

  it('rejects a refused connection with its code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(httpFetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects with a TimeoutError when the signal times out', async () => {
    await expect(httpFetch(`${base}/slow`, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});
