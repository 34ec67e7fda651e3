// Raw YAML value → TrainbotConfig with every default filled in, or the list of problems, each naming the
// file, the field and what to write instead. Pure: the loader reads the file, the schema (config-schema.ts)
// says what is right, and this turns what zod found into sentences.
import type * as z from 'zod/mini';
import { nearestName } from '../commands/nearest-name.js';
import { childSchema, settingNames } from './config-fields.js';
import { configSchema, rawConfigSchema } from './config-schema.js';
import type { TrainbotConfig } from './config-types.js';
import { show } from './show-value.js';

export type ConfigResult = { ok: true; config: TrainbotConfig } | { ok: false; errors: string[] };

const MAX_ERRORS = 10;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `key:` with nothing after it is YAML null. For a fixed setting it means the same as leaving the key out (a
 * `limits:` whose lines are all commented out), so it is dropped and the default applies. A null where a
 * user-chosen name stands (`params: {alpha: }`) stays, and is refused as the wrong shape.
 */
function dropNulls(value: unknown, schema: z.core.$ZodType): unknown {
  if (!isObj(value)) return value;
  const fixed = new Set(settingNames([], schema));
  const kept = Object.entries(value).filter(([key, v]) => !(v === null && fixed.has(key)));
  return Object.fromEntries(
    kept.map(([key, v]) => {
      const child = childSchema(schema, key);
      return [key, child === undefined ? v : dropNulls(v, child)];
    }),
  );
}

/** A config path for a code span: param, metric and unknown key names are the file's text, so they must not close it. */
function codePath(path: string): string {
  const chars = Array.from(path, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return c === '`' || code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 ? "'" : c;
  });
  return chars.length > 80 ? `${chars.slice(0, 80).join('')}…` : chars.join('');
}

/** Unknown keys are mistakes (a typo silently falling back to a default is worse than an error). */
function unknownKey(key: string, known: readonly string[]): string {
  const near = nearestName(key, known);
  if (near !== undefined) return `is not a trainbot setting; did you mean \`${near}\`?`;
  return `is not a trainbot setting; the settings here are: ${known.map((n) => `\`${n}\``).join(', ')}.`;
}

// Said when the schema has no sentence of its own for a problem, so a user never reads zod's wording.
const fallback = (iss: { input?: unknown }) =>
  `has a value trainbot cannot use, got ${show(iss.input)}; see README, "Configuration".`;

/** zod's issues as one sentence each: the unknown keys first (a typo often explains a missing field), then in file order. */
function sentences(issues: readonly z.core.$ZodIssue[], file: string): string[] {
  const at = (path: readonly PropertyKey[], message: string) => {
    // Array positions are dropped: "`command` must be a list of words" says more than "`command.3` …".
    const names = path.filter((key) => typeof key === 'string');
    return names.length === 0 ? `\`${file}\` ${message}` : `\`${file}\`: \`${codePath(names.join('.'))}\` ${message}`;
  };
  const ordered = [...issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  // Stops at MAX_ERRORS: a 64 KiB file can hold thousands of unknown keys, and each costs a nearest-name search.
  const out = new Set<string>();
  for (const issue of ordered) {
    if (issue.code !== 'unrecognized_keys') out.add(at(issue.path, issue.message));
    else {
      const known = settingNames(issue.path.map((key) => (typeof key === 'number' ? key : String(key))));
      for (const key of issue.keys.slice(0, MAX_ERRORS)) out.add(at([...issue.path, key], unknownKey(key, known)));
    }
    if (out.size >= MAX_ERRORS) break;
  }
  return [...out].slice(0, MAX_ERRORS);
}

export function validateConfig(raw: unknown, file: string): ConfigResult {
  const result = configSchema.safeParse(dropNulls(raw, rawConfigSchema), { error: fallback });
  return result.success
    ? { ok: true, config: result.data }
    : { ok: false, errors: sentences(result.error.issues, file) };
}
