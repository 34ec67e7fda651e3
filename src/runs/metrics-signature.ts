// The numbers a verdict reads, signed when the run ends. The tag signature (run-signature.ts) says who made a
// run and what it is; it is set before the container starts, so it cannot cover the metrics. A container, or
// any later Job with the same MLflow credentials, can log a new value on a finished run (a `log-metric` at a
// higher step becomes the value `runs/get` returns) and turn a worse candidate into a "better" one. So when a run
// ends, the bot writes the compared metrics as it read them into `trainbot.metrics` and signs them in
// `trainbot.metrics_signature`; a report reads a run only when the values it would compare are still those.
//
// Two tags beside the tag signature, not a new version of it: a run in progress must verify before it has
// metrics (a redelivered comment finds its runs by it), and re-signing one tag at the end would leave the
// tags-only signature valid for anyone who copied it while the run was going. The record holds the values
// themselves so a report can say what changed (rmse 0.71 → 9.99) and compares only the metrics that were
// recorded, whatever the config lists today.
import { nodeCrypto } from './node-crypto.js';
import type { TrainbotConfig } from '../config/config-types.js';
import { RUN_TAGS } from './run-contract.js';

/** Changing the record's form or the signed text needs a new version, or old records would stop verifying. */
const SCHEME = 'trainbot-metrics-signature v1';

/** One metric as recorded: its value as `String(number)` (exact for every double, and NaN/Infinity), or null when it was not logged. */
export type RecordedMetrics = Record<string, string | null>;

/** The metrics a report compares: the primary metric and every listed one, sorted. */
export function comparedMetrics(config: Pick<TrainbotConfig, 'metrics' | 'primaryMetric'>): string[] {
  return [...new Set([config.primaryMetric, ...Object.keys(config.metrics)])].sort();
}

/** The tag value: a JSON array of [name, value] pairs in name order, so the same numbers always give the same text. */
export function metricsRecord(metrics: Readonly<Record<string, number>>, names: readonly string[]): string {
  const pairs = [...new Set(names)]
    .sort()
    .map((name) => [name, Object.hasOwn(metrics, name) ? String(metrics[name]) : null]);
  return JSON.stringify(pairs);
}

/** The signed text: the scheme, the run id (a record copied to another run fails) and the record verbatim. */
export function signedMetricsText(runId: string, record: string): string {
  return [SCHEME, JSON.stringify(runId), record].join('\n');
}

export function signMetrics(key: string, runId: string, record: string): string {
  return nodeCrypto().createHmac('sha256', key).update(signedMetricsText(runId, record), 'utf8').digest('hex');
}

/**
 * MLflow 3.17 keeps the first 8,000 characters of a tag value and drops the rest without an error (measured
 * here), which would turn a long record into one that never verifies. About 80 metrics with 64-character names fit.
 */
export const TAG_VALUE_MAX = 8000;

/** The two tags the bot sets when a run has ended FINISHED, from the metrics it read then. */
export function metricsTags(
  key: string,
  runId: string,
  metrics: Readonly<Record<string, number>>,
  names: readonly string[],
): Record<string, string> {
  const record = metricsRecord(metrics, names);
  return { [RUN_TAGS.metrics]: record, [RUN_TAGS.metricsSignature]: signMetrics(key, runId, record) };
}

export interface MetricChange {
  metric: string;
  recorded?: number; // undefined: it was not logged when the run ended
  current?: number; // undefined: it is gone now
}

export type MetricsCheck =
  | { status: 'intact'; metrics: Record<string, number> } // the recorded metrics, as the report may use them
  | { status: 'changed'; changes: MetricChange[] } // a recorded value is not what the run has now
  | { status: 'unverifiable' } // the record was altered, so nothing it says is known
  | { status: 'unrecorded' }; // no record: an older trainbot, or it was removed

/** A check that found the metrics not as signed: the run must not be compared with. */
export type RejectedMetrics = Exclude<MetricsCheck, { status: 'intact' }>;

function parseRecord(text: string): RecordedMetrics | undefined {
  let pairs: unknown;
  try {
    pairs = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(pairs)) return undefined;
  const record: RecordedMetrics = {};
  for (const pair of pairs) {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== 'string' ||
      (typeof pair[1] !== 'string' && pair[1] !== null)
    )
      return undefined;
    record[pair[0]] = pair[1];
  }
  return record;
}

/**
 * Whether the run still has the metrics the bot recorded when it ended. Only the recorded names are checked
 * and returned: a metric the config lists now but did not then has no trusted value on this run.
 */
export function checkMetrics(
  key: string,
  run: { info: { runId: string }; metrics: Readonly<Record<string, number>>; tags: Readonly<Record<string, string>> },
): MetricsCheck {
  const record = run.tags[RUN_TAGS.metrics];
  const given = run.tags[RUN_TAGS.metricsSignature];
  if (record === undefined && given === undefined) return { status: 'unrecorded' };
  if (record === undefined || typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given))
    return { status: 'unverifiable' };
  const expected = Buffer.from(signMetrics(key, run.info.runId, record), 'hex');
  if (!nodeCrypto().timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { status: 'unverifiable' };
  const recorded = parseRecord(record);
  if (!recorded) return { status: 'unverifiable' };
  const changes: MetricChange[] = [];
  const metrics: Record<string, number> = {};
  for (const [metric, value] of Object.entries(recorded)) {
    const now = Object.hasOwn(run.metrics, metric) ? String(run.metrics[metric]) : null;
    if (now !== value) {
      changes.push({
        metric,
        ...(value === null ? {} : { recorded: Number(value) }),
        ...(now === null ? {} : { current: run.metrics[metric] }),
      });
    } else if (value !== null) {
      metrics[metric] = Number(value);
    }
  }
  return changes.length > 0 ? { status: 'changed', changes } : { status: 'intact', metrics };
}
