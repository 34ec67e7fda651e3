// A run read back from MLflow as a report row: params from the bot's own params tag (not what the container
// logged), its state, its repeat seed and what the footer shows. Pure; shared by the merge report, the
// reconciler and `trainbot compare` (which must not load the merge path to get it).
import type { TrainbotConfig } from '../config/config-types.js';
import { type ParamValue, parseParamsKey } from '../runs/plan.js';
import { RUN_TAGS, repeatOf } from '../runs/run-contract.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import type { RunResult, RunState } from './compare.js';
import type { RunProvenance } from './render-footer.js';

const STATE_OF: Record<string, RunState> = {
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'cancelled',
  RUNNING: 'running',
  SCHEDULED: 'queued',
};
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;

/** The params a run was planned with, read back from its trainbot.params tag (paramsKey's `k=v k=v`). */
export function paramsFromTag(tag: string, config: TrainbotConfig): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, raw] of Object.entries(parseParamsKey(tag))) {
    params[name] = config.params[name]?.type !== 'string' && NUMBER.test(raw) ? Number(raw) : raw;
  }
  return params;
}

/** A run as a report row; MLflow keeps no reason for a failure, so the row points at the run instead. */
export function toRunResult(run: TrackedRun, config: TrainbotConfig): RunResult {
  const state = STATE_OF[run.info.status] ?? 'failed';
  const reason =
    state === 'failed'
      ? 'The run ended FAILED; its MLflow page has the details.'
      : state === 'cancelled'
        ? 'The run was cancelled.'
        : undefined;
  return {
    name: run.info.runName,
    runId: run.info.runId,
    params: paramsFromTag(run.tags[RUN_TAGS.params] ?? '', config),
    state,
    ...(reason ? { reason } : {}),
    metrics: run.metrics,
    ...repeatOf(run.tags),
    ...provenanceOf(run),
  };
}

/** The footer's facts as MLflow keeps them: the image tag the bot set when the run ended, the logged data sets. */
export function provenanceOf(run: TrackedRun): { provenance?: RunProvenance } {
  const image = run.tags[RUN_TAGS.image];
  if (!image && !run.datasets) return {};
  return { provenance: { ...(image ? { image } : {}), ...(run.datasets ? { datasets: run.datasets } : {}) } };
}
