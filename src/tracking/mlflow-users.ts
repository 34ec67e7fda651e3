// The adapter for MLflow's basic-auth app (`mlflow server --app-name basic-auth`): users and their
// per-experiment permissions. Only the three calls trainbot makes, as the auth app's admin. Checked on
// MLflow 3.17.2: permissions are granted through the 3.0 route; the 2.x experiments/permissions/create
// answers 404 there.
import { MlflowHttp, type MlflowHttpOptions } from './mlflow-http.js';
import { TrackingError, isTrackingCode, unlessTrackingCode } from './tracking-error.js';

/** What a user may do with an experiment: READ sees it, EDIT also writes its runs, MANAGE also grants. */
export type ExperimentPermission = 'READ' | 'EDIT' | 'MANAGE' | 'NO_PERMISSIONS';

/** Thrown by createUser when the server has no auth app (a plain `mlflow server` answers 404). */
export class NoAuthApp extends Error {
  constructor(url: string) {
    super(`The MLflow server at ${url} has no user API (it was not started with --app-name basic-auth).`);
    this.name = 'NoAuthApp';
  }
}

export class MlflowUsers {
  private readonly http: MlflowHttp;

  constructor(options: MlflowHttpOptions) {
    this.http = new MlflowHttp(options);
  }

  get url(): string {
    return this.http.url;
  }

  /** Creates a user; NoAuthApp when the server has no user API, TrackingError when it refuses. */
  async createUser(username: string, password: string): Promise<void> {
    try {
      await this.http.call({
        method: 'POST',
        endpoint: 'users/create',
        body: { username, password },
        operation: `creating the MLflow user "${username}"`,
        idempotent: false,
      });
    } catch (error) {
      // The auth app answers JSON for its own refusals; a bare 404 means the route does not exist at all.
      if (error instanceof TrackingError && error.status === 404 && error.errorCode === undefined)
        throw new NoAuthApp(this.http.url);
      throw error;
    }
  }

  async grantExperiment(username: string, experimentId: string, permission: ExperimentPermission): Promise<void> {
    await this.http.call({
      method: 'POST',
      api: '3.0',
      endpoint: 'users/permissions/grant',
      body: { username, resource_type: 'experiment', resource_id: experimentId, permission },
      operation: `granting ${permission} on experiment ${experimentId} to "${username}"`,
    });
  }

  /** Deletes the user; a user that is already gone is not an error. */
  async deleteUser(username: string): Promise<void> {
    const deleted = this.http.call({
      method: 'DELETE',
      endpoint: 'users/delete',
      body: { username },
      operation: `deleting the MLflow user "${username}"`,
    });
    await unlessTrackingCode(deleted, 'RESOURCE_DOES_NOT_EXIST');
  }

  /** Whether the user exists (an admin call); used to check that a run's user is gone. */
  async userExists(username: string): Promise<boolean> {
    try {
      await this.http.call({
        method: 'GET',
        endpoint: 'users/get',
        query: { username },
        operation: `reading the MLflow user "${username}"`,
      });
      return true;
    } catch (error) {
      if (isTrackingCode(error, 'RESOURCE_DOES_NOT_EXIST')) return false;
      throw error;
    }
  }
}
