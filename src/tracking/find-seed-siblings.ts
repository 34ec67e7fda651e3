// The other seeds of a baseline trained with repeats: the runs that share its commit, repository, branch and
// params but for the seed. The registry pairs a merge's repeats with its champion's through them
// (src/pipeline/register-model.ts): a model version names one run, the default seed's, because that is the one
// registered, and its siblings carry the rest of the champion's noise. One runs/search per call, filtered on tag
// values, so MLflow reads the tags table; it runs once per merge, not per report.
import { checkMetrics } from '../runs/metrics-signature.js';
import { parseParamsKey } from '../runs/plan.js';
import { RUN_TAGS, repeatOf } from '../runs/run-contract.js';
import { verifyRun } from '../runs/run-signature.js';
import { buildFilter } from './search-filter.js';
import type { TrackedRun } from './tracked-run.js';
import type { Tracking } from './tracking.js';

/** Baseline runs of one commit read at most: a refresh trains at most `limits.max_runs` seeds. */
const SIBLINGS_READ = 200;

export interface SeedSiblingsQuery {
  experimentId: string; // the baselines' experiment
  run: TrackedRun; // the baseline whose siblings are wanted, already trusted by the caller
  seedParam: string;
  /** The seeds wanted; the run's own is left out of the answer. */
  seeds: readonly number[];
}

/** A run's seed: its signed repeat tag, else the seed in its params. */
export function seedOf(run: TrackedRun, seedParam: string): number | undefined {
  const tagged = repeatOf(run.tags).repeatSeed;
  if (tagged !== undefined) return tagged;
  const raw = parseParamsKey(run.tags[RUN_TAGS.params] ?? '')[seedParam];
  return raw !== undefined && /^-?\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

function withoutSeed(run: TrackedRun, seedParam: string): string {
  const { [seedParam]: _, ...rest } = parseParamsKey(run.tags[RUN_TAGS.params] ?? '');
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The newest trusted sibling of `run` for each wanted seed, by the rules a baseline is trusted by: FINISHED, in the
 * baselines' experiment, role baseline, the same repository, branch and commit; with a signing key, its tags
 * signed and its metrics the signed ones (a sibling whose metrics changed is left out, so it pairs with nothing).
 * Only repeats (the signed `trainbot.repeat` tag) count: a run trained for one seed on its own is no sibling.
 */
export async function findSeedSiblings(
  tracking: Pick<Tracking, 'searchAllRuns' | 'signingKey'>,
  query: SeedSiblingsQuery,
): Promise<TrackedRun[]> {
  const { run, seedParam } = query;
  const t = run.tags;
  const own = seedOf(run, seedParam);
  const wanted = new Set(query.seeds.filter((s) => s !== own));
  if (wanted.size === 0) return [];
  const filter = buildFilter([
    { attribute: 'status', equals: 'FINISHED' },
    { tag: RUN_TAGS.role, equals: 'baseline' },
    { tag: RUN_TAGS.repo, equals: t[RUN_TAGS.repo] ?? '' },
    { tag: RUN_TAGS.branch, equals: t[RUN_TAGS.branch] ?? '' },
    { tag: RUN_TAGS.sha, equals: t[RUN_TAGS.sha] ?? '' },
  ]);
  const found = await tracking.searchAllRuns(
    { experimentIds: [query.experimentId], filter, orderBy: ['attributes.start_time DESC'] },
    SIBLINGS_READ,
  );
  const params = withoutSeed(run, seedParam);
  const key = tracking.signingKey;
  const siblings = new Map<number, TrackedRun>();
  for (const sibling of found.runs) {
    const s = sibling.tags;
    const seed = repeatOf(s).repeatSeed;
    if (
      seed === undefined ||
      !wanted.has(seed) ||
      siblings.has(seed) ||
      sibling.info.status !== 'FINISHED' ||
      sibling.info.experimentId !== query.experimentId ||
      s[RUN_TAGS.role] !== 'baseline' ||
      [RUN_TAGS.repo, RUN_TAGS.branch, RUN_TAGS.sha].some((tag) => s[tag] !== t[tag]) ||
      withoutSeed(sibling, seedParam) !== params ||
      (key !== undefined && !verifyRun(key, sibling))
    )
      continue;
    const check = key === undefined ? undefined : checkMetrics(key, sibling);
    if (check !== undefined && check.status !== 'intact') continue;
    siblings.set(seed, check === undefined ? sibling : { ...sibling, metrics: check.metrics });
  }
  return query.seeds.flatMap((seed) => {
    const sibling = siblings.get(seed);
    return sibling ? [sibling] : [];
  });
}
