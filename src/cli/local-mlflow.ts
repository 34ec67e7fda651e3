// The embedded default for `trainbot run`: a real `mlflow server` on loopback with a SQLite store under the
// project's .trainbot/ folder, started when MLFLOW_TRACKING_URI is not set. The CLI leaves it running and finds it
// again on later runs through .trainbot/mlflow/server.json (its pid and port), because starting it costs seconds
// each time; `trainbot stop` stops it (ensureLocalMlflow, stopLocalMlflow). startLocalMlflow alone starts one for
// the caller's lifetime (tests).
// With `auth`, it runs MLflow's basic-auth app as a deployment does (docs/infrastructure.md): the CLI is its
// admin, with a password kept in .trainbot/mlflow/admin-password, and each run gets a user of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { httpFetch } from '../tracking/http-fetch.js';

export interface LocalMlflow {
  uri: string;
  /** True when an already running server was found (ensureLocalMlflow). */
  reused?: boolean;
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
    // Not global fetch: `trainbot compare` makes this check on every call (src/tracking/http-fetch.ts says why).
    const response = await httpFetch(`${uri}/health`, { signal: AbortSignal.timeout(1000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startLocalMlflow(
  stateDir: string,
  options: { auth?: boolean; authCacheSeconds?: number; timeoutMs?: number; keep?: boolean } = {},
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
    if (await healthy(uri)) {
      if (options.keep && child.pid) {
        // Outlives this process: no handle keeps Node's event loop waiting for it.
        child.unref();
        writeState(dir, { pid: child.pid, port });
      }
      return admin ? { uri, admin, stop } : { uri, stop };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  stop();
  throw new Error(
    `The local MLflow server did not answer within ${timeoutMs / 1000} s; see ${join(dir, 'server.log')}.`,
  );
}

/** What .trainbot/mlflow/server.json records about the server left running. */
export interface ServerState {
  pid: number;
  port: number;
}

const STATE_FILE = 'server.json';
const START_LOCK = 'start.lock';

function writeState(dir: string, state: ServerState): void {
  const draft = join(dir, `${STATE_FILE}.${process.pid}.tmp`);
  writeFileSync(draft, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(draft, join(dir, STATE_FILE));
}

/** The recorded server, or undefined when there is none or the file is not one of ours (hand-edited, cut short). */
export function readState(dir: string): ServerState | undefined {
  try {
    const json = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as Partial<ServerState>;
    const { pid, port } = json;
    return Number.isSafeInteger(pid) &&
      (pid as number) > 1 &&
      Number.isSafeInteger(port) &&
      (port as number) > 0 &&
      (port as number) < 65536
      ? { pid: pid as number, port: port as number }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is the `mlflow server` of this folder: alive, and its command line names this folder's store. A pid
 * reused by another process, or a server of another folder, is not ours (and is never signalled).
 */
export function isOurServer(dir: string, pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('server') && cmdline.includes(`sqlite:///${join(dir, 'mlflow.db')}`);
  } catch {
    return false; // no /proc (not Linux): without proof it is ours, start a new one rather than trust a pid
  }
}

function admin(dir: string, auth: boolean | undefined): LocalMlflow['admin'] {
  return auth ? { username: LOCAL_ADMIN, password: adminPassword(dir) } : undefined;
}

/** The running server of this folder, or undefined; a stale record (dead pid, someone else's) is removed. */
async function findRunning(dir: string, auth: boolean | undefined, waitMs: number): Promise<LocalMlflow | undefined> {
  const state = readState(dir);
  if (!state) return undefined;
  if (!isOurServer(dir, state.pid)) {
    rmSync(join(dir, STATE_FILE), { force: true });
    return undefined;
  }
  const uri = `http://127.0.0.1:${state.port}`;
  // Ours and alive: it answers at once, unless it hangs; then it is stopped and a new one started.
  const deadline = Date.now() + waitMs;
  do {
    if (await healthy(uri)) {
      const credential = admin(dir, auth);
      return { uri, reused: true, ...(credential ? { admin: credential } : {}), stop: () => undefined };
    }
    await new Promise((r) => setTimeout(r, 300));
  } while (Date.now() < deadline);
  await stopLocalMlflow(join(dir, '..'));
  return undefined;
}

/**
 * The local MLflow server of `stateDir`: the one already running, found through server.json and checked with
 * a health request, or a new one left running for the next CLI. Two CLIs starting at once: one starts it (it
 * holds start.lock), the other waits for its server.json. `stop()` of the result does nothing: `trainbot stop`
 * (stopLocalMlflow) stops the server.
 */
export async function ensureLocalMlflow(
  stateDir: string,
  options: { auth?: boolean; authCacheSeconds?: number; timeoutMs?: number; onStart?: () => void } = {},
): Promise<LocalMlflow> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const dir = join(stateDir, 'mlflow');
  mkdirSync(dir, { recursive: true });
  const running = await findRunning(dir, options.auth, 5000);
  if (running) return running;
  const lock = join(dir, START_LOCK);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Another CLI is starting it; a lock older than a start can take was left by a CLI that died.
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > timeoutMs) rmSync(lock, { force: true });
    const started = await findRunning(dir, options.auth, 0);
    if (started) return started;
    if (Date.now() > deadline)
      throw new Error(
        `The local MLflow server did not start within ${timeoutMs / 1000} s; see ${join(dir, 'server.log')}.`,
      );
    await new Promise((r) => setTimeout(r, 300));
  }
  try {
    const found = await findRunning(dir, options.auth, 0); // started by the CLI that held the lock before us
    if (found) return found;
    options.onStart?.();
    const server = await startLocalMlflow(stateDir, { ...options, keep: true });
    return { ...server, stop: () => undefined };
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Stops the server ensureLocalMlflow left running: 'stopped', or 'none' when no server of this folder runs. */
export async function stopLocalMlflow(stateDir: string, timeoutMs = 10_000): Promise<'stopped' | 'none'> {
  const dir = join(stateDir, 'mlflow');
  const state = readState(dir);
  if (!state || !isOurServer(dir, state.pid)) {
    rmSync(join(dir, STATE_FILE), { force: true });
    return 'none';
  }
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-state.pid, name); // its process group: the workers MLflow forks too
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isOurServer(dir, state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isOurServer(dir, state.pid)) signal('SIGKILL');
  rmSync(join(dir, STATE_FILE), { force: true });
  return 'stopped';
}
