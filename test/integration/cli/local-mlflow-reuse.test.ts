// The embedded MLflow left running between CLI commands (src/cli/local-mlflow.ts ensureLocalMlflow): a real
// `mlflow server` on SQLite, found again through .trainbot/mlflow/server.json; a record that points at a dead
// process, at a process that is not this folder's server, or at a port something else answers on is not
// trusted; `trainbot stop` stops it.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureLocalMlflow, isOurServer, readState, stopLocalMlflow } from '../../../src/cli/local-mlflow.js';

jest.setTimeout(300_000);
const root = resolve(import.meta.dirname, '../../..');
const repo = mkdtempSync(join(tmpdir(), 'trainbot-reuse-')); // stands for a repository root
const stateDir = join(repo, '.trainbot');
const dir = join(stateDir, 'mlflow');
afterAll(async () => {
  await stopLocalMlflow(stateDir);
  rmSync(repo, { recursive: true, force: true });
});
const trainbot = (args: string[]) =>
  promisify(execFile)('node', [join(root, 'bin/trainbot.js'), ...args], { cwd: root, encoding: 'utf8' });

/** Something else on loopback that answers /health with OK, as another MLflow would. */
async function impostor(): Promise<{ port: number; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('OK');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe('the embedded MLflow, left running', () => {
  it('starts once, then is found again in well under a second', async () => {
    const first = await ensureLocalMlflow(stateDir, { auth: true });
    expect(first.reused).toBeUndefined();
    const state = readState(dir);
    expect(state && isOurServer(dir, state.pid)).toBe(true);
    const started = performance.now();
    const again = await ensureLocalMlflow(stateDir, { auth: true });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(again).toMatchObject({ uri: first.uri, reused: true, admin: first.admin });
  });

  it('does not trust a record whose pid is dead, even when its port answers /health', async () => {
    const running = readState(dir);
    await stopLocalMlflow(stateDir);
    const other = await impostor();
    try {
      writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: deadPid(), port: other.port }));
      const server = await ensureLocalMlflow(stateDir, { auth: true });
      expect(server.reused).toBeUndefined();
      expect(server.uri).not.toBe(`http://127.0.0.1:${other.port}`);
      expect(other.hits).toEqual([]);
      expect(readState(dir)?.pid).not.toBe(running?.pid);
    } finally {
      await other.close();
    }
  });

  it("does not trust a live pid that is not this folder's server, and never signals it", async () => {
    const ours = readState(dir);
    const other = await impostor();
    try {
      // This test process: alive, but not an `mlflow server` of this folder. Stopping must leave it alone.
      writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: process.pid, port: other.port }));
      expect(isOurServer(dir, process.pid)).toBe(false);
      expect(await stopLocalMlflow(stateDir)).toBe('none');
      writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: process.pid, port: other.port }));
      const server = await ensureLocalMlflow(stateDir, { auth: true });
      expect(server.reused).toBeUndefined();
      expect(server.uri).not.toBe(`http://127.0.0.1:${other.port}`);
      expect(other.hits).toEqual([]);
    } finally {
      await other.close();
      if (ours) process.kill(-ours.pid, 'SIGTERM'); // the server whose record this test overwrote
    }
  });

  it('starts a new server when the recorded one was killed', async () => {
    const state = readState(dir);
    expect(state).toBeDefined();
    process.kill(-(state?.pid as number), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const server = await ensureLocalMlflow(stateDir, { auth: true });
    expect(server.reused).toBeUndefined();
    expect(readState(dir)?.pid).not.toBe(state?.pid);
    expect(await (await fetch(`${server.uri}/health`)).text()).toBe('OK');
  });

  it('`trainbot stop` stops it and removes the record; a second stop says none was running', async () => {
    const state = readState(dir);
    expect(state && isOurServer(dir, state.pid)).toBe(true);
    expect((await trainbot(['stop', '--root', repo])).stderr).toBe('trainbot: The local MLflow server was stopped.\n');
    expect(isOurServer(dir, state?.pid as number)).toBe(false);
    expect(existsSync(join(dir, 'server.json'))).toBe(false);
    expect((await trainbot(['stop', '--root', repo])).stderr).toBe('trainbot: No local MLflow server was running.\n');
  });
});
