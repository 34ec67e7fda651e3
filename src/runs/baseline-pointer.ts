// The pointer to a branch's current baseline (docs/design.md "Baseline lookup"). A search on tag values makes
// MLflow's PostgreSQL scan the tags of every run on the server, so the bot keeps, as a tag on the baselines'
// experiment, which run(s) the baseline of each branch is: reading it is one experiments/get and one runs/get
// whatever the server holds. Per-run users cannot write that experiment (src/tracking/run-credentials.ts); with a
// signing key the value is also signed, so code holding the bot's MLflow credentials cannot point it at a run of
// its choosing. A signature cannot stop a replay of an older pointer the bot wrote: only the per-run users do.
// Pure: the tag's key, its value, and reading a value back.
import { nodeCrypto } from './node-crypto.js';

/** Changing the value's form or the signed text needs a new version, or pointers already written would stop verifying. */
const SCHEME = 'trainbot-baseline-pointer v1';
export const POINTER_TAG_PREFIX = 'trainbot.baseline.';

export interface BaselinePointer {
  repo: string;
  branch: string;
  /** The canonical params string (RunOrigin.params) the baseline was trained with. */
  params: string;
  sha: string;
  /** The baseline's runs, one per repeat, all of one sha (one run without repeats). */
  runIds: string[];
  /** When the (first) run started, ms: a pointer never moves back to an older baseline. */
  startTime: number;
}

export type PointerRead =
  | { status: 'valid'; pointer: BaselinePointer }
  | { status: 'malformed' } // not a value trainbot writes
  | { status: 'unsigned' } // a key is configured and the value carries no signature
  | { status: 'forged' }; // a key is configured and the signature is not the bot's for this value

/** Why a pointer that exists was not used; the report says so (src/report/render-report.ts). */
export type RefusedPointer = Exclude<PointerRead['status'], 'valid'>;

/**
 * MLflow keeps tag keys to letters, digits, `_ - . / :` and spaces, and refuses keys that a path normalisation
 * would change (`a//b`, `../x`). A branch name that fits is used as it is, so the tag reads well in MLflow's UI;
 * any other one is named by a hash (the value still holds the branch, and a read checks it).
 */
export function pointerTagKey(branch: string): string {
  const readable = /^[A-Za-z0-9_\-./: ]+$/.test(branch) && !/(^|\/)\.{1,2}(\/|$)|\/\/|^\/|\/$/.test(branch);
  const name = readable
    ? branch
    : `sha256-${nodeCrypto().createHash('sha256').update(branch, 'utf8').digest('hex').slice(0, 32)}`;
  return `${POINTER_TAG_PREFIX}${name}`;
}

/** The signed text: the scheme, the experiment and tag it is written to (a copy elsewhere fails), the fields in order. */
export function signedPointerText(experimentId: string, tagKey: string, p: BaselinePointer): string {
  const fields = [p.repo, p.branch, p.params, p.sha, p.runIds, p.startTime];
  return [SCHEME, JSON.stringify(experimentId), JSON.stringify(tagKey), JSON.stringify(fields)].join('\n');
}

export function signPointer(key: string, experimentId: string, tagKey: string, pointer: BaselinePointer): string {
  return nodeCrypto()
    .createHmac('sha256', key)
    .update(signedPointerText(experimentId, tagKey, pointer), 'utf8')
    .digest('hex');
}

/** The tag's value: the pointer as JSON, with its signature when a key is configured. */
export function pointerValue(
  pointer: BaselinePointer,
  where: { experimentId: string; tagKey: string },
  key: string | undefined,
): string {
  const signature = key === undefined ? {} : { signature: signPointer(key, where.experimentId, where.tagKey, pointer) };
  const { repo, branch, params, sha, runIds, startTime } = pointer;
  return JSON.stringify({ repo, branch, params, sha, runIds, startTime, ...signature });
}

const RUN_ID = /^[0-9a-zA-Z_-]{1,64}$/;

function parseFields(text: string): (BaselinePointer & { signature?: unknown }) | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const strings = [v.repo, v.branch, v.params, v.sha].every((s) => typeof s === 'string');
  const runIds =
    Array.isArray(v.runIds) && v.runIds.length > 0 && v.runIds.every((id) => typeof id === 'string' && RUN_ID.test(id));
  if (!strings || !runIds || typeof v.startTime !== 'number' || !Number.isFinite(v.startTime)) return undefined;
  return v as unknown as BaselinePointer & { signature?: unknown };
}

/** Reads a tag value back. Without a key nothing is checked, as with runs; with one, only the bot's signature passes. */
export function readPointer(
  text: string,
  where: { experimentId: string; tagKey: string },
  key: string | undefined,
): PointerRead {
  const fields = parseFields(text);
  if (!fields) return { status: 'malformed' };
  const pointer: BaselinePointer = {
    repo: fields.repo,
    branch: fields.branch,
    params: fields.params,
    sha: fields.sha,
    runIds: [...fields.runIds],
    startTime: fields.startTime,
  };
  if (key === undefined) return { status: 'valid', pointer };
  const given = fields.signature;
  if (given === undefined) return { status: 'unsigned' };
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return { status: 'forged' };
  const expected = Buffer.from(signPointer(key, where.experimentId, where.tagKey, pointer), 'hex');
  // Constant time, so the time a check takes says nothing about how much of a guess was right.
  return nodeCrypto().timingSafeEqual(expected, Buffer.from(given, 'hex'))
    ? { status: 'valid', pointer }
    : { status: 'forged' };
}
