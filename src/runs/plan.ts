// A parsed `/train` command + the repository config → the runs to start, or one sentence saying why not.
// Pure. Everything a run will receive is decided here, before anything is started or contacted: values are
// checked against the config's types and ranges, a grid is counted before it is expanded (a 1,000-run grid
// is refused without building 1,000 objects), and each run gets a deterministic, valid Kubernetes name.
import { nodeCrypto } from './node-crypto.js';
import { nearestName } from '../commands/nearest-name.js';
import { tokenise, typedValue } from '../commands/tokenise.js';
import { quoteInput } from '../report/markdown-escape.js';
import type { ParamConfig, TrainbotConfig } from '../config/config-types.js';

export type ParamValue = number | string;
export type ParamSet = Readonly<Record<string, ParamValue>>;

export interface PlannedRun {
  params: ParamSet; // every configured param, defaults filled in
  paramsKey: string; // canonical `k=v k=v`, keys sorted: the trainbot.params tag
  args: string[]; // flags for the training command, in config order
  swept: string[]; // names of the params this command set (for labels and charts)
  /** Set when the point is trained more than once: which repeat this is, its seed (`seed_param`), of how many. */
  repeat?: { index: number; seed: number; count: number };
}

export type PlanResult = { ok: true; runs: PlannedRun[] } | { ok: false; message: string };

const HELP_HINT = 'Comment `/train help` to see the parameters and their ranges.';
// Decimal numbers only: no hex, no exponent-free oddities like `.5e`, no `Infinity`/`NaN` spellings.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;
const STRING_VALUE = /^[\p{L}\p{N}._\-/:+@ ]{1,64}$/u;

/** The one spelling of a value that tags, flags and names use, so `0.50` and `0.5` are the same run. */
export function formatValue(value: ParamValue): string {
  return typeof value === 'number' ? String(value) : value;
}

/**
 * The canonical `k=v k=v` of a run's params, keys sorted: its trainbot.params tag and its identity (run names,
 * the baseline query). A string value with a space is written as it would be typed, `note="a b"`, so the key
 * reads back unambiguously (parseParamsKey); every other value is written as it is.
 */
export function paramsKey(params: ParamSet): string {
  return Object.keys(params)
    .sort()
    .map((k) => {
      const value = params[k] as ParamValue;
      return `${k}=${typeof value === 'string' ? typedValue(value) : formatValue(value)}`;
    })
    .join(' ');
}

/** paramsKey read back: name → value as written (numbers still as text); words that are not `k=v` are skipped. */
export function parseParamsKey(key: string): Record<string, string> {
  const read = tokenise(key);
  const params: Record<string, string> = {};
  if (read.type !== 'tokens') return params;
  for (const { parts } of read.tokens) {
    const [first, ...rest] = parts;
    const eq = first && !first.quoted ? first.text.indexOf('=') : -1;
    if (!first || eq <= 0) continue;
    params[first.text.slice(0, eq)] = first.text.slice(eq + 1) + rest.map((p) => p.text).join('');
  }
  return params;
}

// The smallest normal double: below it a decimal loses digits or becomes 0, so the run would not get what was typed.
const MIN_NORMAL = 2.2250738585072014e-308;

/** What a numeric param accepts, said the same way in every refusal: kind, range and an example. */
function accepts(name: string, param: ParamConfig): string {
  const kind = param.type === 'int' ? 'a whole number' : 'a plain decimal';
  return `\`${name}\` takes ${kind} from ${param.min ?? '−∞'} to ${param.max ?? '∞'}, like \`${formatValue(param.default)}\``;
}

function checkValue(name: string, param: ParamConfig, raw: string): { value: ParamValue } | { error: string } {
  const shown = `\`${name}\`=${quoteInput(raw)}`;
  if (param.type === 'string') {
    if (param.values && !param.values.includes(raw)) {
      return { error: `${shown} is not allowed; use one of ${param.values.join(', ')}.` };
    }
    // Spaces are fine (the value is one argv entry, never a shell word); quotes, backslashes and markup are not.
    if (!STRING_VALUE.test(raw) || raw.trim() !== raw) {
      return {
        error: `${shown} is not allowed; string values may use letters, digits, spaces and \`. _ - / : + @\` (at most 64, no space at either end), like \`note="first try"\`.`,
      };
    }
    return { value: raw };
  }
  if (!NUMBER.test(raw)) return { error: `${shown} is not a number; ${accepts(name, param)}.` };
  const n = Number(raw);
  // A decimal past a double's range would silently become ±Infinity or 0 (or lose digits): refuse it instead.
  if (!Number.isFinite(n)) return { error: `${shown} is too large to be a number; ${accepts(name, param)}.` };
  const mantissaIsZero = !/[1-9]/.test(raw.split(/[eE]/)[0] as string);
  if (!mantissaIsZero && Math.abs(n) < MIN_NORMAL)
    return { error: `${shown} is too close to zero to be a number (it would become 0); ${accepts(name, param)}.` };
  if (param.type === 'int' && !Number.isInteger(n))
    return { error: `${shown} is not a whole number; ${accepts(name, param)}.` };
  if ((param.min !== undefined && n < param.min) || (param.max !== undefined && n > param.max)) {
    return { error: `${shown} is out of range; \`${name}\` must be from ${param.min ?? '−∞'} to ${param.max ?? '∞'}.` };
  }
  return { value: Object.is(n, -0) ? 0 : n };
}

/**
 * Each requested param checked in the order it was typed, so the answer is about the first wrong word; then
 * the grid's axes in config order: each param's distinct values (defaults for unset params).
 */
function readAxes(
  requested: Readonly<Record<string, readonly string[]>>,
  config: TrainbotConfig,
): { axes: [string, ParamValue[]][] } | { error: string } {
  const known = Object.keys(config.params);
  const checked = new Map<string, ParamValue[]>();
  for (const [name, raws] of Object.entries(requested)) {
    if (!Object.hasOwn(config.params, name)) {
      // not `in`: `constructor` would pass as a param
      const near = nearestName(name, known);
      const guess = near === undefined ? 'it has' : `did you mean \`${near}\`? It has`;
      return {
        error: `\`${quoteInput(name)}\` is not a parameter of this repository; ${guess} ${known.map((k) => `\`${k}\``).join(', ')}. ${HELP_HINT}`,
      };
    }
    const values = new Map<string, ParamValue>();
    for (const raw of raws) {
      const value = checkValue(name, config.params[name] as ParamConfig, raw);
      if ('error' in value) return { error: `${value.error} ${HELP_HINT}` };
      values.set(formatValue(value.value), value.value);
    }
    checked.set(name, [...values.values()]);
  }
  return { axes: known.map((name) => [name, checked.get(name) ?? [(config.params[name] as ParamConfig).default]]) };
}

/** The command's words without `repeats`, a word of the command itself rather than a training param. */
function withoutRepeats(requested: Readonly<Record<string, readonly string[]>>): Record<string, readonly string[]> {
  const { [REPEATS]: _, ...params } = requested;
  return params;
}

/** The first wrong name or value of `requested`, in typed order, or undefined when every one is allowed. */
export function firstValueProblem(
  requested: Readonly<Record<string, readonly string[]>>,
  config: TrainbotConfig,
): string | undefined {
  const read = readAxes(withoutRepeats(requested), config);
  if ('error' in read) return read.error;
  const repeats = readRepeats(requested, config);
  return 'error' in repeats ? repeats.error : undefined;
}

/** The word a command sets its repeats with (`/train alpha=0.5 repeats=5`); config validation keeps params off it. */
export const REPEATS = 'repeats';

/** The seeds of `count` repeats: `seed_param`'s default, then the next whole numbers, the same for the baseline. */
export function repeatSeeds(config: TrainbotConfig, count: number): number[] {
  const base = Number(config.params[config.seedParam]?.default ?? 0);
  return Array.from({ length: count }, (_, i) => base + i);
}

/**
 * How many times each point of the grid is trained: `repeats=N` from the command, else the config's. Refused in
 * one sentence when it is not a whole number from 1 to `limits.max_runs`, when there is no int seed param to vary,
 * when the command sets that seed itself (the repeats choose it, to pair with the baseline's), or when the seeds
 * would leave the seed param's range.
 */
function readRepeats(
  requested: Readonly<Record<string, readonly string[]>>,
  config: TrainbotConfig,
): { count: number } | { error: string } {
  const raws = requested[REPEATS];
  const most = config.limits.maxRuns;
  const range = `\`${REPEATS}\` takes one whole number from 1 to ${most} (\`limits.max_runs\` in \`.github/trainbot.yml\`), like \`${REPEATS}=3\`.`;
  let count = config.repeats;
  if (raws !== undefined) {
    const raw = raws.length === 1 ? (raws[0] as string) : raws.join(',');
    if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > most)
      return { error: `\`${REPEATS}\`=${quoteInput(raw)} is not allowed; ${range}` };
    count = Number(raw);
  }
  if (count === 1) return { count };
  const seed = config.seedParam;
  const param = config.params[seed];
  if (param?.type !== 'int')
    return {
      error: `\`${REPEATS}=${count}\` needs a whole-number param to vary the seed, and this repository has none named \`${seed}\` (\`seed_param\` in \`.github/trainbot.yml\`); leave out \`${REPEATS}\`, or add that param.`,
    };
  const seeds = repeatSeeds(config, count);
  const [first, last] = [seeds[0] as number, seeds[seeds.length - 1] as number];
  if (Object.hasOwn(requested, seed))
    return {
      error: `\`${seed}\` is chosen by \`${REPEATS}\` (seeds ${first} to ${last}, the ones the baseline uses, so each run is paired with one); leave \`${seed}\` out, or use \`${REPEATS}=1\`.`,
    };
  if (param.max !== undefined && last > param.max)
    return {
      error: `\`${REPEATS}=${count}\` needs seeds ${first} to ${last}, and \`${seed}\` goes up to ${param.max}; use fewer repeats.`,
    };
  return { count };
}

function* cartesian(
  axes: readonly [string, ParamValue[]][],
  i = 0,
  acc: Record<string, ParamValue> = {},
): Generator<ParamSet> {
  if (i === axes.length) {
    yield { ...acc };
    return;
  }
  const [name, values] = axes[i] as [string, ParamValue[]];
  for (const v of values) {
    acc[name] = v;
    yield* cartesian(axes, i + 1, acc);
  }
}

export function flagsFor(params: ParamSet, config: TrainbotConfig): string[] {
  return Object.keys(config.params).flatMap((name) => [
    (config.params[name] as ParamConfig).flag,
    formatValue(params[name] as ParamValue),
  ]);
}

function planned(params: ParamSet, swept: string[], config: TrainbotConfig): PlannedRun {
  return { params, paramsKey: paramsKey(params), args: flagsFor(params, config), swept };
}

/** The runs for `/train k=v …`: one per point of the grid, refused as a whole when any value or the size is wrong. */
export function planRuns(requested: Readonly<Record<string, readonly string[]>>, config: TrainbotConfig): PlanResult {
  const read = readAxes(withoutRepeats(requested), config);
  if ('error' in read) return { ok: false, message: read.error };
  const repeats = readRepeats(requested, config);
  if ('error' in repeats) return { ok: false, message: `${repeats.error} ${HELP_HINT}` };
  if (repeats.count > 1) return planRepeats(withoutRepeats(requested), read.axes, repeats.count, config);
  const count = read.axes.reduce((n, [, values]) => n * values.length, 1);
  if (count > config.limits.maxRuns) {
    return {
      ok: false,
      message: `This grid has ${count.toLocaleString('en-US')} runs; this repository allows at most ${config.limits.maxRuns} per command (\`limits.max_runs\` in \`.github/trainbot.yml\`). Use fewer values, or split the grid over several commands.`,
    };
  }
  const swept = Object.keys(requested).filter((k) => (requested[k]?.length ?? 0) > 0);
  return { ok: true, runs: [...cartesian(read.axes)].map((params) => planned(params, swept, config)) };
}

/** Each point of the grid `count` times, one seed each; the grid with its repeats must fit `limits.max_runs`. */
function planRepeats(
  requested: Readonly<Record<string, readonly string[]>>,
  axes: readonly [string, ParamValue[]][],
  count: number,
  config: TrainbotConfig,
): PlanResult {
  const points = axes.reduce((n, [, values]) => n * values.length, 1);
  if (points * count > config.limits.maxRuns) {
    const grid = points === 1 ? '1 point' : `${points.toLocaleString('en-US')} points`;
    return {
      ok: false,
      message: `This command asks for ${grid} × ${count} repeats = ${(points * count).toLocaleString('en-US')} runs; this repository allows at most ${config.limits.maxRuns} per command (\`limits.max_runs\` in \`.github/trainbot.yml\`). Use fewer values or fewer repeats.`,
    };
  }
  const swept = Object.keys(requested).filter((k) => (requested[k]?.length ?? 0) > 0);
  const seeds = repeatSeeds(config, count);
  return {
    ok: true,
    runs: [...cartesian(axes)].flatMap((point) =>
      seeds.map((seed, index) => ({
        ...planned({ ...point, [config.seedParam]: seed }, swept, config),
        repeat: { index, seed, count },
      })),
    ),
  };
}

/** The baseline's repeats: the defaults with each of `seeds` (the seeds a request's repeats use). */
export function planBaselineRepeats(config: TrainbotConfig, seeds: readonly number[]): PlannedRun[] {
  const defaults = planBaseline(config).params;
  return seeds.map((seed, index) => ({
    ...planned({ ...defaults, [config.seedParam]: seed }, [], config),
    repeat: { index, seed, count: seeds.length },
  }));
}

/** The baseline run: every param at its default. */
export function planBaseline(config: TrainbotConfig): PlannedRun {
  const params = Object.fromEntries(Object.entries(config.params).map(([k, p]) => [k, p.default]));
  return planned(params, [], config);
}

/**
 * A Job name: deterministic for (repo, PR, request, params) so a redelivered webhook collides (409) instead
 * of starting a second Job (the role is hashed too: a baseline and a candidate with the same params are two Jobs); a DNS-1123 label short enough that the pods' generated names stay valid.
 */
export function runName(parts: {
  repo: string;
  pr?: number;
  request: string;
  paramsKey: string;
  role: 'candidate' | 'baseline';
}): string {
  const digest = nodeCrypto()
    .createHash('sha256')
    .update([parts.repo, parts.pr ?? '', parts.request, parts.paramsKey, parts.role].join('\n'))
    .digest('hex');
  const scope = parts.pr !== undefined ? `pr${parts.pr}` : parts.role === 'baseline' ? 'baseline' : 'run';
  return `trainbot-${scope}-${digest.slice(0, 12)}`;
}
