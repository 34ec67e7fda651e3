// The CLI's embedded MLflow with the basic-auth app (src/cli/local-mlflow.ts), a real `mlflow server` on
// SQLite: anonymous requests get 401, the admin's 200, and a second start of the same folder keeps the admin
// password MLflow stored the first time.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalMlflow, startLocalMlflow } from '../../../src/cli/local-mlflow.js';

jest.setTimeout(240_000);
const stateDir = mkdtempSync(join(tmpdir(), 'trainbot-local-mlflow-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

async function search(server: LocalMlflow, credential?: { username: string; password: string }): Promise<number> {
  const headers: Record<string, string> = credential
    ? { authorization: `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}` }
    : {};
  return (await fetch(`${server.uri}/api/2.0/mlflow/experiments/search?max_results=1`, { headers })).status;
}

describe('the embedded MLflow with basic auth', () => {
  it('refuses anonymous requests, serves the admin, and keeps the admin password across starts', async () => {
    const first = await startLocalMlflow(stateDir, { auth: true });
    try {
      expect(await search(first)).toBe(401);
      expect(await search(first, first.admin)).toBe(200);
    } finally {
      first.stop();
    }
    expect(statSync(join(stateDir, 'mlflow', 'admin-password')).mode & 0o777).toBe(0o600);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await startLocalMlflow(stateDir, { auth: true });
    try {
      expect(second.admin).toEqual(first.admin);
      expect(await search(second, second.admin)).toBe(200);
    } finally {
      second.stop();
    }
  });
});
