// After the push, every tag must name the one image this job pushed. Tags are mutable: another workflow
// pushing the same tag in between would leave `sha` on one image and `latest` on another, and whoever
// pulls by tag would run something other than what this job reports. So each tag is read back from the
// registry and compared with the pushed digest.
import { ToolReportError } from '../../kit/src/errors.js';
import type { RunSkopeo } from './push.js';

export interface TagDigest {
  ref: string; // registry/repository:tag
  digest: string; // what the registry serves for it now
}

export function inspectArgs(ref: string, tlsVerify: boolean, authFile?: string): string[] {
  return [
    'inspect',
    '--retry-times',
    '0',
    `--tls-verify=${tlsVerify}`,
    ...(authFile ? ['--authfile', authFile] : []),
    '--format',
    '{{.Digest}}',
    `docker://${ref}`,
  ];
}

/** The sentence when a tag does not name the pushed image, else undefined. Pure. */
export function digestMismatch(pushed: string, tags: readonly TagDigest[]): string | undefined {
  const moved = tags.filter((t) => t.digest !== pushed);
  if (moved.length === 0) return undefined;
  const list = moved.map((t) => `${t.ref} points to ${t.digest}`).join(', ');
  return `Not every tag points to the pushed image ${pushed}: ${list}. Another push changed ${moved.length === 1 ? 'that tag' : 'those tags'} while this one ran; re-run this job, and make sure no other workflow pushes the same tags.`;
}

/** Reads each ref's digest back from the registry and fails with one sentence unless all equal `pushed`. */
export async function verifyTags(
  refs: readonly string[],
  pushed: string,
  run: RunSkopeo,
  tlsVerify: boolean,
  authFile?: string,
): Promise<TagDigest[]> {
  const tags: TagDigest[] = [];
  for (const ref of refs) {
    const result = await run(inspectArgs(ref, tlsVerify, authFile));
    const digest = result.stdout.trim();
    if (result.exitCode !== 0 || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      const reason = result.stderr.trim().split('\n').at(-1)?.slice(0, 200) || `exit ${result.exitCode}`;
      throw new ToolReportError(
        `Could not read ${ref} back from the registry after pushing it (${reason}); re-run this job.`,
      );
    }
    tags.push({ ref, digest });
  }
  const mismatch = digestMismatch(pushed, tags);
  if (mismatch) throw new ToolReportError(mismatch);
  return tags;
}
