// MlflowModelRegistry's requests and its wait for a version MLflow is still registering. Against the real
// registry: test/integration/tracking/model-registry.test.ts (MLflow 3.17 answers READY at once there, so the
// PENDING_REGISTRATION path is played here).
import { describe, expect, it } from '@jest/globals';
import { MlflowModelRegistry } from '../../../src/tracking/model-registry.js';

interface Sent {
  method: string;
  url: string;
  body?: unknown;
}

/** A server answering each request with the next of `answers` (status 200 unless given), recording what it got. */
function server(answers: Array<unknown | { status: number; json: unknown }>) {
  const sent: Sent[] = [];
  const slept: number[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({
      method: init.method ?? 'GET',
      url: url.replace(/^http:\/\/mlflow:5000\/api\/2\.0\/mlflow\//, ''),
      ...(init.body ? { body: JSON.parse(init.body as string) } : {}),
    });
    const next = answers.shift();
    const { status, json } =
      next && typeof next === 'object' && 'status' in next
        ? (next as { status: number; json: unknown })
        : { status: 200, json: next };
    return new Response(JSON.stringify(json), { status });
  }) as typeof globalThis.fetch;
  const registry = new MlflowModelRegistry(
    { trackingUri: 'http://mlflow:5000', fetch, retries: 0 },
    { pollMs: 1000, readyTimeoutMs: 5000, sleep: async (ms) => void slept.push(ms) },
  );
  return { registry, sent, slept };
}
const version = (status: string) => ({ model_version: { name: 'wine', version: '4', run_id: 'r1', status } });

describe('MlflowModelRegistry', () => {
  it('registers the logged model by its id and run, and waits while MLflow says PENDING_REGISTRATION', async () => {
    const { registry, sent, slept } = server([
      version('PENDING_REGISTRATION'),
      version('PENDING_REGISTRATION'),
      version('READY'),
    ]);
    expect(await registry.createVersion('wine', 'r1', 'm-1')).toEqual({
      name: 'wine',
      version: '4',
      runId: 'r1',
      status: 'READY',
    });
    expect(sent).toEqual([
      {
        method: 'POST',
        url: 'model-versions/create',
        body: { name: 'wine', source: 'models:/m-1', run_id: 'r1', model_id: 'm-1' },
      },
      { method: 'GET', url: 'model-versions/get?name=wine&version=4' },
      { method: 'GET', url: 'model-versions/get?name=wine&version=4' },
    ]);
    expect(slept).toEqual([1000, 1000]);
  });

  it('says so in a sentence when MLflow fails the registration or it stays pending', async () => {
    await expect(
      server([version('PENDING_REGISTRATION'), version('FAILED_REGISTRATION')]).registry.createVersion(
        'wine',
        'r1',
        'm-1',
      ),
    ).rejects.toThrow(
      'MLflow did not finish registering version 4 of "wine" (FAILED_REGISTRATION); see the model\'s page in MLflow.',
    );
    const stuck = server(Array.from({ length: 10 }, () => version('PENDING_REGISTRATION')));
    await expect(stuck.registry.createVersion('wine', 'r1', 'm-1')).rejects.toThrow('(PENDING_REGISTRATION)');
    expect(stuck.slept).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it("finds a run's versions with a filter MLflow reads, in double quotes around a single one", async () => {
    const { registry, sent } = server([
      {
        model_versions: [
          { name: "it's", version: '2', run_id: 'r1' },
          { name: "it's", version: '1', run_id: 'r1' },
        ],
      },
    ]);
    expect((await registry.versionsOfRun("it's", 'r1')).map((v) => v.version)).toEqual(['1', '2']);
    expect(new URL(`http://x/${sent[0]?.url}`).searchParams.get('filter')).toBe(`name = "it's" AND run_id = 'r1'`);
  });

  it('creates a missing registered model, and takes a concurrent creation as done', async () => {
    const missing = { status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'not found' } };
    const raced = { status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' } };
    const { registry, sent } = server([missing, raced, { registered_model: { name: 'wine' } }]);
    await registry.ensureRegisteredModel('wine');
    await registry.ensureRegisteredModel('wine');
    expect(sent.map((s) => `${s.method} ${s.url.replace(/\?.*/, '')}`)).toEqual([
      'GET registered-models/get',
      'POST registered-models/create',
      'GET registered-models/get',
    ]);
  });

  it('reads the alias from the registered model, and its version; no alias is undefined', async () => {
    const { registry } = server([
      { registered_model: { name: 'wine', aliases: [{ alias: 'champion', version: '3' }] } },
      { model_version: { name: 'wine', version: '3', run_id: 'r3', status: 'READY' } },
      { registered_model: { name: 'wine' } },
    ]);
    expect(await registry.aliasVersion('wine', 'champion')).toEqual({
      name: 'wine',
      version: '3',
      runId: 'r3',
      status: 'READY',
    });
    expect(await registry.aliasVersion('wine', 'champion')).toBeUndefined();
  });
});
