// Reading every pushed tag back: all must name the pushed digest, or the step fails with one sentence.
import { describe, expect, it } from '@jest/globals';
import type { ToolResult } from '../../kit/src/run-tool.js';
import { digestMismatch, inspectArgs, verifyTags } from '../src/verify-tags.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const REFS = ['reg:5000/team/t:abc', 'reg:5000/team/t:main', 'reg:5000/team/t:latest'];

function registry(digests: Record<string, ToolResult>) {
  const calls: string[][] = [];
  const run = async (args: readonly string[]): Promise<ToolResult> => {
    calls.push([...args]);
    const ref = (args.at(-1) ?? '').replace('docker://', '');
    const result = digests[ref];
    if (!result) throw new Error(`unexpected inspect of ${ref}`);
    return result;
  };
  return { calls, run };
}
const serves = (digest: string): ToolResult => ({ exitCode: 0, stdout: `${digest}\n`, stderr: '' });

describe('inspectArgs', () => {
  it('reads the digest with the push’s TLS setting and auth file, never with credentials on the command line', () => {
    expect(inspectArgs('reg:5000/team/t:abc', false, '/tmp/auth.json')).toEqual([
      'inspect',
      '--retry-times',
      '0',
      '--tls-verify=false',
      '--authfile',
      '/tmp/auth.json',
      '--format',
      '{{.Digest}}',
      'docker://reg:5000/team/t:abc',
    ]);
    expect(inspectArgs('reg:5000/team/t:abc', true)).toEqual([
      'inspect',
      '--retry-times',
      '0',
      '--tls-verify=true',
      '--format',
      '{{.Digest}}',
      'docker://reg:5000/team/t:abc',
    ]);
  });
});

describe('digestMismatch', () => {
  it('is silent when every tag names the pushed image', () => {
    expect(
      digestMismatch(
        A,
        REFS.map((ref) => ({ ref, digest: A })),
      ),
    ).toBeUndefined();
  });

  it('names each tag that points elsewhere', () => {
    expect(
      digestMismatch(A, [
        { ref: REFS[0] ?? '', digest: B },
        { ref: REFS[1] ?? '', digest: A },
      ]),
    ).toBe(
      `Not every tag points to the pushed image ${A}: reg:5000/team/t:abc points to ${B}. Another push changed that tag while this one ran; re-run this job, and make sure no other workflow pushes the same tags.`,
    );
  });
});

describe('verifyTags', () => {
  it('reads every tag back and returns their digests', async () => {
    const { calls, run } = registry(Object.fromEntries(REFS.map((ref) => [ref, serves(A)])));
    expect(await verifyTags(REFS, A, run, true)).toEqual(REFS.map((ref) => ({ ref, digest: A })));
    expect(calls.map((c) => c.at(-1))).toEqual(REFS.map((ref) => `docker://${ref}`));
  });

  it('fails when a tag was moved to another image', async () => {
    const { run } = registry({ [REFS[0] ?? '']: serves(B), [REFS[1] ?? '']: serves(A), [REFS[2] ?? '']: serves(A) });
    await expect(verifyTags(REFS, A, run, true)).rejects.toThrow(
      `Not every tag points to the pushed image ${A}: reg:5000/team/t:abc points to ${B}.`,
    );
  });

  it('fails with one sentence when a tag cannot be read back', async () => {
    const { run } = registry({
      [REFS[0] ?? '']: { exitCode: 1, stdout: '', stderr: 'time="x" level=fatal msg="manifest unknown"\n' },
    });
    await expect(verifyTags(REFS, A, run, true)).rejects.toThrow(
      'Could not read reg:5000/team/t:abc back from the registry after pushing it (time="x" level=fatal msg="manifest unknown"); re-run this job.',
    );
  });
});
