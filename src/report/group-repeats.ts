// The repeats of a request joined into points: the runs of one params set that differ only by their seed
// (`seed_param`) become one row whose metrics are their means, so a sweep ranks by the mean and a report
// compares a point, not one seed of it. Pure. A run that is not a repeat (no `repeatSeed`) passes through as it
// is, so a request without repeats renders exactly as before.
import type { TrainbotConfig } from '../config/config-types.js';
import { paramsKey } from '../runs/plan.js';
import type { Baseline, Repeat, RunResult, RunState } from './compare.js';
import { mean } from './paired-verdict.js';

// A point is as far along as its least advanced repeat: still running while one runs, failed when one failed.
const PRECEDENCE: RunState[] = ['running', 'queued', 'failed', 'timeout', 'cancelled'];

/** The params of a run without its seed: what the repeats of one point share. */
function withoutSeed(run: RunResult, seedParam: string): Record<string, number | string> {
  const { [seedParam]: _, ...rest } = run.params;
  return rest;
}

/** The mean of each metric that every repeat logged. */
export function meanMetrics(repeats: readonly Repeat[]): Record<string, number> {
  const names = Object.keys(repeats[0]?.metrics ?? {}).filter((m) =>
    repeats.every((r) => Number.isFinite(r.metrics[m])),
  );
  return Object.fromEntries(names.map((m) => [m, mean(repeats.map((r) => r.metrics[m] as number))]));
}

function point(members: readonly RunResult[], seedParam: string): RunResult {
  const first = members[0] as RunResult;
  const repeats: Repeat[] = members.map((r) => ({
    seed: r.repeatSeed as number,
    ...(r.runId !== undefined ? { runId: r.runId } : {}),
    name: r.name,
    metrics: r.metrics,
  }));
  const base = { name: first.name, runId: first.runId, params: withoutSeed(first, seedParam), repeats };
  const pending = PRECEDENCE.flatMap((state) => members.filter((r) => r.state === state));
  const waiting = pending[0];
  if (!waiting) return { ...base, state: 'finished', metrics: meanMetrics(repeats) };
  // Until every seed finished there is no mean to show: a mean of some seeds would not pair with the baseline's.
  const reason = waiting.reason === undefined ? undefined : `${seedParam}=${waiting.repeatSeed}: ${waiting.reason}`;
  return { ...base, state: waiting.state, ...(reason !== undefined ? { reason } : {}), metrics: {} };
}

/** Repeats joined into points, each where its first repeat was; other runs unchanged and in place. */
export function groupRepeats(runs: readonly RunResult[], config: TrainbotConfig): RunResult[] {
  const groups = new Map<string, RunResult[]>();
  const order: (RunResult | string)[] = [];
  for (const run of runs) {
    if (run.repeatSeed === undefined) {
      order.push(run);
      continue;
    }
    const key = paramsKey(withoutSeed(run, config.seedParam));
    const members = groups.get(key);
    if (members) members.push(run);
    else {
      groups.set(key, [run]);
      order.push(key);
    }
  }
  return order.map((entry) =>
    typeof entry === 'string' ? point(groups.get(entry) as RunResult[], config.seedParam) : entry,
  );
}

/**
 * The baseline a point with repeats is compared with: the baseline runs found for its seeds, all of the first
 * one's sha (a baseline is the runs of one commit; a seed whose newest run is of another commit is left out, so it
 * is not paired). Without a second seed it is the one run, as before.
 */
export function repeatedBaseline(
  found: readonly (Baseline | undefined)[],
  seeds: readonly number[],
): Baseline | undefined {
  const first = found[0];
  if (!first) return undefined;
  const repeats: Repeat[] = found.flatMap((b, i) =>
    b && b.sha === first.sha ? [{ seed: seeds[i] as number, runId: b.runId, metrics: b.metrics }] : [],
  );
  if (seeds.length < 2) return first;
  return { ...first, metrics: meanMetrics(repeats), repeats };
}
