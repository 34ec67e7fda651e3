// Before a Job starts: the image CI pushed for the commit, pinned by digest. The tag comes from the image rule
// (src/runs/image-ref.ts); CI may still be building it when `/train` arrives, so the bot waits for it, says so,
// and gives up after a bound with a sentence saying what to do. It never falls back to another image.
import { imageRef } from '../runs/image-ref.js';
import type { Resolution } from '../registry/registry-client.js';

/** The registry as this step needs it: tag → digest, or not there (yet). */
export interface ImagePort {
  resolve(ref: string): Promise<Resolution>;
}

export interface ImageWait {
  registry: ImagePort;
  /** How long to wait for CI to push the tag. */
  timeoutMs: number;
  /** How often to ask the registry meanwhile. */
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type AwaitedImage = { ok: true; image: string } | { ok: false; reason: string };

const minutes = (ms: number): string => {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const m = Math.round(ms / 60_000);
  return `${m} ${m === 1 ? 'minute' : 'minutes'}`;
};

/** The sentence a queued run shows while the image is not there yet. */
export function waitingReason(sha: string, timeoutMs: number): string {
  return `waiting for the image build of ${sha.slice(0, 7)} (up to ${minutes(timeoutMs)})`;
}

/** `image@sha256:…` for the commit once its tag exists; the reason to show when it did not appear in time. */
export async function awaitImage(
  image: string,
  sha: string,
  wait: ImageWait,
  onWaiting: (reason: string) => void,
): Promise<AwaitedImage> {
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const now = wait.now ?? Date.now;
  const ref = imageRef(image, sha);
  const deadline = now() + wait.timeoutMs;
  let told = false;
  for (;;) {
    let resolution: Resolution;
    try {
      resolution = await wait.registry.resolve(ref);
    } catch (error) {
      // RegistryError messages are sentences for people; anything else is a bug and goes up.
      if (error instanceof Error && error.name === 'RegistryError') return { ok: false, reason: error.message };
      throw error;
    }
    if (resolution.found) return { ok: true, image: `${image}@${resolution.digest}` };
    if (now() >= deadline) {
      return {
        ok: false,
        reason: `The training image ${ref} was not pushed within ${minutes(wait.timeoutMs)}: check the training workflow run for commit ${sha.slice(0, 7)}, then comment /train again.`,
      };
    }
    if (!told) onWaiting(waitingReason(sha, wait.timeoutMs));
    told = true;
    await sleep(Math.max(0, Math.min(wait.intervalMs, deadline - now())));
  }
}
