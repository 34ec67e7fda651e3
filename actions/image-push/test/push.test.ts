import { describe, expect, it } from '@jest/globals';
import type { ToolResult } from '../../kit/src/run-tool.js';
import { classifyPushError } from '../src/push-errors.js';
import { copyArgs, pushImage, type PushPlan } from '../src/push.js';

const plan: PushPlan = {
  source: 'oci:/tmp/img',
  repository: 'reg.example:5000/team/trainer',
  tags: ['abc', 'main'],
  authFile: '/tmp/auth.json',
  tlsVerify: true,
  digestFile: '/tmp/digest',
  attempts: 3,
  backoffMs: 100,
};

const fail = (stderr: string): ToolResult => ({ exitCode: 1, stdout: '', stderr });
const ok: ToolResult = { exitCode: 0, stdout: '', stderr: '' };

function scripted(results: ToolResult[]) {
  const calls: string[][] = [];
  const run = async (args: readonly string[]): Promise<ToolResult> => {
    calls.push([...args]);
    const next = results.shift();
    if (!next) throw new Error('skopeo was called more often than the test expected');
    return next;
  };
  return { calls, run };
}

describe('copyArgs', () => {
  it('passes credentials as an auth file and never on the command line', () => {
    expect(copyArgs(plan, 'abc')).toEqual([
      'copy',
      '--retry-times',
      '0',
      '--dest-tls-verify=true',
      '--dest-authfile',
      '/tmp/auth.json',
      '--digestfile',
      '/tmp/digest',
      'oci:/tmp/img',
      'docker://reg.example:5000/team/trainer:abc',
    ]);
  });

  it('leaves the auth file out for an anonymous push', () => {
    expect(copyArgs({ ...plan, authFile: undefined, tlsVerify: false }, 'main')).toEqual([
      'copy',
      '--retry-times',
      '0',
      '--dest-tls-verify=false',
      '--digestfile',
      '/tmp/digest',
      'oci:/tmp/img',
      'docker://reg.example:5000/team/trainer:main',
    ]);
  });
});

describe('pushImage', () => {
  it('pushes every tag once when the registry accepts them', async () => {
    const { calls, run } = scripted([ok, ok]);
    const result = await pushImage(
      plan,
      run,
      async () => {},
      () => {},
    );
    expect(result.refs).toEqual(['reg.example:5000/team/trainer:abc', 'reg.example:5000/team/trainer:main']);
    expect(calls.map((c) => c.at(-1))).toEqual([
      'docker://reg.example:5000/team/trainer:abc',
      'docker://reg.example:5000/team/trainer:main',
    ]);
  });

  it('retries a 503 with doubling waits and succeeds', async () => {
    const { calls, run } = scripted([
      fail('received unexpected HTTP status: 503 Service Unavailable'),
      fail('i/o timeout'),
      ok,
      ok,
    ]);
    const waits: number[] = [];
    const logs: string[] = [];
    await pushImage(
      plan,
      run,
      async (ms) => void waits.push(ms),
      (line) => logs.push(line),
    );
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([100, 200]);
    expect(logs[0]).toBe(
      'Attempt 1 to push reg.example:5000/team/trainer:abc failed (The registry answered 503 while pushing reg.example:5000/team/trainer:abc: it is failing on its side, try again later.); retrying in 100 ms.',
    );
  });

  it('gives up after the bounded number of attempts with the last sentence', async () => {
    const { calls, run } = scripted([fail('502 Bad Gateway'), fail('502 Bad Gateway'), fail('502 Bad Gateway')]);
    await expect(
      pushImage(
        plan,
        run,
        async () => {},
        () => {},
      ),
    ).rejects.toThrow(
      'The registry answered 502 while pushing reg.example:5000/team/trainer:abc: it is failing on its side, try again later (after 3 attempts).',
    );
    expect(calls).toHaveLength(3);
  });

  it('does not retry refused credentials', async () => {
    const { calls, run } = scripted([fail('Error: writing blob: unauthorized: authentication required')]);
    await expect(
      pushImage(
        plan,
        run,
        async () => {},
        () => {},
      ),
    ).rejects.toThrow(
      'The registry refused the credentials for reg.example:5000/team/trainer:abc: check the username and password inputs.',
    );
    expect(calls).toHaveLength(1);
  });
});

describe('classifyPushError', () => {
  const dest = 'r:1/x:t';
  it.each([
    [
      'dial tcp: lookup nope.invalid: no such host',
      false,
      'The registry host of r:1/x:t cannot be resolved: check the registry input.',
    ],
    [
      'dial tcp 127.0.0.1:1: connect: connection refused',
      false,
      'Nothing is listening at the registry of r:1/x:t: check the registry host and port.',
    ],
    [
      'http: server gave HTTP response to HTTPS client',
      false,
      "TLS to the registry of r:1/x:t failed: fix the registry's certificate or set tls-verify to false for a plain-HTTP registry.",
    ],
    [
      'denied: requested access to the resource is denied',
      false,
      'The registry denied pushing to r:1/x:t: give the credentials write access to that repository.',
    ],
    [
      'net/http: TLS handshake timeout',
      true,
      'The connection to the registry timed out or dropped while pushing r:1/x:t: try again later.',
    ],
    [
      'context deadline exceeded',
      true,
      'The connection to the registry timed out or dropped while pushing r:1/x:t: try again later.',
    ],
    ['time="x" level=fatal msg="something odd"', false, 'skopeo could not push r:1/x:t: something odd.'],
  ])('reads %j as retryable=%j', (stderr, retryable, sentence) => {
    expect(classifyPushError(stderr, dest)).toEqual({ retryable, sentence });
  });
});
