// One JSON request to MLflow's REST API with the failure handling every call shares: at most `maxConcurrent`
// requests in flight (the rest queue), a per-attempt timeout, bounded retries with exponential backoff and jitter
// for failures that may pass (connection errors, timeouts, 5xx, and 429 "busy"; never another 4xx), and
// TrackingError sentences that never carry the credentials.
import { ConcurrencyLimit } from './concurrency-limit.js';
import { httpFetch } from './http-fetch.js';

/** A monotonic clock in ms; not `performance.now()`, whose first use loads perf_hooks (a whole CLI's few ms). */
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
import {
  type AuthKind,
  TrackingError,
  authMessage,
  badResponseMessage,
  rejectedMessage,
  serverErrorMessage,
  unreachableMessage,
} from './tracking-error.js';

export type MlflowAuth = { token: string } | { username: string; password: string };

export interface MlflowHttpOptions {
  /** The tracking server's base URL, e.g. http://mlflow:5000 (a path prefix is kept). */
  trackingUri: string;
  auth?: MlflowAuth;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts after the first; default 3. */
  retries?: number;
  /** Backoff before retry n is about baseDelayMs * 2^(n-1), jittered to 50–100 %; default 250 ms. */
  baseDelayMs?: number;
  /**
   * Requests in flight at once (default MLFLOW_CONCURRENCY); the rest wait their turn. A slot is held for one
   * attempt, not during a backoff. Pass `limit` instead to share one limit between clients.
   */
  maxConcurrent?: number;
  limit?: ConcurrencyLimit;
  /** The longest Retry-After of a 429/503 that is honoured as asked; a longer one waits this long. Default 30 s. */
  maxRetryAfterMs?: number;
  /**
   * How long a server that has answered this client before may keep refusing connections before a call gives
   * up; default 60 s. Refusals from a server that answered are a restart (MLflow here is back in ~10-15 s), not
   * a wrong URL, and a refused connection never reached the server, so even runs/create is safe to repeat.
   * A server that never answered still fails after `retries`.
   */
  restartGraceMs?: number;
  /** The transport; default httpFetch, a connection of its own per request (http-fetch.ts says why). */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Called once per HTTP attempt, so callers (benchmarks, logs) can count what reaches the server. */
  onRequest?: (event: RequestEvent) => void;
}

export interface RequestEvent {
  method: HttpMethod;
  endpoint: string;
  attempt: number;
  status?: number;
  durationMs: number;
}

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface MlflowCall {
  method: HttpMethod;
  /** Relative to /api/2.0/mlflow/ (or /api/3.0/mlflow/ with api '3.0'), e.g. 'runs/search'. */
  endpoint: string;
  /** The REST API version of the route; default 2.0. The auth app's permission routes exist only under 3.0. */
  api?: '2.0' | '3.0';
  query?: Record<string, string>;
  body?: unknown;
  /** Words for error sentences: 'the run search', 'creating experiment "x"'. */
  operation: string;
  /**
   * False for calls that must not happen twice (runs/create): they are retried only when the connection was
   * refused, since after a timeout or 5xx the server may already have done the work.
   */
  idempotent?: boolean;
}

/** What ships: MLflow's default server runs 4 workers, each with a database pool of 5 (+10 overflow). */
export const MLFLOW_CONCURRENCY = 8;

type Outcome =
  | { kind: 'response'; status: number; text: string; retryAfter?: string }
  | { kind: 'network'; reason: string; refused: boolean; cause: unknown };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The URL as shown to people: no user:password part, no trailing slash. */
export function displayUrl(trackingUri: string): string {
  try {
    const url = new URL(trackingUri);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return trackingUri;
  }
}

function authHeader(auth: MlflowAuth | undefined): string | undefined {
  if (!auth) return undefined;
  if ('token' in auth) return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** The socket error's code, wherever undici put it: on the error, its cause, or an AggregateError inside. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof code === 'string') return code;
  return errorCode(cause, depth + 1) ?? (Array.isArray(errors) ? errorCode(errors[0], depth + 1) : undefined);
}

function networkReason(error: unknown): { reason: string; refused: boolean } {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { reason: 'timed out', refused: false };
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return { reason: 'connection refused', refused: true };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { reason: 'host not found', refused: true };
  return { reason: code ? `network error ${code}` : 'network error', refused: false };
}

/** Retry-After in ms: seconds, or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class MlflowHttp {
  readonly url: string;
  readonly authKind: AuthKind;
  private readonly base: string; // …/api/, the version and mlflow/ follow per call
  private readonly authorization: string | undefined;
  private readonly secrets: string[];
  private readonly options: MlflowHttpOptions;
  /** The queue in front of the server (its peaks are what a benchmark reports). */
  readonly limit: ConcurrencyLimit;
  private answered = false; // the server has answered at least once (see restartGraceMs)

  constructor(options: MlflowHttpOptions) {
    this.options = options;
    this.limit = options.limit ?? new ConcurrencyLimit(options.maxConcurrent ?? MLFLOW_CONCURRENCY);
    this.url = displayUrl(options.trackingUri);
    this.base = `${this.url}/api/`;
    this.authorization = authHeader(options.auth);
    this.authKind = !options.auth ? 'none' : 'token' in options.auth ? 'token' : 'basic';
    this.secrets = !options.auth ? [] : 'token' in options.auth ? [options.auth.token] : [options.auth.password];
    this.secrets = this.secrets.filter((secret) => secret.length >= 4);
  }

  async call<T>(call: MlflowCall): Promise<T> {
    const retries = this.options.retries ?? 3;
    const now = this.options.now ?? Date.now;
    let attempt = 0;
    let refusedSince: number | undefined;
    for (;;) {
      attempt += 1;
      const outcome = await this.limit.run(() => this.attempt(call, attempt));
      if (outcome.kind === 'response') this.answered = true;
      // 429 and 503 say the server is busy and did not do the work, so even runs/create may be sent again.
      const busy = outcome.kind === 'response' && (outcome.status === 429 || outcome.status === 503);
      const retryable =
        busy ||
        (outcome.kind === 'network'
          ? outcome.refused || call.idempotent !== false
          : outcome.status >= 500 && call.idempotent !== false);
      const restarting = outcome.kind === 'network' && outcome.refused && this.answered;
      if (restarting) refusedSince ??= now();
      const inGrace = restarting && now() - (refusedSince as number) < (this.options.restartGraceMs ?? 60_000);
      if (retryable && (attempt <= retries || inGrace)) {
        const random = this.options.random ?? Math.random;
        // Past the usual retries the pause stays at most 2 s, so a restarted server is used within 2 s.
        const backoff = (this.options.baseDelayMs ?? 250) * 2 ** (Math.min(attempt, 16) - 1);
        const paced = (attempt <= retries ? backoff : Math.min(backoff, 2000)) * (0.5 + random() / 2);
        const asked = busy ? retryAfterMs(outcome.retryAfter) : undefined;
        const delay = asked === undefined ? paced : Math.min(asked, this.options.maxRetryAfterMs ?? 30_000);
        await (this.options.sleep ?? defaultSleep)(Math.round(delay));
        continue;
      }
      return this.settle<T>(call, outcome, attempt);
    }
  }

  private async attempt(call: MlflowCall, attempt: number): Promise<Outcome> {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authorization) headers.authorization = this.authorization;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const started = nowMs();
    let status: number | undefined;
    try {
      const response = await (this.options.fetch ?? (httpFetch as unknown as typeof fetch))(
        `${this.base}${call.api ?? '2.0'}/mlflow/${call.endpoint}${query}`,
        {
          method: call.method,
          headers,
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        },
      );
      status = response.status;
      const retryAfter = response.headers.get('retry-after') ?? undefined;
      // The body is read under the same timeout: a server that stalls mid-answer counts as timed out.
      return { kind: 'response', status, text: await response.text(), ...(retryAfter ? { retryAfter } : {}) };
    } catch (error) {
      return { kind: 'network', ...networkReason(error), cause: error };
    } finally {
      this.options.onRequest?.({
        method: call.method,
        endpoint: call.endpoint,
        attempt,
        durationMs: nowMs() - started,
        ...(status === undefined ? {} : { status }),
      });
    }
  }

  private settle<T>(call: MlflowCall, outcome: Outcome, attempts: number): T {
    if (outcome.kind === 'network') {
      throw new TrackingError(this.redact(unreachableMessage(this.url, attempts, outcome.reason)), {
        cause: outcome.cause,
      });
    }
    const { status, text } = outcome;
    let json: { error_code?: string; message?: string } | undefined;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status >= 200 && status < 300) {
      if (json === undefined) throw new TrackingError(badResponseMessage(this.url, call.operation), { status });
      return json as T;
    }
    if (status === 401 || status === 403) {
      throw new TrackingError(authMessage(this.url, status, this.authKind), { status });
    }
    const errorCode = typeof json?.error_code === 'string' ? json.error_code : undefined;
    if (status >= 500 || status === 429) {
      throw new TrackingError(serverErrorMessage(this.url, call.operation, status, attempts), {
        status,
        ...(errorCode ? { errorCode } : {}),
      });
    }
    const detail = typeof json?.message === 'string' ? json.message : json === undefined ? text : '';
    throw new TrackingError(this.redact(rejectedMessage(this.url, call.operation, status, errorCode, detail)), {
      status,
      ...(errorCode ? { errorCode } : {}),
    });
  }

  // Belt and braces: a server or proxy may echo a request header back in an error body.
  private redact(message: string): string {
    return this.secrets.reduce((text, secret) => text.split(secret).join('***'), message);
  }
}
