// A parsed `/train` command + the repository config → the runs to start, or one sentence saying why not.
// Pure. Everything a run will receive is decided here, before anything is started or contacted: values are
// checked against the config's types and ranges, a grid is counted before it is expanded (a 1,000-run grid
// is refused without building 1,000 objects), and each run gets a deterministic, valid Kubernetes name.
import { createHash } from 'node:crypto';
import { quoteInput } from '../commands/quote-input.js';
import type { ParamConfig, TrainbotConfig } from '../config/config-types.js';

export type ParamValue = number | string;
export type ParamSet = Readonly<Record<string, ParamValue>>;

export interface PlannedRun {
  params: ParamSet;        // every configured param, defaults filled in
  paramsKey: string;       // canonical `k=v k=v`, keys sorted: the trainbot.params tag
  args: string[];          // flags for the training command, in config order
  swept: string[];         // names of the params this command set (for labels and charts)
}

export type PlanResult = { ok: true; runs: PlannedRun[] } | { ok: false; message: string };

const HELP_HINT = 'Comment `/train help` to see the parameters and their ranges.';
// Decimal numbers only: no hex, no exponent-free oddities like `.5e`, no `Infinity`/`NaN` spellings.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;

/** The one spelling of a value that tags, flags and names use, so `0.50` and `0.5` are the same run. */
export function formatValue(value: ParamValue): string {
  return typeof value === 'number' ? String(value) : value;
}

export function paramsKey(params: ParamSet): string {
  return Object.keys(params).sort().map((k) => `${k}=${formatValue(params[k] as ParamValue)}`).join(' ');
}

function checkValue(name: string, param: ParamConfig, raw: string): { value: ParamValue } | { error: string } {
  const shown = `\`${name}\`=${quoteInput(raw)}`;
  if (param.type === 'string') {
    if (param.values && !param.values.includes(raw)) {
      return { error: `${shown} is not allowed; use one of ${param.values.join(', ')}.` };
    }
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(raw)) {
      return { error: `${shown} is not allowed; string values may use letters, digits, \`.\`, \`_\` and \`-\` (at most 64).` };
    }
    return { value: raw };
  }
  const n = NUMBER.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) return { error: `${shown} is not a number; write a plain decimal like \`0.5\`.` };
  if (param.type === 'int' && !Number.isInteger(n)) return { error: `${shown} is not a whole number; \`${name}\` takes integers like \`42\`.` };
  const range = `${param.min ?? '−∞'} to ${param.max ?? '∞'}`;
  if ((param.min !== undefined && n < param.min) || (param.max !== undefined && n > param.max)) {
    return { error: `${shown} is out of range; \`${name}\` must be from ${range}.` };
  }
  return { value: Object.is(n, -0) ? 0 : n };
}

/** Validated axes of the grid, in config order: each param's distinct values (defaults for unset params). */
function readAxes(requested: Readonly<Record<string, readonly string[]>>, config: TrainbotConfig): { axes: [string, ParamValue[]][] } | { error: string } {
  const known = Object.keys(config.params);
  for (const name of Object.keys(requested)) {
    if (!Object.hasOwn(config.params, name)) {   // not `in`: `constructor` would pass as a param
      return { error: `\`${quoteInput(name)}\` is not a parameter of this repository; it has ${known.map((k) => `\`${k}\``).join(', ')}. ${HELP_HINT}` };
    }
  }
  const axes: [string, ParamValue[]][] = [];
  for (const name of known) {
    const param = config.params[name] as ParamConfig;
    const raws = requested[name];
    if (!raws) {
      axes.push([name, [param.default]]);
      continue;
    }
    const values = new Map<string, ParamValue>();
    for (const raw of raws) {
      const checked = checkValue(name, param, raw);
      if ('error' in checked) return { error: `${checked.error} ${HELP_HINT}` };
      values.set(formatValue(checked.value), checked.value);
    }
    axes.push([name, [...values.values()]]);
  }
  return { axes };
}

function* cartesian(axes: readonly [string, ParamValue[]][], i = 0, acc: Record<string, ParamValue> = {}): Generator<ParamSet> {
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
  return Object.keys(config.params).flatMap((name) => [(config.params[name] as ParamConfig).flag, formatValue(params[name] as ParamValue)]);
}

function planned(params: ParamSet, swept: string[], config: TrainbotConfig): PlannedRun {
  return { params, paramsKey: paramsKey(params), args: flagsFor(params, config), swept };
}

/** The runs for `/train k=v …`: one per point of the grid, refused as a whole when any value or the size is wrong. */
export function planRuns(requested: Readonly<Record<string, readonly string[]>>, config: TrainbotConfig): PlanResult {
  const read = readAxes(requested, config);
  if ('error' in read) return { ok: false, message: read.error };
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

/** The baseline run: every param at its default. */
export function planBaseline(config: TrainbotConfig): PlannedRun {
  const params = Object.fromEntries(Object.entries(config.params).map(([k, p]) => [k, p.default]));
  return planned(params, [], config);
}

/**
 * A Job name: deterministic for (repo, PR, request, params) so a redelivered webhook collides (409) instead
 * of starting a second Job (the role is hashed too: a baseline and a candidate with the same params are two Jobs); a DNS-1123 label short enough that the pods' generated names stay valid.
 */
export function runName(parts: { repo: string; pr?: number; request: string; paramsKey: string; role: 'candidate' | 'baseline' }): string {
  const digest = createHash('sha256').update([parts.repo, parts.pr ?? '', parts.request, parts.paramsKey, parts.role].join('\n')).digest('hex');
  const scope = parts.pr !== undefined ? `pr${parts.pr}` : parts.role === 'baseline' ? 'baseline' : 'run';
  return `trainbot-${scope}-${digest.slice(0, 12)}`;
}
