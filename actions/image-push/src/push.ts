// Pushes one image under several tags with skopeo, retrying only what a retry can fix (5xx, timeouts).
import { InputError } from '../../kit/src/errors.js';
import type { ToolResult } from '../../kit/src/run-tool.js';
import { classifyPushError } from './push-errors.js';

export type RunSkopeo = (args: readonly string[]) => Promise<ToolResult>;
export type Sleep = (ms: number) => Promise<void>;

export interface PushPlan {
  source: string; // a skopeo transport reference, e.g. 'oci:/tmp/image'
  repository: string; // 'registry.example.com:5000/team/trainer'
  tags: string[]; // the first one is pushed from the source, the rest are the same manifest
  authFile?: string; // registry credentials in containers-auth.json form, never on the command line
  tlsVerify: boolean;
  digestFile: string; // where skopeo writes the pushed manifest digest
  attempts: number; // per tag, >= 1
  backoffMs: number; // doubled after each failed attempt
}

export interface PushResult {
  refs: string[]; // repository:tag for every tag pushed
}

export function copyArgs(plan: PushPlan, tag: string): string[] {
  return [
    'copy',
    '--retry-times',
    '0', // retries are ours, so they are bounded and logged the same way for every failure
    `--dest-tls-verify=${plan.tlsVerify}`,
    ...(plan.authFile ? ['--dest-authfile', plan.authFile] : []),
    '--digestfile',
    plan.digestFile,
    plan.source,
    `docker://${plan.repository}:${tag}`,
  ];
}

/** Copies the source to every tag; a failure that a retry cannot fix stops at once with its sentence. */
export async function pushImage(
  plan: PushPlan,
  run: RunSkopeo,
  sleep: Sleep,
  log: (line: string) => void,
): Promise<PushResult> {
  const refs: string[] = [];
  for (const tag of plan.tags) {
    const destination = `${plan.repository}:${tag}`;
    for (let attempt = 1; ; attempt += 1) {
      const result = await run(copyArgs(plan, tag));
      if (result.exitCode === 0) break;
      const failure = classifyPushError(result.stderr, destination);
      if (!failure.retryable || attempt >= plan.attempts) {
        const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        throw new InputError(failure.sentence.replace(/\.$/, `${tries}.`));
      }
      const wait = plan.backoffMs * 2 ** (attempt - 1);
      log(`Attempt ${attempt} to push ${destination} failed (${failure.sentence}); retrying in ${wait} ms.`);
      await sleep(wait);
    }
    refs.push(destination);
  }
  return { refs };
}
