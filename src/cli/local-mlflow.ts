// The embedded default for `trainbot run`: a real `mlflow server` on loopback with a SQLite store under the
// project's .trainbot/ folder, started when MLFLOW_TRACKING_URI is not set and stopped when the CLI exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface LocalMlflow {
  uri: string;
  stop(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function healthy(uri: string): Promise<boolean> {
  try {
    const response = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startLocalMlflow(stateDir: string, timeoutMs = 120_000): Promise<LocalMlflow> {
  const dir = join(stateDir, 'mlflow');
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const port = await freePort();
  const log = openSync(join(dir, 'server.log'), 'a');
  const child: ChildProcess = spawn('mlflow', [
    'server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
    '--artifacts-destination', join(dir, 'artifacts'), '--serve-artifacts',
    '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
  ], { stdio: ['ignore', log, log], detached: true, env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' } });
  const uri = `http://127.0.0.1:${port}`;
  // A process group, so stopping it also stops the workers MLflow forks.
  const stop = () => {
    try { if (child.pid) process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  };
  let failure: string | undefined;
  child.once('error', (e: NodeJS.ErrnoException) => {
    failure = e.code === 'ENOENT' ? 'the `mlflow` command was not found; run `npm run setup` (it installs MLflow into a venv) or set MLFLOW_TRACKING_URI' : e.message;
  });
  child.once('exit', (code) => { failure ??= `it exited with code ${code}; see ${join(dir, 'server.log')}`; });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failure) throw new Error(`The local MLflow server did not start: ${failure}.`);
    if (await healthy(uri)) return { uri, stop };
    await new Promise((r) => setTimeout(r, 300));
  }
  stop();
  throw new Error(`The local MLflow server did not answer within ${timeoutMs / 1000} s; see ${join(dir, 'server.log')}.`);
}
