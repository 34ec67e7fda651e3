// Each run's own MLflow user (DESIGN.md "Security model"): created just before its container starts, with a
// random password and EDIT on the one experiment the run belongs to, and deleted when the run ends. The bot
// keeps the admin credential; the training code never sees it. The user's rights are per experiment, so the
// run cannot write the baselines it is compared with (MLflow 3.17 answers 403).
import { randomBytes } from 'node:crypto';
import { trackingOptionsFromEnv } from './mlflow-client.js';
import { MlflowUsers, NoAuthApp } from './mlflow-users.js';
import { TrackingError } from './tracking-error.js';

/** A run's credential: the variables MLflow's client reads, and the user to delete afterwards. */
export interface RunCredential {
  username: string;
  password: string;
  env: Record<'MLFLOW_TRACKING_USERNAME' | 'MLFLOW_TRACKING_PASSWORD', string>;
}

export interface RunCredentials {
  /** A user that may write only `experimentId`; undefined when the server has no auth app (see the docs). */
  issue(runId: string, experimentId: string): Promise<RunCredential | undefined>;
  /**
   * Deletes the user; never throws (a failure is reported through the warn callback). Only the name is needed:
   * the reconciler deletes a dead process's run users by runUsername(runId), never having seen their passwords.
   */
  revoke(credential: Pick<RunCredential, 'username'>): Promise<void>;
}

/** What a tracking port carries when runs get their own users (src/pipeline/execute-runs.ts reads it). */
export interface RunCredentialsPort {
  runCredentials?: RunCredentials;
}

export const RUN_USER_PREFIX = 'trainbot-user-';

export function runUsername(runId: string): string {
  return `${RUN_USER_PREFIX}${runId}`;
}

type Users = Pick<MlflowUsers, 'createUser' | 'grantExperiment' | 'deleteUser'>;

export class MlflowRunCredentials implements RunCredentials {
  private noAuthApp = false;

  constructor(
    private readonly users: Users,
    private readonly warn: (message: string) => void,
  ) {}

  /** Users made with the bot's own MLflow credential (MLFLOW_TRACKING_URI and _USERNAME/_PASSWORD: the auth app's admin). */
  static fromEnv(env: Record<string, string | undefined>, warn: (message: string) => void): MlflowRunCredentials {
    return new MlflowRunCredentials(new MlflowUsers(trackingOptionsFromEnv(env)), warn);
  }

  async issue(runId: string, experimentId: string): Promise<RunCredential | undefined> {
    if (this.noAuthApp) return undefined;
    const username = runUsername(runId);
    // 32 random bytes: far past MLflow's 12-character minimum, and never reused.
    const password = randomBytes(32).toString('base64url');
    try {
      await this.users.createUser(username, password);
    } catch (error) {
      if (error instanceof NoAuthApp) {
        this.noAuthApp = true;
        this.warn(
          `${error.message} Training Jobs therefore get no MLflow user of their own and could write any run, baselines included; run MLflow with --app-name basic-auth (docs/infrastructure.md).`,
        );
        return undefined;
      }
      throw new TrackingError(
        `MLflow refused to create this run's own user (${describe(error)}); trainbot's MLFLOW_TRACKING_USERNAME must be an admin of MLflow's basic-auth app (docs/infrastructure.md).`,
        { cause: error },
      );
    }
    const credential: RunCredential = {
      username,
      password,
      env: { MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password },
    };
    try {
      await this.users.grantExperiment(username, experimentId, 'EDIT');
    } catch (error) {
      await this.revoke(credential);
      throw new TrackingError(
        `MLflow refused to let this run's own user write its experiment (${describe(error)}); trainbot's MLFLOW_TRACKING_USERNAME must be an admin of MLflow's basic-auth app.`,
        { cause: error },
      );
    }
    return credential;
  }

  async revoke(credential: Pick<RunCredential, 'username'>): Promise<void> {
    try {
      await this.users.deleteUser(credential.username);
    } catch (error) {
      this.warn(
        `Could not delete the MLflow user ${credential.username} after its run ended (${describe(error)}); delete it as MLflow's admin.`,
      );
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof TrackingError && error.status !== undefined)
    return `HTTP ${error.status}${error.errorCode ? ` ${error.errorCode}` : ''}`;
  return error instanceof Error && error.name === 'TrackingError' ? 'MLflow could not be reached' : 'unexpected error';
}

/** The tracking port with its runs' own users; undefined keeps the port as it is (no per-run users). */
export function withRunCredentials<T extends object>(
  tracking: T,
  credentials: RunCredentials | undefined,
): T & RunCredentialsPort {
  return credentials === undefined ? tracking : Object.assign(tracking, { runCredentials: credentials });
}
