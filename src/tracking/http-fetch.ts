// The part of `fetch` that MlflowHttp uses (method, headers, body, signal → status, headers.get, text), over
// node:http, with a connection of its own per request; MlflowHttp's transport for the bot and the CLI alike.
// - A connection per request: MLflow served by more than one uvicorn worker (infrastructure/variables.tf ships
//   2) leaves Nagle's algorithm on (uvicorn loses TCP_NODELAY with --workers N), so every request after the
//   first on a kept-alive connection waits ~40 ms for the client's delayed ACK. Three reads in a row took
//   83.5–90.3 ms p50 with global fetch against 41.2–44.6 ms this way (docs/benchmarks.md, "MLflow connections").
// - Not global fetch: it is undici, and its first call costs ~100 ms of CPU to load and set up, a quarter of a
//   whole `trainbot compare`.
// Errors keep node's `code` (ECONNREFUSED…) and an abort rejects with the signal's reason (a TimeoutError), as
// fetch does, so MlflowHttp's retry rules read them the same way.
import type { IncomingMessage } from 'node:http';

interface Init {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

function readBody(response: IncomingMessage, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const abort = () => {
      response.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('error', reject);
    response.once('end', () => {
      signal?.removeEventListener('abort', abort);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export async function httpFetch(url: string, init: Init = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  // https only when the server is https: loading TLS costs too. getBuiltinModule, not `import`: node:http's ESM
  // form reads every export once, its lazy `fetch` and `WebSocket` too, and so loads undici all the same.
  const { request } =
    target.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  const { signal } = init;
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: init.method ?? 'GET',
        headers: {
          ...init.headers,
          ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }),
        },
        signal,
        agent: false, // a connection of its own: see the top of this file
      },
      (response) => {
        const body = readBody(response, signal);
        body.catch(() => undefined); // rejected only for a caller that reads it
        resolve({
          status: response.statusCode ?? 0,
          headers: {
            get: (name) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
          },
          text: () => body,
        });
      },
    );
    req.once('error', (error: Error) => reject(signal?.aborted ? signal.reason : error));
    req.end(init.body);
  });
}
