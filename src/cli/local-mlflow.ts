// The embedded default for `trainbot run`: a real `mlflow server` on loopback with a SQLite store under the
// project's .trainbot/ folder, started when MLFLOW_TRACKING_URI is not set and stopped when the CLI exits.
// With `auth`, it runs MLflow's basic-auth app as a deployment does (docs/infrastructure.md): the CLI is its
// admin, with a password kept in .trainbot/mlflow/admin-password, and each run gets a user of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface LocalMlflow {
  uri: string;
  /** The admin's credential when the server runs the basic-auth app. */
  admin?: { username: string; password: string };
  stop(): void;
}

export const LOCAL_ADMIN = 'trainbot';

/** The auth app's config: its own SQLite file beside the store, users see only what they were granted. */
export function authConfig(dir: string, password: string, cacheSeconds = 60): string {
  return [
    '[mlflow]',
    'default_permission = NO_PERMISSIONS',
    `database_uri = sqlite:///${join(dir, 'auth.db')}`,
    `admin_username = ${LOCAL_ADMIN}`,
    `admin_password = ${password}`,
    'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
    // Without the credential cache every request hashes the password again (scrypt): seconds on a busy machine.
    `auth_cache_ttl_seconds = ${cacheSeconds}`,
    '',
  ].join('\n');
}

/** The admin password of this folder's auth database: made once, then read (MLflow keeps the first one). */
function adminPassword(dir: string): string {
  const file = join(dir, 'admin-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
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

export async function startLocalMlflow(
  stateDir: string,
  options: { auth?: boolean; authCacheSeconds?: number; timeoutMs?: number } = {},
): Promise<LocalMlflow> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const dir = join(stateDir, 'mlflow');
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const port = await freePort();
  const log = openSync(join(dir, 'server.log'), 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };
  let admin: LocalMlflow['admin'];
  if (options.auth) {
    admin = { username: LOCAL_ADMIN, password: adminPassword(dir) };
    writeFileSync(join(dir, 'basic_auth.ini'), authConfig(dir, admin.password, options.authCacheSeconds), {
      mode: 0o600,
    });
    Object.assign(env, {
      MLFLOW_AUTH_CONFIG_PATH: join(dir, 'basic_auth.ini'),
      MLFLOW_FLASK_SERVER_SECRET_KEY: randomBytes(24).toString('hex'),
    });
  }
  const child: ChildProcess = spawn(
    'mlflow',
    [
      'server',
      ...(options.auth ? ['--app-name', 'basic-auth'] : []),
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
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
    { stdio: ['ignore', log, log], detached: true, env },
  );
  const uri = `http://127.0.0.1:${port}`;
  // A process group, so stopping it also stops the workers MLflow forks.
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  let failure: string | undefined;
  child.once('error', (e: NodeJS.ErrnoException) => {
    failure =
      e.code === 'ENOENT'
        ? 'the `mlflow` command was not found; run `npm run setup` (it installs MLflow into a venv) or set MLFLOW_TRACKING_URI'
        : e.message;
  });
  child.once('exit', (code) => {
    failure ??= `it exited with code ${code}; see ${join(dir, 'server.log')}`;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failure) throw new Error(`The local MLflow server did not start: ${failure}.`);
    if (await healthy(uri)) return admin ? { uri, admin, stop } : { uri, stop };
    await new Promise((r) => setTimeout(r, 300));
  }
  stop();
  throw new Error(
    `The local MLflow server did not answer within ${timeoutMs / 1000} s; see ${join(dir, 'server.log')}.`,
  );
}
