// The adapter for MLflow's model registry (REST, /api/2.0/mlflow): only the calls the merge path makes, as the
// bot's own (admin) credential. Checked on MLflow 3.17.2: a model logged with mlflow.sklearn.log_model is a
// logged-model entity (`models:/m-…`), not a folder of the run, so a version's source is that entity, found by
// the run that logged it; a registered model's aliases come back with registered-models/get; per-run users get
// 403 for model-versions/create and registered-models/alias (test/integration/tracking/model-registry.test.ts).
import { trackingOptionsFromEnv } from './mlflow-client.js';
import { MlflowHttp, type MlflowHttpOptions } from './mlflow-http.js';
import { TrackingError, unlessTrackingCode } from './tracking-error.js';

/** A version of a registered model, as trainbot reads it. */
export interface ModelVersion {
  name: string;
  version: string;
  runId: string;
  /** READY, PENDING_REGISTRATION or FAILED_REGISTRATION. */
  status: string;
}

/** What the merge path asks of the registry (src/pipeline/register-model.ts); MlflowModelRegistry implements it. */
export interface ModelRegistry {
  /** Creates the registered model unless it exists; a concurrent creation is not an error. */
  ensureRegisteredModel(name: string): Promise<void>;
  /** The versions of `name` registered from run `runId` (oldest first). */
  versionsOfRun(name: string, runId: string): Promise<ModelVersion[]>;
  /** The id of the model run `runId` logged under `loggedModel` (log_model's name), or undefined. */
  loggedModelOf(experimentId: string, runId: string, loggedModel: string): Promise<string | undefined>;
  /** A new version from that logged model, waited for until READY. */
  createVersion(name: string, runId: string, modelId: string): Promise<ModelVersion>;
  /** The version the alias points to, or undefined when the alias is not set. */
  aliasVersion(name: string, alias: string): Promise<ModelVersion | undefined>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
}

/** What a tracking port carries when the bot may register models (src/index.ts attaches it). */
export interface ModelRegistryPort {
  modelRegistry?: ModelRegistry;
}

interface VersionJson {
  name: string;
  version: string;
  run_id?: string;
  status?: string;
}

const toVersion = (v: VersionJson): ModelVersion => ({
  name: v.name,
  version: v.version,
  runId: v.run_id ?? '',
  status: v.status ?? 'READY',
});

/**
 * A filter value in quotes MLflow reads: single, or double around a value with a single quote (checked on 3.17.2;
 * a backslash escape is not understood). The config's names and MLflow's run ids never hold either.
 */
function quoted(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new TrackingError(`trainbot cannot search MLflow for ${JSON.stringify(value)}: it holds both kinds of quotes.`);
}

export interface RegistryOptions {
  /** Between reads of a version still PENDING_REGISTRATION; default 1 s. */
  pollMs?: number;
  /** How long a version may stay pending before this gives up; default 5 min. */
  readyTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class MlflowModelRegistry implements ModelRegistry {
  private readonly http: MlflowHttp;

  constructor(
    options: MlflowHttpOptions,
    private readonly registryOptions: RegistryOptions = {},
  ) {
    this.http = new MlflowHttp(options);
  }

  /** The registry as the bot's own MLflow credential reaches it (MLFLOW_TRACKING_URI and its credential). */
  static fromEnv(
    env: Record<string, string | undefined>,
    options: Omit<MlflowHttpOptions, 'trackingUri' | 'auth'> = {},
  ): MlflowModelRegistry {
    return new MlflowModelRegistry({ ...options, ...trackingOptionsFromEnv(env) });
  }

  async ensureRegisteredModel(name: string): Promise<void> {
    const existing = this.http.call({
      method: 'GET',
      endpoint: 'registered-models/get',
      query: { name },
      operation: `reading the registered model "${name}"`,
    });
    if ((await unlessTrackingCode(existing, 'RESOURCE_DOES_NOT_EXIST')) !== undefined) return;
    // Another bot may create it between the two calls: theirs is as good as ours.
    const created = this.http.call({
      method: 'POST',
      endpoint: 'registered-models/create',
      body: { name },
      operation: `creating the registered model "${name}"`,
      idempotent: false,
    });
    await unlessTrackingCode(created, 'RESOURCE_ALREADY_EXISTS');
  }

  async versionsOfRun(name: string, runId: string): Promise<ModelVersion[]> {
    const json = await this.http.call<{ model_versions?: VersionJson[] }>({
      method: 'GET',
      endpoint: 'model-versions/search',
      query: { filter: `name = ${quoted(name)} AND run_id = ${quoted(runId)}` },
      operation: `the search for versions of "${name}" from run ${runId}`,
    });
    return (json.model_versions ?? []).map(toVersion).sort((a, b) => Number(a.version) - Number(b.version));
  }

  async loggedModelOf(experimentId: string, runId: string, loggedModel: string): Promise<string | undefined> {
    const json = await this.http.call<{ models?: { info: { model_id: string; name: string } }[] }>({
      method: 'POST',
      endpoint: 'logged-models/search',
      body: {
        experiment_ids: [experimentId],
        filter: `source_run_id = ${quoted(runId)} AND name = ${quoted(loggedModel)}`,
        max_results: 1,
      },
      operation: `the search for the model run ${runId} logged`,
    });
    return json.models?.[0]?.info.model_id;
  }

  async createVersion(name: string, runId: string, modelId: string): Promise<ModelVersion> {
    const json = await this.http.call<{ model_version: VersionJson }>({
      method: 'POST',
      endpoint: 'model-versions/create',
      body: { name, source: `models:/${modelId}`, run_id: runId, model_id: modelId },
      operation: `registering run ${runId} as a version of "${name}"`,
      // A second version of the same run is what the caller's search by run id exists to prevent.
      idempotent: false,
    });
    return this.whenReady(toVersion(json.model_version));
  }

  async aliasVersion(name: string, alias: string): Promise<ModelVersion | undefined> {
    const json = await this.http.call<{ registered_model: { aliases?: { alias: string; version: string }[] } }>({
      method: 'GET',
      endpoint: 'registered-models/get',
      query: { name },
      operation: `reading the registered model "${name}"`,
    });
    // registered-models/get lists the aliases; asking for a missing alias directly is a 400, not a 404.
    const version = json.registered_model.aliases?.find((a) => a.alias === alias)?.version;
    return version === undefined ? undefined : this.getVersion(name, version);
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.call({
      method: 'POST',
      endpoint: 'registered-models/alias',
      body: { name, alias, version },
      operation: `pointing the alias "${alias}" of "${name}" at version ${version}`,
    });
  }

  private async getVersion(name: string, version: string): Promise<ModelVersion> {
    const json = await this.http.call<{ model_version: VersionJson }>({
      method: 'GET',
      endpoint: 'model-versions/get',
      query: { name, version },
      operation: `reading version ${version} of "${name}"`,
    });
    return toVersion(json.model_version);
  }

  /** MLflow may answer PENDING_REGISTRATION while it copies the model; the version is usable once READY. */
  private async whenReady(created: ModelVersion): Promise<ModelVersion> {
    const { pollMs = 1000, readyTimeoutMs = 300_000 } = this.registryOptions;
    const sleep = this.registryOptions.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let version = created;
    for (let waited = 0; version.status === 'PENDING_REGISTRATION' && waited < readyTimeoutMs; waited += pollMs) {
      await sleep(pollMs);
      version = await this.getVersion(created.name, created.version);
    }
    if (version.status !== 'READY')
      throw new TrackingError(
        `MLflow did not finish registering version ${version.version} of "${version.name}" (${version.status}); see the model's page in MLflow.`,
      );
    return version;
  }
}

/** The tracking port with the registry; undefined keeps the port as it is (merges register nothing). */
export function withModelRegistry<T extends object>(
  tracking: T,
  registry: ModelRegistry | undefined,
): T & ModelRegistryPort {
  return registry === undefined ? tracking : Object.assign(tracking, { modelRegistry: registry });
}
