// The bot signs the tags it sets on a run, so a training container cannot forge them. The container resumes
// the bot-created run with the same MLflow credentials as the bot, so PR code can set any tag on any run
// (`trainbot.role=baseline` on its own run, say); what it cannot do is compute an HMAC without the key, which
// only the bot (and the sweep action) hold: the key is never part of a Job's or a LocalRunner child's env.
//
// Verification is on whenever a key is configured: runs without a valid signature are then invisible to the
// report queries (src/tracking/run-queries.ts). Without a key trainbot signs and checks nothing, as before.
// The signature covers the bot's origin tags and the run id, not metrics: they do not exist yet when it is made.
// The metrics a report compares are signed separately when the run ends (metrics-signature.ts).
import { nodeCrypto } from './node-crypto.js';
import { dirname } from 'node:path';
import { RUN_TAGS } from './run-contract.js';

// getBuiltinModule, not `import`: `trainbot compare` loads this module, and an ES import of node:fs loads
// fs.promises and more (src/cli.ts).
const { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');

export const SIGNING_KEY_ENV = 'TRAINBOT_SIGNING_KEY';
/** A shorter key is guessable offline from one signed run; 32 characters is what `openssl rand -hex 16` gives. */
export const MIN_KEY_LENGTH = 32;
/** Changing what is signed needs a new version, or old signatures would silently stop verifying. */
const SCHEME = 'trainbot-run-signature v1';

/**
 * Tags the bot sets after signing: the signature itself, the metrics record made when the run ends and the image
 * that ran (known only then; the footer shows it, no verdict reads it).
 */
const LATER_TAGS: readonly string[] = [RUN_TAGS.signature, RUN_TAGS.metrics, RUN_TAGS.metricsSignature, RUN_TAGS.image];

/** The tags a signature covers: every contract tag the bot sets when it creates the run, in a fixed order. */
export const SIGNED_TAGS: readonly string[] = Object.values(RUN_TAGS)
  .filter((tag) => !LATER_TAGS.includes(tag))
  .sort();

/** A tracking port that signs what it creates and trusts only what verifies, when signingKey is set. */
export interface RunSigning {
  readonly signingKey?: string;
}

/**
 * The signed text: the scheme, the run id, then one `"key"="value"` line per signed tag the run has, keys
 * sorted. Keys and values are JSON strings so a value holding a newline or `"x"="y"` cannot pass for another
 * line; a tag the bot did not set has no line, so adding one (say trainbot.pr on a baseline) breaks it too.
 */
export function signedText(runId: string, tags: Readonly<Record<string, string>>): string {
  const lines = SIGNED_TAGS.filter((key) => Object.hasOwn(tags, key)).map(
    (key) => `${JSON.stringify(key)}=${JSON.stringify(tags[key])}`,
  );
  return [SCHEME, JSON.stringify(runId), ...lines].join('\n');
}

/** HMAC-SHA256 of signedText, hex. */
export function signRun(key: string, runId: string, tags: Readonly<Record<string, string>>): string {
  return nodeCrypto().createHmac('sha256', key).update(signedText(runId, tags), 'utf8').digest('hex');
}

/** Whether the run's current tags are exactly the ones the bot signed for this run id. */
export function verifyRun(
  key: string,
  run: { info: { runId: string }; tags: Readonly<Record<string, string>> },
): boolean {
  const given = run.tags[RUN_TAGS.signature];
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = Buffer.from(signRun(key, run.info.runId, run.tags), 'hex');
  // Constant time, so the time a check takes says nothing about how much of a guess was right.
  return nodeCrypto().timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

/** The tracking port as given, carrying the key (or not, when `key` is undefined). */
export function withSigningKey<T extends object>(tracking: T, key: string | undefined): T & RunSigning {
  return key === undefined ? tracking : Object.assign(tracking, { signingKey: key });
}

/** TRAINBOT_SIGNING_KEY, trimmed; undefined when unset or empty. Throws a sentence for users when too short. */
export function signingKeyFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const key = env[SIGNING_KEY_ENV]?.trim();
  if (!key) return undefined;
  if (key.length < MIN_KEY_LENGTH) {
    throw new Error(
      `${SIGNING_KEY_ENV} is ${key.length} characters long; use at least ${MIN_KEY_LENGTH} random characters, ` +
        'e.g. the output of `openssl rand -hex 32`.',
    );
  }
  return key;
}

/**
 * The CLI's key for its embedded MLflow: made once, then read from `file` (mode 600). Only the developer's
 * own runs use that server, so this keeps the CLI's baselines checked the same way the bot's are.
 */
export function localSigningKey(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  // Written aside, then linked into place: link fails when the file exists, so two CLIs starting at once
  // agree on one key, and neither can read a half-written file.
  if (!existsSync(file)) {
    const draft = `${file}.${process.pid}.tmp`;
    writeFileSync(draft, `${nodeCrypto().randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(draft, { force: true });
    }
  }
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < MIN_KEY_LENGTH) {
    throw new Error(
      `The signing key in ${file} is shorter than ${MIN_KEY_LENGTH} characters; delete the file and run again to make a new one.`,
    );
  }
  return key;
}
