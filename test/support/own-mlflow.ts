// An `mlflow server` of one test's own, on a new database of the harness's PostgreSQL (TRAINBOT_TEST_PG_URL,
// exported by scripts/services/mlflow.sh), that the test can stop and start again on the same port: a fault
// test restarting the shared server would break every other suite. Same command as scripts/services/mlflow.sh.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnMlflow {
  url: string;
  /** Stops the server (SIGTERM to its process group, SIGKILL after 5 s) and resolves when it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and database; resolves when /health answers. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startOwnMlflow(): Promise<OwnMlflow> {
  const pg = process.env.TRAINBOT_TEST_PG_URL;
  if (!pg)
    throw new Error(
      'TRAINBOT_TEST_PG_URL is not set: run the integration tests through scripts/test.sh (it starts PostgreSQL).',
    );
  const { hostname, port: pgPort } = new URL(pg);
  const database = `faults_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  execFileSync(join(PG_BIN, 'createdb'), ['-h', hostname, '-p', pgPort, '-U', 'postgres', database]);
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-own-mlflow-'));
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const log = openSync(join(dir, 'mlflow.log'), 'a');
    // detached: its own process group, so stop() reaches the gunicorn/uvicorn workers too and nothing else.
    child = spawn(
      'mlflow',
      [
        'server',
        '--backend-store-uri',
        `postgresql+psycopg2://postgres@${hostname}:${pgPort}/${database}`,
        '--artifacts-destination',
        join(dir, 'artifacts'),
        '--serve-artifacts',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--workers',
        '1',
      ],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
      },
    );
    const started = child;
    for (let i = 0; i < 1200; i += 1) {
      if (started.exitCode !== null)
        throw new Error(`mlflow server exited with ${started.exitCode}; see ${dir}/mlflow.log`);
      try {
        if ((await fetch(`${url}/health`)).ok) return;
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    throw new Error(`mlflow server did not answer /health at ${url}`);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-(running.pid as number), name);
      } catch {
        /* gone */
      }
    };
    signal('SIGTERM');
    const forced = setTimeout(() => signal('SIGKILL'), 5000);
    await exited;
    clearTimeout(forced);
    signal('SIGKILL'); // workers that outlived their parent
  };
  await start();
  return {
    url,
    start,
    stop,
    async close() {
      await stop();
      execFileSync(join(PG_BIN, 'dropdb'), ['-h', hostname, '-p', pgPort, '-U', 'postgres', '--force', database]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
