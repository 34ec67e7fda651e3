// A real OCI registry (distribution's `docker-registry serve`) on a free loopback port, optionally behind
// htpasswd basic auth, for tests that push images. Needs docker-registry and htpasswd (scripts/tools/registry.sh).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** host:port, as an image reference names the registry. */
  host: string;
  /** http://host:port, for reading back through the registry API. */
  url: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: { username: string; password: string };
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function config(dir: string, port: number, htpasswd?: string): string {
  const auth = htpasswd ? `auth:\n  htpasswd:\n    realm: trainbot-test\n    path: ${htpasswd}\n` : '';
  return `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${log()}`);
    // /v2/ answers 200 without auth and 401 with it: either way the registry is serving.
    const status = await fetch(`${url}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || status === 401) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`docker-registry did not answer on ${url} within 15 s: ${log()}`);
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-registry-'));
  let htpasswd: string | undefined;
  if (options.auth) {
    // The registry only accepts bcrypt entries; htpasswd -B makes them without a Python or npm bcrypt.
    htpasswd = join(dir, 'htpasswd');
    const line = execFileSync('htpasswd', ['-Bbn', options.auth.username, options.auth.password], { encoding: 'utf8' });
    writeFileSync(htpasswd, line);
  }
  const port = await freePort();
  const cfg = join(dir, 'config.yml');
  writeFileSync(cfg, config(dir, port, htpasswd));
  let output = '';
  const child = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => output.slice(-2000));
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `127.0.0.1:${port}`, url, stop };
}
