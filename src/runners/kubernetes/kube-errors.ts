// A failed Kubernetes API call → one sentence a PR reader can act on. Pure: takes the error the client threw
// and what the runner was doing; the raw text goes to RunnerError.detail for the logs.
import { RunnerError } from '../runner.js';

/** What the runner was doing when the call failed. */
export interface KubeCall {
  verb: string; // RBAC verb: create, get, list, watch, delete
  resource: string; // RBAC resource as kubectl names it: 'jobs.batch', 'pods', 'pods/log'
  namespace: string;
  name?: string; // the object, when there is one
  server?: string; // the API server address, for "cannot be reached"
}

/** The fields of a Kubernetes `Status` body trainbot reads. */
interface KubeStatus {
  message?: string;
  reason?: string;
  details?: { kind?: string; causes?: { field?: string; message?: string }[] };
}

// client-node throws ApiException (code + parsed body) for HTTP errors, and undici's
// TypeError('fetch failed', { cause }) when no HTTP answer came back at all.
interface HttpFailure {
  code: number;
  body?: unknown;
}
const NETWORK_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'];

function httpFailure(error: unknown): HttpFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? { code, body: (error as { body?: unknown }).body } : undefined;
}

function statusOf(body: unknown): KubeStatus {
  if (typeof body === 'string') {
    try {
      return statusOf(JSON.parse(body));
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null ? (body as KubeStatus) : {};
}

/** The network error code (ECONNREFUSED …) behind a failed request, if that is what it was. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.includes(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const KINDS: Readonly<Record<string, string>> = {
  'jobs.batch': 'Job',
  pods: 'Pod',
  'pods/log': 'log of Pod',
  secrets: 'Secret',
};

function objectName(call: KubeCall): string {
  return call.name ? `the ${KINDS[call.resource] ?? call.resource} "${call.name}"` : call.resource;
}

function forbidden(call: KubeCall, status: KubeStatus): string {
  const message = status.message ?? '';
  const quota = /exceeded quota: ([^,]+), (.*)$/.exec(message);
  if (quota) {
    return (
      `The namespace "${call.namespace}" has no room for this run: ResourceQuota "${quota[1]}" is exceeded ` +
      `(${quota[2]}); lower the run's resources or wait for other runs to finish.`
    );
  }
  // "… cannot create resource "jobs" in API group "batch" …" names exactly what RBAC refused.
  const rbac = /cannot (\w+) resource "([^"]+)" in API group "([^"]*)"/.exec(message);
  const verb = rbac?.[1] ?? call.verb;
  const resource = rbac ? (rbac[3] ? `${rbac[2]}.${rbac[3]}` : rbac[2]) : call.resource;
  return (
    `trainbot is not allowed to ${verb} ${resource} in namespace "${call.namespace}": ` +
    `the Role bound to its service account needs the "${verb}" verb on "${resource}".`
  );
}

function invalid(call: KubeCall, status: KubeStatus): string {
  const causes = status.details?.causes ?? [];
  const first = causes[0];
  if (!first) return `Kubernetes rejected ${objectName(call)} as invalid: ${status.message ?? 'no details given'}.`;
  // Cause messages start with `Invalid value: "<the value>": `, which repeats what the field already says.
  const why = (first.message ?? 'invalid').replace(/^Invalid value: (?:"[^"]*"|\S+): /, '').replace(/\.$/, '');
  const more = causes.length > 1 ? ` (and ${causes.length - 1} more problem${causes.length > 2 ? 's' : ''})` : '';
  return `Kubernetes rejected ${objectName(call)} because field ${first.field ?? '(unknown)'} is invalid: ${why}${more}.`;
}

/** The user sentence for a failed call (HTTP status or network error). */
export function kubeErrorSentence(error: unknown, call: KubeCall): string {
  const http = httpFailure(error);
  if (!http) {
    const code = networkErrorCode(error);
    const where = call.server ? ` at ${call.server}` : '';
    if (code) {
      return (
        `The Kubernetes API server${where} cannot be reached (${code}); check the cluster address in ` +
        `trainbot's kubeconfig and that the cluster is running.`
      );
    }
    const text = error instanceof Error ? error.message : String(error);
    return `The call to ${call.verb} ${objectName(call)} on the Kubernetes API server${where} failed: ${text}.`;
  }
  const status = statusOf(http.body);
  switch (http.code) {
    case 401:
      return `The Kubernetes API server refused trainbot's credentials (401 Unauthorized); renew the token in its kubeconfig.`;
    case 403:
      return forbidden(call, status);
    case 404:
      return status.details?.kind === 'namespaces'
        ? `The namespace "${call.namespace}" does not exist; create it or configure another namespace.`
        : `Kubernetes found no ${call.resource} "${call.name ?? ''}" in namespace "${call.namespace}".`;
    case 409:
      return (
        `A ${KINDS[call.resource] ?? call.resource} named "${call.name ?? '?'}" already exists in ` +
        `namespace "${call.namespace}"; wait for it to finish or cancel it before starting the same run again.`
      );
    case 422:
      return invalid(call, status);
    default:
      return (
        `The Kubernetes API failed to ${call.verb} ${objectName(call)} (HTTP ${http.code}` +
        `${status.reason ? ` ${status.reason}` : ''}: ${status.message ?? 'no message'}); try again later.`
      );
  }
}

/** The RunnerError for a failed call; `detail` keeps the raw error for the logs. */
export function kubeError(error: unknown, call: KubeCall): RunnerError {
  const http = httpFailure(error);
  const detail = http ? `HTTP ${http.code}: ${JSON.stringify(http.body)}` : String(error);
  return new RunnerError(kubeErrorSentence(error, call), detail);
}

/** True for an HTTP error with this status code (e.g. 404 on a delete that has nothing left to do). */
export function isHttpStatus(error: unknown, code: number): boolean {
  return httpFailure(error)?.code === code;
}
