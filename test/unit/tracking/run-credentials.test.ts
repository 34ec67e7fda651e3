// The users API adapter (exact requests, what a plain server answers) and MlflowRunCredentials' decisions:
// a server without the auth app is warned about once and runs go on without users of their own; a refusal
// is one sentence for the pull request; a failed grant leaves no user behind.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { experimentName } from '../../../src/tracking/experiment-names.js';
import { MlflowUsers, NoAuthApp } from '../../../src/tracking/mlflow-users.js';
import { MlflowRunCredentials, runUsername } from '../../../src/tracking/run-credentials.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';

const URI = 'http://mlflow.test:5000';
const ADMIN = { username: 'trainbot', password: 'admin-password-0123456789' };
const users = () => new MlflowUsers({ trackingUri: URI, auth: ADMIN, retries: 0 });

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.restore());

describe('experimentName', () => {
  it('keeps candidates in the configured experiment and baselines in a second one beside it', () => {
    expect(experimentName({ experiment: 'wine' }, 'candidate')).toBe('wine');
    expect(experimentName({ experiment: 'wine' }, 'baseline')).toBe('wine/baselines');
  });
});

describe('MlflowUsers', () => {
  it('creates a user, grants through the 3.0 route and deletes with DELETE, as the admin', async () => {
    const basic = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;
    nock(URI, { reqheaders: { authorization: basic } })
      .post('/api/2.0/mlflow/users/create', { username: 'u', password: 'p'.repeat(16) })
      .reply(200, { user: { id: 2, username: 'u' } })
      .post('/api/3.0/mlflow/users/permissions/grant', {
        username: 'u',
        resource_type: 'experiment',
        resource_id: '7',
        permission: 'EDIT',
      })
      .reply(200, {})
      .delete('/api/2.0/mlflow/users/delete', { username: 'u' })
      .reply(200, {});
    const api = users();
    await api.createUser('u', 'p'.repeat(16));
    await api.grantExperiment('u', '7', 'EDIT');
    await api.deleteUser('u');
  });

  it('says NoAuthApp when users/create does not exist (a plain mlflow server answers an HTML 404)', async () => {
    nock(URI)
      .post('/api/2.0/mlflow/users/create')
      .reply(404, '<!doctype html><title>404 Not Found</title>', { 'content-type': 'text/html' });
    await expect(users().createUser('u', 'p'.repeat(16))).rejects.toBeInstanceOf(NoAuthApp);
  });

  it('treats deleting a user that is already gone as done', async () => {
    nock(URI)
      .delete('/api/2.0/mlflow/users/delete')
      .reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'User with username=u not found' });
    await expect(users().deleteUser('u')).resolves.toBeUndefined();
  });
});

type Users = ConstructorParameters<typeof MlflowRunCredentials>[0];
function fakeUsers(overrides: Partial<Users> = {}) {
  const calls: string[] = [];
  const api: Users = {
    createUser: async (username) => {
      calls.push(`create ${username}`);
    },
    grantExperiment: async (username, id, permission) => {
      calls.push(`grant ${permission} on ${id} to ${username}`);
    },
    deleteUser: async (username) => {
      calls.push(`delete ${username}`);
    },
    ...overrides,
  };
  return { api, calls };
}

describe('MlflowRunCredentials', () => {
  it("makes a user named for the run with a long random password and EDIT on the run's experiment only", async () => {
    const { api, calls } = fakeUsers();
    const credentials = new MlflowRunCredentials(api, () => undefined);
    const one = await credentials.issue('abc', '7');
    const two = await credentials.issue('def', '7');
    expect(calls).toEqual([
      `create ${runUsername('abc')}`,
      `grant EDIT on 7 to ${runUsername('abc')}`,
      `create ${runUsername('def')}`,
      `grant EDIT on 7 to ${runUsername('def')}`,
    ]);
    expect(one?.env).toEqual({
      MLFLOW_TRACKING_USERNAME: 'trainbot-user-abc',
      MLFLOW_TRACKING_PASSWORD: one?.password,
    });
    expect(one?.password.length).toBeGreaterThanOrEqual(40);
    expect(one?.password).not.toBe(two?.password);
  });

  it('warns once and issues nothing on a server without the auth app', async () => {
    const warnings: string[] = [];
    let creates = 0;
    const { api } = fakeUsers({
      createUser: async () => {
        creates += 1;
        throw new NoAuthApp(URI);
      },
    });
    const credentials = new MlflowRunCredentials(api, (m) => warnings.push(m));
    expect(await credentials.issue('a', '7')).toBeUndefined();
    expect(await credentials.issue('b', '7')).toBeUndefined();
    expect(creates).toBe(1);
    expect(warnings).toEqual([
      `The MLflow server at ${URI} has no user API (it was not started with --app-name basic-auth). Training Jobs therefore get no MLflow user of their own and could write any run, baselines included; run MLflow with --app-name basic-auth (docs/infrastructure.md).`,
    ]);
  });

  it('turns a refusal into one sentence naming what to fix', async () => {
    const { api } = fakeUsers({
      createUser: async () => {
        throw new TrackingError('The MLflow server refused the request (HTTP 403); …', { status: 403 });
      },
    });
    const error = await new MlflowRunCredentials(api, () => undefined)
      .issue('a', '7')
      .catch((e: unknown) => e as TrackingError);
    expect(error).toBeInstanceOf(TrackingError);
    expect((error as TrackingError).message).toBe(
      "MLflow refused to create this run's own user (HTTP 403); trainbot's MLFLOW_TRACKING_USERNAME must be an admin of MLflow's basic-auth app (docs/infrastructure.md).",
    );
  });

  it('deletes the user again when the grant fails, so no user without a run is left', async () => {
    const { api, calls } = fakeUsers({
      grantExperiment: async () => {
        throw new TrackingError('no', { status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
      },
    });
    await expect(new MlflowRunCredentials(api, () => undefined).issue('a', '7')).rejects.toThrow(
      "MLflow refused to let this run's own user write its experiment (HTTP 400 INVALID_PARAMETER_VALUE)",
    );
    expect(calls).toEqual(['create trainbot-user-a', 'delete trainbot-user-a']);
  });

  it('never throws from revoke: a failed delete is warned about with the user to delete by hand', async () => {
    const warnings: string[] = [];
    const { api } = fakeUsers({
      deleteUser: async () => {
        throw new TrackingError('down', { status: 503 });
      },
    });
    const credentials = new MlflowRunCredentials(api, (m) => warnings.push(m));
    await credentials.revoke({ username: 'trainbot-user-a' });
    expect(warnings).toEqual([
      "Could not delete the MLflow user trainbot-user-a after its run ended (HTTP 503); delete it as MLflow's admin.",
    ]);
  });
});
