import { describe, expect, it } from '@jest/globals';
import { awaitImage, type ImagePort, waitingReason } from '../../../src/pipeline/await-image.js';
import { RegistryError, type Resolution } from '../../../src/registry/registry-client.js';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = 'ghcr.io/acme/wine-train';

/** A registry that answers from a script, and a clock that only moves when the code under test sleeps. */
function scripted(answers: Array<Resolution | Error>): {
  port: ImagePort;
  asked: string[];
  clock: { now: () => number; sleep: (ms: number) => Promise<void> };
} {
  const asked: string[] = [];
  let t = 0;
  return {
    asked,
    port: {
      resolve: async (ref) => {
        asked.push(ref);
        const answer = answers.shift() ?? { found: false };
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    clock: { now: () => t, sleep: async (ms) => void (t += ms) },
  };
}

describe('awaitImage', () => {
  it('pins the tag of the image rule to the digest the registry holds', async () => {
    const { port, asked, clock } = scripted([{ found: true, digest: DIGEST }]);
    const told: string[] = [];
    await expect(
      awaitImage(IMAGE, SHA, { registry: port, timeoutMs: 60_000, intervalMs: 10_000, ...clock }, (r) => told.push(r)),
    ).resolves.toEqual({ ok: true, image: `${IMAGE}@${DIGEST}` });
    expect(asked).toEqual([`${IMAGE}:${SHA}`]);
    expect(told).toEqual([]);
  });

  it('says once that it waits for the build, and takes the image when CI has pushed it', async () => {
    const { port, asked, clock } = scripted([{ found: false }, { found: false }, { found: true, digest: DIGEST }]);
    const told: string[] = [];
    await expect(
      awaitImage(IMAGE, SHA, { registry: port, timeoutMs: 60_000, intervalMs: 10_000, ...clock }, (r) => told.push(r)),
    ).resolves.toEqual({ ok: true, image: `${IMAGE}@${DIGEST}` });
    expect(asked).toHaveLength(3);
    expect(told).toEqual(['waiting for the image build of 3f78685 (up to 1 minute)']);
    expect(clock.now()).toBe(20_000);
  });

  it('gives up at the bound with what to do, without ever naming another image', async () => {
    const { port, asked, clock } = scripted([]);
    const result = await awaitImage(
      IMAGE,
      SHA,
      { registry: port, timeoutMs: 20 * 60_000, intervalMs: 30_000, ...clock },
      () => undefined,
    );
    expect(result).toEqual({
      ok: false,
      reason: `The training image ${IMAGE}:${SHA} was not pushed within 20 minutes: check the training workflow run for commit 3f78685, then comment /train again.`,
    });
    expect(clock.now()).toBe(20 * 60_000);
    expect(asked).toHaveLength(41);
  });

  it('turns a registry refusal into its sentence, and lets a bug through', async () => {
    const refused = scripted([
      new RegistryError('The registry ghcr.io refused to show it (HTTP 403); give the bot credentials.'),
    ]);
    await expect(
      awaitImage(
        IMAGE,
        SHA,
        { registry: refused.port, timeoutMs: 1000, intervalMs: 100, ...refused.clock },
        () => undefined,
      ),
    ).resolves.toEqual({
      ok: false,
      reason: 'The registry ghcr.io refused to show it (HTTP 403); give the bot credentials.',
    });
    const bug = scripted([new TypeError('x is undefined')]);
    await expect(
      awaitImage(IMAGE, SHA, { registry: bug.port, timeoutMs: 1000, intervalMs: 100, ...bug.clock }, () => undefined),
    ).rejects.toThrow(TypeError);
  });

  it('words the wait in seconds under a minute', () => {
    expect(waitingReason(SHA, 30_000)).toBe('waiting for the image build of 3f78685 (up to 30 s)');
  });
});
