// LocalRunner starts real processes: the "training command" is this Node binary with a `-e` script, so each
// test controls exactly what the child does (print its argv or env, exit 3, hang) without a shell.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner, MAX_LINE_CHARS } from '../../../src/runners/local/local-runner.js';
import { type JobSpec, type RunHandle, RunnerError } from '../../../src/runners/runner.js';
import { CONTRACT_ENV } from '../../../src/runs/run-contract.js';

const NODE = process.execPath;
const CONTRACT = {
  [CONTRACT_ENV.trackingUri]: 'http://127.0.0.1:5000',
  [CONTRACT_ENV.experimentName]: 'wine',
  [CONTRACT_ENV.runId]: 'run-1',
};
const HOST_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/home/trainer',
  FOO: 'must-not-leak',
  MLFLOW_TRACKING_TOKEN: 'tok-123',
  NODE_OPTIONS: '--inspect',
};

let workdir: string;
let runner: LocalRunner;
const started: RunHandle[] = [];

function spec(name: string, script: string, extra: Partial<JobSpec> = {}): JobSpec {
  return {
    name,
    image: 'ghcr.io/acme/wine-train:abc',
    command: [NODE, '-e', script],
    args: [],
    env: CONTRACT,
    secretEnv: [],
    labels: { 'trainbot.dev/repo': 'acme.wine', 'trainbot.dev/pr': '12' },
    timeoutSeconds: 30,
    backoffLimit: 0,
    ttlSecondsAfterFinished: 0,
    resources: { requests: {}, limits: {} },
    ...extra,
  };
}

async function start(s: JobSpec): Promise<RunHandle> {
  const handle = await runner.dispatch(s);
  started.push(handle);
  return handle;
}

/** Runs `script` to the end and returns its output (the child prints JSON on one line). */
async function outputOf(s: JobSpec): Promise<string> {
  const handle = await start(s);
  expect(await runner.wait(handle)).toEqual({ status: 'succeeded', image: 'local' });
  return runner.logs(handle, 100);
}

beforeAll(() => {
  workdir = realpathSync(mkdtempSync(join(tmpdir(), 'trainbot-local-runner-')));
});
afterAll(() => rmSync(workdir, { recursive: true, force: true }));
beforeEach(() => {
  runner = new LocalRunner({ workdir, env: HOST_ENV });
});
afterEach(async () => {
  // No test leaves a child behind, even when an assertion failed midway.
  await Promise.all(started.splice(0).map((h) => runner.cancel(h).then(() => runner.wait(h))));
});

describe('LocalRunner: what the process receives', () => {
  it('passes the command and args as argv without a shell: `; rm -rf /` arrives as one literal argument', async () => {
    // `--` ends Node's own options, so the flags after it reach the script (as `train.py` gets them from python).
    const command = [NODE, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', '--'];
    const out = await outputOf(spec('argv', '', { command, args: ['--alpha', '0.5', '; rm -rf /', '$(id)', '"q"'] }));
    expect(JSON.parse(out)).toEqual(['--alpha', '0.5', '; rm -rf /', '$(id)', '"q"']);
  });

  it('gives exactly the contract env plus PATH and HOME, nothing else from the host', async () => {
    const out = await outputOf(spec('env', 'console.log(JSON.stringify(process.env))'));
    expect(JSON.parse(out)).toEqual({ ...CONTRACT, PATH: HOST_ENV.PATH, HOME: HOST_ENV.HOME });
  });

  it('adds a referenced secret from the host env under its own name, and skips one the host lacks', async () => {
    const secretEnv = [
      { env: 'MLFLOW_TRACKING_TOKEN', secret: 'mlflow', key: 'token' },
      { env: 'AWS_SECRET_ACCESS_KEY', secret: 'aws', key: 'key' },
    ];
    const out = await outputOf(spec('secret', 'console.log(JSON.stringify(process.env))', { secretEnv }));
    expect(JSON.parse(out)).toEqual({
      ...CONTRACT,
      PATH: HOST_ENV.PATH,
      HOME: HOST_ENV.HOME,
      MLFLOW_TRACKING_TOKEN: 'tok-123',
    });
  });

  it("gives the run its own credentials, never the host's MLflow admin credential", async () => {
    const credentialEnv = { MLFLOW_TRACKING_USERNAME: 'trainbot-user-r1', MLFLOW_TRACKING_PASSWORD: 'own-password' };
    const out = await outputOf(spec('own', 'console.log(JSON.stringify(process.env))', { credentialEnv }));
    expect(JSON.parse(out)).toEqual({ ...CONTRACT, PATH: HOST_ENV.PATH, HOME: HOST_ENV.HOME, ...credentialEnv });
  });

  it('runs in the configured workdir', async () => {
    expect(await outputOf(spec('cwd', 'console.log(process.cwd())'))).toBe(workdir);
  });
});

describe('LocalRunner: outcomes', () => {
  it('reports exit 0 as succeeded', async () => {
    const handle = await start(spec('ok', 'process.exit(0)'));
    expect(await runner.wait(handle)).toEqual({ status: 'succeeded', image: 'local' });
  });

  it('reports a non-zero exit as failed with the code', async () => {
    const handle = await start(spec('exit3', 'process.exit(3)'));
    expect(await runner.wait(handle)).toEqual({
      status: 'failed',
      reason: 'The training process exited with code 3.',
      image: 'local',
    });
  });

  it('reports a process killed by a signal with the signal', async () => {
    const handle = await start(spec('signal', "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 10000)"));
    expect(await runner.wait(handle)).toEqual({
      status: 'failed',
      reason: 'The training process was killed by SIGTERM.',
      image: 'local',
    });
  });

  it('kills a run that outlives its limit and reports a timeout', async () => {
    const handle = await start(spec('slow', 'setTimeout(() => {}, 30000)', { timeoutSeconds: 0.5 }));
    const began = Date.now();
    expect(await runner.wait(handle)).toEqual({ status: 'timeout', reason: 'Stopped after the 0.5 second limit.' });
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it('stops a run on cancel and reports it cancelled', async () => {
    const handle = await start(spec('cancel-me', 'setTimeout(() => {}, 30000)'));
    await runner.cancel(handle);
    expect(await runner.wait(handle)).toEqual({ status: 'cancelled', reason: 'Cancelled on request.' });
  });

  it('treats cancelling a finished or unknown run as nothing to do', async () => {
    const handle = await start(spec('done', 'process.exit(0)'));
    await runner.wait(handle);
    await expect(runner.cancel(handle)).resolves.toBeUndefined();
    await expect(runner.cancel({ name: 'never-started' })).resolves.toBeUndefined();
    expect(await runner.wait(handle)).toEqual({ status: 'succeeded', image: 'local' });
  });

  it('reports a command that does not exist as failed, naming it and the folder', async () => {
    const handle = await start(spec('missing', '', { command: ['trainbot-no-such-command', 'train.py'] }));
    expect(await runner.wait(handle)).toEqual({
      status: 'failed',
      reason: `The training command \`trainbot-no-such-command\` was not found in ${workdir}.`,
    });
  });

  it('answers wait for a run it never started with a failed outcome', async () => {
    expect(await runner.wait({ name: 'ghost' })).toEqual({
      status: 'failed',
      reason: 'No local run named ghost was started.',
    });
  });
});

describe('LocalRunner: refusals', () => {
  it('refuses to start a second run with the same name', async () => {
    await start(spec('twice', 'setTimeout(() => {}, 30000)'));
    const second = runner.dispatch(spec('twice', 'process.exit(0)'));
    await expect(second).rejects.toThrow(RunnerError);
    await expect(second).rejects.toThrow(
      'A run named twice already exists; trainbot does not start the same run twice.',
    );
  });

  it('refuses an empty command', async () => {
    await expect(runner.dispatch(spec('empty', '', { command: [] }))).rejects.toThrow(
      new RunnerError('The training command is empty; set `command` in `.github/trainbot.yml`.'),
    );
  });
});

describe('LocalRunner: logs and active runs', () => {
  it('keeps the last lines of the output, including a last line without a newline', async () => {
    const handle = await start(
      spec('logs', "for (let i = 1; i <= 10; i++) console.log('line ' + i); process.stdout.write('tail')"),
    );
    await runner.wait(handle);
    expect(await runner.logs(handle, 3)).toBe('line 9\nline 10\ntail');
  });

  it('captures stderr as well, and streams each line to onOutput', async () => {
    const seen: string[] = [];
    runner = new LocalRunner({ workdir, env: HOST_ENV, onOutput: (name, line) => seen.push(`${name}: ${line}`) });
    const handle = await start(spec('stderr', "console.error('Traceback: boom')"));
    await runner.wait(handle);
    expect(await runner.logs(handle, 10)).toBe('Traceback: boom');
    expect(seen).toEqual(['stderr: Traceback: boom']);
  });

  it('keeps only the first MAX_LINE_CHARS characters of a huge line printed without a newline, marked as cut', async () => {
    const seen: string[] = [];
    runner = new LocalRunner({ workdir, env: HOST_ENV, onOutput: (_name, line) => seen.push(line) });
    // 8 MB in many writes, no newline, then an ordinary line, then 8 MB more that the process ends in.
    const script =
      "const s = 'x'.repeat(1 << 16); for (let i = 0; i < 128; i++) process.stdout.write(s); process.stdout.write('\\nok\\n');" +
      ' for (let i = 0; i < 128; i++) process.stdout.write(s); process.exitCode = 1';
    const handle = await start(spec('huge-line', script));
    expect(await runner.wait(handle)).toEqual({
      status: 'failed',
      reason: 'The training process exited with code 1.',
      image: 'local',
    });
    const cut = `${'x'.repeat(MAX_LINE_CHARS)}…`;
    expect(await runner.logs(handle, 10)).toBe(`${cut}\nok\n${cut}`);
    expect(seen).toEqual([cut, 'ok']);
  }, 30_000);

  it('keeps a character that arrives split between two chunks whole', async () => {
    const script =
      'process.stdout.write(Buffer.from([0xe2, 0x82])); setTimeout(() => process.stdout.write(Buffer.from([0xac, 0x0a])), 100)';
    const handle = await start(spec('split-char', script));
    await runner.wait(handle);
    expect(await runner.logs(handle, 1)).toBe('€');
  });

  it('gives no logs for a run it does not know', async () => {
    expect(await runner.logs({ name: 'ghost' }, 10)).toBe('');
  });

  it('lists running runs whose labels include all the given ones, and forgets them once they end', async () => {
    const a = await start(spec('active-a', 'setTimeout(() => {}, 30000)'));
    await start(
      spec('active-b', 'setTimeout(() => {}, 30000)', {
        labels: { 'trainbot.dev/repo': 'acme.wine', 'trainbot.dev/pr': '13' },
      }),
    );
    expect(await runner.active({ 'trainbot.dev/pr': '12' })).toEqual([{ name: 'active-a' }]);
    expect(await runner.active({ 'trainbot.dev/repo': 'acme.wine' })).toEqual([
      { name: 'active-a' },
      { name: 'active-b' },
    ]);
    expect(await runner.active({ 'trainbot.dev/repo': 'acme.wine', 'trainbot.dev/pr': '14' })).toEqual([]);
    await runner.cancel(a);
    await runner.wait(a);
    expect(await runner.active({ 'trainbot.dev/repo': 'acme.wine' })).toEqual([{ name: 'active-b' }]);
  });
});
