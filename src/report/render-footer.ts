// The reproducibility footer under every report: the image that ran, the commit, the params (seeds included),
// the data's digest and the commands that repeat the runs. Pure. It is collapsed (a <details> block) so the table
// stays what a reader sees first, every value from outside is escaped (markdown-escape.ts), and it is bounded:
// a sweep's distinct images and data sets are listed up to a few, and a command too long to show whole is
// named, never cut (a shortened command would repeat something else).
import { typedValue } from '../commands/tokenise.js';
import { LOCAL_PROCESS } from '../runners/runner.js';
import { formatValue } from '../runs/plan.js';
import type { RunResult } from './compare.js';
import { codeSpan } from './markdown-escape.js';

/** What ran and on what data; a run gets it when it ends (execute-runs.ts) or from MLflow (toRunResult). */
export interface RunProvenance {
  /** The image by digest as the runtime reported it, or LOCAL_PROCESS for a run that was a local process. */
  image?: string;
  /** The data sets the training code logged as inputs (mlflow.log_input): name and MLflow's digest. */
  datasets?: readonly { name: string; digest: string }[];
}

export interface FooterInput {
  runs: readonly RunResult[];
  /** The commit the runs trained. */
  sha?: string;
  /** The configured params, in config order: the order a command names them in. */
  paramOrder: readonly string[];
  /** The param repeats vary (config seed_param): repeated runs are typed back as `repeats=N`, not a seed list. */
  seedParam?: string;
}

/** Distinct images or data sets listed at most; a sweep that used more says how many more. */
export const FOOTER_LIST_MAX = 3;
/** Runs that are not one grid get a command each, up to this many. */
export const FOOTER_COMMANDS_MAX = 5;
/** The longest command shown; a longer one is named by its length instead of being cut. */
export const FOOTER_COMMAND_MAX_CHARS = 1000;
/** What the footer takes at most, whatever the runs: the report budgets its table around it. */
export const FOOTER_MAX_CHARS = 6000;

const VALUE_MAX_CHARS = 160;

/** `k=v1,v2 k2=v`: each param in config order with its distinct values, as a `/train` line types them. */
function commandParams(values: ReadonlyMap<string, readonly (number | string)[]>): string {
  return [...values]
    .map(
      ([name, list]) =>
        `${name}=${list.map((v) => (typeof v === 'string' ? typedValue(v) : formatValue(v))).join(',')}`,
    )
    .join(' ');
}

function distinctValues(runs: readonly RunResult[], order: readonly string[]): Map<string, (number | string)[]> {
  const names = [...order, ...new Set(runs.flatMap((r) => Object.keys(r.params)))].filter(
    (name, i, all) => all.indexOf(name) === i && runs.some((r) => r.params[name] !== undefined),
  );
  return new Map(names.map((name) => [name, [...new Set(runs.flatMap((r) => r.params[name] ?? []))]]));
}

/** Whether the runs are exactly the grid their distinct values span (a sweep is), so one command repeats them. */
function isGrid(runs: readonly RunResult[], values: ReadonlyMap<string, readonly unknown[]>): boolean {
  const size = [...values.values()].reduce((n, list) => n * list.length, 1);
  const combos = new Set(runs.map((r) => JSON.stringify([...values.keys()].map((k) => r.params[k] ?? null))));
  return combos.size === size && runs.every((r) => [...values.keys()].every((k) => r.params[k] !== undefined));
}

/** POSIX single quotes: the shell passes the text as one word, whatever it holds. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A command as a code span, or a sentence saying it is too long to show whole (never cut: it would be another). */
function command(text: string): string {
  if ([...text].length > FOOTER_COMMAND_MAX_CHARS)
    return `too long to show (${[...text].length} characters); the runs' params are in MLflow`;
  return codeSpan(text, FOOTER_COMMAND_MAX_CHARS);
}

function listed(items: readonly string[], none: string): string {
  if (items.length === 0) return none;
  const shown = items.slice(0, FOOTER_LIST_MAX).join(', ');
  const more = items.length - FOOTER_LIST_MAX;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

function imageText(runs: readonly RunResult[]): string {
  const images = [...new Set(runs.flatMap((r) => (r.provenance?.image ? [r.provenance.image] : [])))];
  const shown = images.map((image) =>
    image === LOCAL_PROCESS ? 'local, not an image (`trainbot run`)' : codeSpan(image, VALUE_MAX_CHARS),
  );
  const pending = runs.some((r) => r.state === 'queued' || r.state === 'running');
  return listed(shown, pending ? 'not known until a run ends' : 'not reported by the runtime');
}

function dataText(runs: readonly RunResult[]): string {
  const seen = new Map<string, string>();
  for (const { name, digest } of runs.flatMap((r) => r.provenance?.datasets ?? [])) {
    const shown = `${codeSpan(name || 'unnamed', VALUE_MAX_CHARS)} digest ${codeSpan(digest, VALUE_MAX_CHARS)}`;
    seen.set(JSON.stringify([name, digest]), shown);
  }
  // Only a finished run's data sets are read (with its metrics, from the same runs/get).
  const none = runs.some((r) => r.state === 'queued' || r.state === 'running')
    ? 'not known until a run ends'
    : runs.some((r) => r.state === 'finished')
      ? 'none logged (the training code can log it with `mlflow.log_input`)'
      : 'not read, as no run finished';
  return listed([...seen.values()], none);
}

/** The seeds of the runs that are repeats of a point (execute-runs.ts marks them), each once. */
function repeatSeedsOf(runs: readonly RunResult[]): number[] {
  return [...new Set(runs.flatMap((r) => (r.repeatSeed === undefined ? [] : [r.repeatSeed])))];
}

/** `/train …` for each distinct command that repeats the runs: one for a single run or a grid, else one per run. */
function trainCommands(input: FooterInput): string[] {
  // Repeats differ only in their seed, which `repeats=N` sets again (from the seed param's default up): a seed
  // list would be a sweep over seeds, another request.
  const seeds = repeatSeedsOf(input.runs);
  const seedParam = seeds.length > 1 ? input.seedParam : undefined;
  const runs = seedParam
    ? input.runs.map((r) => ({
        ...r,
        params: Object.fromEntries(Object.entries(r.params).filter(([k]) => k !== seedParam)),
      }))
    : input.runs;
  const values = distinctValues(runs, input.paramOrder);
  const lines =
    runs.length === 1 || isGrid(runs, values)
      ? [commandParams(values)]
      : [...new Set(runs.map((r) => commandParams(distinctValues([r], input.paramOrder))))];
  const repeats = seedParam ? ` repeats=${seeds.length}` : '';
  return lines.map((params) => `/train ${params}${repeats}`.replace(/ {2,}/g, ' ').trimEnd());
}

/** The seeds of repeated runs, for the params line: `repeats=N` names how many, this names which. */
function seedsText(input: FooterInput): string {
  const seeds = repeatSeedsOf(input.runs);
  return seeds.length > 1 && input.seedParam ? ` (\`${input.seedParam}\` ${seeds.join(', ')})` : '';
}

export function renderFooter(input: FooterInput): string {
  const { runs, sha } = input;
  if (runs.length === 0) return '';
  const all = trainCommands(input);
  const trains = all.slice(0, FOOTER_COMMANDS_MAX);
  const checkout = sha ? `git checkout ${/^[0-9a-f]{7,64}$/.test(sha) ? sha : shellQuote(sha)} && ` : '';
  const head = [`- Image: ${imageText(runs)}`, `- Commit: ${sha ? codeSpan(sha, VALUE_MAX_CHARS) : 'not recorded'}`];
  const commands = [
    `- Params: ${trains.map((t) => command(t.slice('/train '.length) || 'the defaults')).join('; ')}${seedsText(input)}`,
    `- Data: ${dataText(runs)}`,
    `- Again on a pull request (trains its head): ${trains.map(command).join('; ')}`,
    `- Locally${sha ? ', at that commit' : ''}: ${trains.map((t) => command(`${checkout}trainbot run ${shellQuote(t)}`)).join('; ')}`,
  ];
  const cut = all.length - trains.length;
  if (cut > 0) commands.push(`- … and ${cut} more command${cut === 1 ? '' : 's'}; every run's params are in MLflow.`);
  const what = runs.length === 1 ? 'this run' : `these ${runs.length} runs`;
  const wrap = (items: string[]) =>
    [`<details><summary>Reproduce ${what}</summary>`, '', ...items, '', '</details>'].join('\n');
  const full = wrap([...head, ...commands]);
  if (full.length <= FOOTER_MAX_CHARS) return full;
  // Long values in many runs: the commands go (they would not be typed anyway), what ran and on what data stays.
  return wrap([
    ...head,
    `- Data: ${dataText(runs)}`,
    `- Params and commands: too long to show (${full.length} characters); every run's params are in MLflow.`,
  ]);
}
