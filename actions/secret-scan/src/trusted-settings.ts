// On a pull request the scan must not take its rules from the code it scans: a PR that adds its own
// fingerprint to .gitleaksignore, or a .gitleaks.toml without rules, would silence its own leak. So on
// pull_request events gitleaks gets the ignore list and the config from the PR's base commit, written to
// files outside the workspace. gitleaks also reads <scanned dir>/.gitleaksignore on its own, whatever the
// flags say, so that copy is moved aside while gitleaks runs (see hideWorkspaceIgnore).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const IGNORE_FILE = '.gitleaksignore';
export const CONFIG_FILE = '.gitleaks.toml';
// Without a .gitleaks.toml at the base, gitleaks' own rules; given as a file so that a config in the
// scanned directory (which gitleaks would otherwise load) plays no part.
export const DEFAULT_CONFIG = '[extend]\nuseDefault = true\n';

const PR_EVENTS = ['pull_request', 'pull_request_target'];
const SHA = /^[0-9a-f]{40}$/;

/** The base commit whose settings a pull_request event must use, or undefined on any other event. */
export function trustedBase(eventName: string, event: unknown): string | undefined {
  if (!PR_EVENTS.includes(eventName)) return undefined;
  const sha = (event as { pull_request?: { base?: { sha?: unknown } } } | undefined)?.pull_request?.base?.sha;
  return typeof sha === 'string' && SHA.test(sha) ? sha : undefined;
}

export interface TrustedSettings {
  /** Files gitleaks gets through --config and --gitleaks-ignore-path. */
  configPath: string;
  ignorePath: string;
  /** Sentences for the log: where the settings came from, and a PR's own changes to them. */
  notices: string[];
}

/** A file's text at a commit, '' when the commit has no such file; undefined when the commit is not in the checkout. */
async function fileAtCommit(repo: string, sha: string, path: string): Promise<string | undefined> {
  try {
    await execFileAsync('git', ['-C', repo, 'cat-file', '-e', `${sha}^{commit}`]);
  } catch {
    return undefined;
  }
  try {
    return (await execFileAsync('git', ['-C', repo, 'show', `${sha}:${path}`], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch {
    return '';
  }
}

const readOrEmpty = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

/** Writes the base commit's .gitleaksignore and .gitleaks.toml into `dir` (outside the workspace). */
export async function baseSettings(workspace: string, sha: string, dir: string): Promise<TrustedSettings> {
  const ignore = await fileAtCommit(workspace, sha, IGNORE_FILE);
  const config = await fileAtCommit(workspace, sha, CONFIG_FILE);
  const configPath = join(dir, 'gitleaks.toml');
  const ignorePath = join(dir, 'gitleaksignore');
  await writeFile(configPath, config || DEFAULT_CONFIG);
  await writeFile(ignorePath, ignore ?? '');
  const notices: string[] = [];
  if (ignore === undefined) {
    notices.push(
      `The base commit ${sha} is not in the checkout, so no ${IGNORE_FILE} applies and any false positive fails the scan; check out with fetch-depth: 0.`,
    );
  } else {
    notices.push(
      `On a pull request the scan uses ${IGNORE_FILE} and ${CONFIG_FILE} from the base commit ${sha}, not the pull request's own.`,
    );
    for (const [name, base] of [
      [IGNORE_FILE, ignore],
      [CONFIG_FILE, config ?? ''],
    ] as const) {
      if ((await readOrEmpty(join(workspace, name))) !== base) {
        notices.push(`This pull request changes ${name}; the change applies to scans once it is merged.`);
      }
    }
  }
  return { configPath, ignorePath, notices };
}

/** Moves <dir>/.gitleaksignore aside (gitleaks reads it unasked) and returns how to put it back. */
export async function hideWorkspaceIgnore(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, IGNORE_FILE);
  const aside = join(dir, `${IGNORE_FILE}.trainbot-${randomBytes(4).toString('hex')}`);
  try {
    await rename(file, aside);
  } catch {
    return async () => {};
  }
  return () => rename(aside, file);
}
