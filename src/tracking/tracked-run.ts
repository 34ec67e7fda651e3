// The run shape the rest of trainbot sees, and the pure conversion from MLflow's REST JSON to it.
// MLflow sends metrics/params/tags as arrays of {key, value}, int64 times as numbers or strings, and omits
// empty fields; everything downstream gets plain records and numbers instead.

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface TrackedRunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  /** Deleted in MLflow (runs/get still returns it; a search does not). */
  deleted?: true;
}

/** A data set the run logged as an input (mlflow.log_input): its name and MLflow's digest of its contents. */
export interface DatasetRef {
  name: string;
  digest: string;
}

export interface TrackedRun {
  info: TrackedRunInfo;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Absent when the run logged none. runs/get and runs/search both carry them, so reading costs no request. */
  datasets?: DatasetRef[];
}

/** MLflow's JSON for a run, as far as trainbot reads it. */
export interface MlflowRunJson {
  info?: {
    run_id?: string;
    run_uuid?: string;
    run_name?: string;
    experiment_id?: string;
    status?: string;
    start_time?: number | string;
    end_time?: number | string;
    lifecycle_stage?: string;
  };
  data?: {
    metrics?: Array<{ key: string; value: number | string }>;
    params?: Array<{ key: string; value: string }>;
    tags?: Array<{ key: string; value: string }>;
  };
  inputs?: {
    dataset_inputs?: Array<{ dataset?: { name?: string; digest?: string } }>;
  };
}

export function toKeyValues(record: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

function toRecord<T>(entries: Array<{ key: string; value: T }> | undefined): Record<string, T> {
  const record: Record<string, T> = {};
  for (const { key, value } of entries ?? []) record[key] = value;
  return record;
}

function toTime(value: number | string | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const time = Number(value);
  return Number.isFinite(time) ? time : undefined;
}

export function normalizeRun(json: MlflowRunJson): TrackedRun {
  const info = json.info ?? {};
  const metrics: Record<string, number> = {};
  // MLflow writes NaN and infinities as the strings "NaN", "Infinity"; Number() reads both forms.
  for (const { key, value } of json.data?.metrics ?? []) metrics[key] = Number(value);
  const endTime = toTime(info.end_time);
  // What the training code logged, so not trusted: kept only as strings, and escaped wherever it is shown.
  const datasets = (json.inputs?.dataset_inputs ?? []).flatMap(({ dataset }) =>
    typeof dataset?.digest === 'string' ? [{ name: String(dataset.name ?? ''), digest: dataset.digest }] : [],
  );
  return {
    info: {
      runId: info.run_id ?? info.run_uuid ?? '',
      runName: info.run_name ?? '',
      experimentId: info.experiment_id ?? '',
      status: (info.status ?? 'RUNNING') as RunStatus,
      startTime: toTime(info.start_time) ?? 0,
      ...(endTime === undefined ? {} : { endTime }),
      ...(info.lifecycle_stage === 'deleted' ? { deleted: true as const } : {}),
    },
    metrics,
    params: toRecord(json.data?.params),
    tags: toRecord(json.data?.tags),
    ...(datasets.length > 0 ? { datasets } : {}),
  };
}
