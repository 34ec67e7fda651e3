// The secret-scan action through its real entry point with the real gitleaks built by
// scripts/tools/gitleaks.sh, on throwaway git repositories with planted fake credentials. The fake
// credentials are generated at run time so that this file holds nothing a secret scanner would flag.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../../test/support/run-action.js';

jest.setTimeout(60_000);

const gitleaks = process.env.TRAINBOT_GITLEAKS ?? '';

function randomFrom(alphabet: string, length: number): string {
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;
// gitleaks' generic-api-key rule drops a value that starts with + or /, contains one of its ~1,400 stop
// words (about, acces, html, md5, …; matched case-insensitively) or is letters only. Drawn from all of
// base64, 1 value in 25 was dropped and the history test failed now and then. These consonants and digits
// cannot spell any stop word of gitleaks 8.30.1, and the last two characters are digits.
const NO_STOP_WORD = 'BCDFGJKLNPQRTWZbcdfgjklnpqrtwz123456789';
const awsKeyId = ['AK', 'IA', randomFrom(`${UPPER}234567`, 16)].join('');
const awsSecret = randomFrom(NO_STOP_WORD, 38) + randomFrom('123456789', 2);
const githubToken = ['gh', 'p_', randomFrom(ALNUM, 36)].join('');
const keyBody =
  randomBytes(600)
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n') ?? '';
const dashes = '-'.repeat(5);
const privateKey = `${dashes}BEGIN RSA ${'PRIVATE'} KEY${dashes}\n${keyBody}\n${dashes}END RSA ${'PRIVATE'} KEY${dashes}\n`;
const SECRETS = [awsKeyId, awsSecret, githubToken, keyBody.slice(0, 64)];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();
}

const made: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function newRepo(): Promise<string> {
  const dir = await tempDir('secret-scan-ws-');
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'README.md'), '# demo\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'start');
  return dir;
}

/** History: AWS credentials and a private key committed, then deleted; a GitHub token only in the working tree. */
let leaky: string;
let leakCommit: string;
let cleanCommit: string;
let clean: string;

beforeAll(async () => {
  if (!gitleaks) throw new Error('TRAINBOT_GITLEAKS is not set: run the tests after `source scripts/setup.sh`.');
  leaky = await newRepo();
  await writeFile(
    join(leaky, 'creds.ini'),
    `[default]\naws_access_key_id = ${awsKeyId}\naws_secret_access_key = ${awsSecret}\n`,
  );
  await writeFile(join(leaky, 'deploy.pem'), privateKey);
  git(leaky, 'add', '.');
  git(leaky, 'commit', '-qm', 'add deploy credentials');
  leakCommit = git(leaky, 'rev-parse', 'HEAD');
  git(leaky, 'rm', '-q', 'creds.ini', 'deploy.pem');
  git(leaky, 'commit', '-qm', 'remove credentials');
  cleanCommit = git(leaky, 'rev-parse', 'HEAD');
  await writeFile(join(leaky, 'notes.txt'), `token: ${githubToken}\n`);
  clean = await newRepo();
});

// RUNNER_TEMP of our own, so the default SARIF file outlives the run for the assertions.
const scan = async (
  workspace: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> => {
  const runnerTemp = await tempDir('secret-scan-runner-');
  return runAction('secret-scan', {
    workspace,
    inputs: { 'gitleaks-path': gitleaks, ...inputs },
    env: { RUNNER_TEMP: runnerTemp, ...env },
  });
};

const errors = (run: ActionRun) => run.commands.filter((c) => c.command === 'error');
const located = (run: ActionRun) =>
  errors(run)
    .filter((c) => c.properties.file)
    .map((c) => [c.properties.file, c.properties.line, c.properties.title])
    .sort();

async function expectNoSecretIn(run: ActionRun, ...files: string[]): Promise<void> {
  const texts = [run.stdout, run.stderr, run.summary, ...(await Promise.all(files.map((f) => readFile(f, 'utf8'))))];
  for (const secret of SECRETS) for (const text of texts) expect(text.includes(secret)).toBe(false);
}

describe('secret-scan action', () => {
  it('finds credentials in the git history, annotates them without the secret and fails', async () => {
    const sarifFile = join(await tempDir('secret-scan-sarif-'), 'leaks.sarif');
    const run = await scan(leaky, { mode: 'git', 'sarif-file': sarifFile });
    expect(run.exitCode).toBe(1);
    expect(located(run)).toEqual([
      ['creds.ini', '2', 'aws-access-token'],
      ['creds.ini', '3', 'generic-api-key'],
      ['deploy.pem', '1', 'private-key'],
    ]);
    const aws = errors(run).find((c) => c.properties.title === 'aws-access-token');
    expect(aws?.message).toMatch(
      new RegExp(
        `^Possible secret \\(aws-access-token\\) in commit ${leakCommit.slice(0, 12)}: .+ Remove it and rotate it\\. If it is not a real secret, add the line ${leakCommit}:creds.ini:aws-access-token:2 to \\.gitleaksignore\\.$`,
      ),
    );
    expect(errors(run).at(-1)?.message).toBe(
      'Secret scan found 3 possible secrets in the git history; remove and rotate them, or list false positives in .gitleaksignore.',
    );
    expect(run.outputs).toEqual({ findings: '3', 'sarif-file': sarifFile });
    expect(run.summary).toContain('<tr><td>creds.ini</td><td>2</td><td>aws-access-token</td><td>error</td>');
    const sarif = JSON.parse(await readFile(sarifFile, 'utf8'));
    expect(sarif.runs[0].tool.driver.name).toBe('gitleaks');
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual([
      'aws-access-token',
      'generic-api-key',
      'private-key',
    ]);
    await expectNoSecretIn(run, sarifFile);
  });

  it('scans only the working tree in dir mode', async () => {
    const run = await scan(leaky, { mode: 'dir' });
    expect(run.exitCode).toBe(1);
    expect(located(run)).toEqual([['notes.txt', '1', 'github-pat']]);
    expect(run.outputs.findings).toBe('1');
    await expectNoSecretIn(run, run.outputs['sarif-file'] ?? '');
  });

  it('on a pull_request event scans only the commits between the base and head shas', async () => {
    const pr = await newRepo();
    await writeFile(join(pr, 'old.pem'), privateKey);
    git(pr, 'add', '.');
    git(pr, 'commit', '-qm', 'old leak on main');
    const base = git(pr, 'rev-parse', 'HEAD');
    await writeFile(join(pr, 'ci.env'), `GH_TOKEN=${githubToken}\n`);
    git(pr, 'add', '.');
    git(pr, 'commit', '-qm', 'pr commit');
    const head = git(pr, 'rev-parse', 'HEAD');
    const eventPath = join(await tempDir('secret-scan-event-'), 'event.json');
    await writeFile(eventPath, JSON.stringify({ pull_request: { base: { sha: base }, head: { sha: head } } }));
    const run = await scan(pr, {}, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath });
    expect(located(run)).toEqual([['ci.env', '1', 'github-pat']]);
    expect(errors(run).at(-1)?.message).toBe(
      `Secret scan found 1 possible secret in commits ${base}..${head}; remove and rotate them, or list false positives in .gitleaksignore on the base branch.`,
    );
    await expectNoSecretIn(run);
  });

  it('honours fingerprints listed in .gitleaksignore', async () => {
    const ignored = await newRepo();
    await writeFile(join(ignored, 'notes.txt'), `token: ${githubToken}\n`);
    await writeFile(join(ignored, '.gitleaksignore'), 'notes.txt:github-pat:1\n');
    const run = await scan(ignored, { mode: 'dir' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.findings).toBe('0');
    expect(run.summary).toContain('Secret scan found no secrets in the working tree.');
  });

  it('passes a clean repository and still writes an empty SARIF', async () => {
    const run = await scan(clean, {});
    expect(run.exitCode).toBe(0);
    expect(errors(run)).toEqual([]);
    expect(run.outputs.findings).toBe('0');
    expect(run.summary).toContain('Secret scan found no secrets in the git history.');
    expect(run.outputs['sarif-file']).toMatch(/secret-scan-runner-\w+\/gitleaks\.sarif$/);
    const sarif = JSON.parse(await readFile(run.outputs['sarif-file'] ?? '', 'utf8'));
    expect(sarif.runs[0].results).toEqual([]);
  });
});

describe('on a pull request, the scan takes its rules from the base commit', () => {
  /** A repository whose main (the base) holds `onBase`, and a PR commit on top that adds `inPr`; both maps of file → text. */
  async function pullRequest(
    onBase: Record<string, string>,
    inPr: Record<string, string>,
  ): Promise<{ dir: string; base: string; head: string; env: Record<string, string> }> {
    const dir = await newRepo();
    for (const [file, text] of Object.entries(onBase)) await writeFile(join(dir, file), text);
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'main', '--allow-empty');
    const base = git(dir, 'rev-parse', 'HEAD');
    for (const [file, text] of Object.entries(inPr)) await writeFile(join(dir, file), text);
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'pr');
    const head = git(dir, 'rev-parse', 'HEAD');
    const eventPath = join(await tempDir('secret-scan-event-'), 'event.json');
    await writeFile(eventPath, JSON.stringify({ pull_request: { base: { sha: base }, head: { sha: head } } }));
    return { dir, base, head, env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath } };
  }
  const notices = (run: ActionRun) => run.commands.filter((c) => c.command === 'notice').map((c) => c.message);
  const leak = `GH_TOKEN=${githubToken}\n`;

  it('does not let the pull request silence its own leak through its .gitleaksignore', async () => {
    const pr = await pullRequest({}, { 'ci.env': leak, '.gitleaksignore': 'ci.env:github-pat:1\n' });
    for (const mode of ['git', 'dir']) {
      const run = await scan(pr.dir, { mode }, pr.env);
      expect(run.exitCode).toBe(1);
      expect(located(run)).toEqual([['ci.env', '1', 'github-pat']]);
      expect(notices(run)).toEqual([
        `On a pull request the scan uses .gitleaksignore and .gitleaks.toml from the base commit ${pr.base}, not the pull request's own.`,
        'This pull request changes .gitleaksignore; the change applies to scans once it is merged.',
      ]);
      await expectNoSecretIn(run);
    }
    // The pull request's file is back where it was once gitleaks has run.
    expect(await readFile(join(pr.dir, '.gitleaksignore'), 'utf8')).toBe('ci.env:github-pat:1\n');
  });

  it('does not let the pull request switch the rules off with its own .gitleaks.toml', async () => {
    const pr = await pullRequest({}, { 'ci.env': leak, '.gitleaks.toml': '[extend]\nuseDefault = false\n' });
    const run = await scan(pr.dir, {}, pr.env);
    expect(run.exitCode).toBe(1);
    expect(located(run)).toEqual([['ci.env', '1', 'github-pat']]);
    expect(notices(run)).toContain(
      'This pull request changes .gitleaks.toml; the change applies to scans once it is merged.',
    );
  });

  it("honours the fingerprints the base branch's .gitleaksignore accepted", async () => {
    const pr = await pullRequest({ '.gitleaksignore': 'ci.env:github-pat:1\n' }, { 'ci.env': leak });
    const run = await scan(pr.dir, {}, pr.env);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.findings).toBe('0');
    expect(notices(run)).toEqual([
      `On a pull request the scan uses .gitleaksignore and .gitleaks.toml from the base commit ${pr.base}, not the pull request's own.`,
    ]);
  });

  it('still honours the working tree .gitleaksignore outside pull requests (a push to main is reviewed code)', async () => {
    const pr = await pullRequest({}, { 'ci.env': leak, '.gitleaksignore': 'ci.env:github-pat:1\n' });
    const run = await scan(pr.dir, {}, { GITHUB_EVENT_NAME: 'push' });
    expect(run.exitCode).toBe(0);
    expect(notices(run)).toEqual([]);
  });

  it('uses no ignore list, and says why, when the base commit is not in the checkout', async () => {
    const pr = await pullRequest({}, { 'ci.env': leak, '.gitleaksignore': 'ci.env:github-pat:1\n' });
    const missing = 'e'.repeat(40);
    const eventPath = join(await tempDir('secret-scan-event-'), 'event.json');
    await writeFile(eventPath, JSON.stringify({ pull_request: { base: { sha: missing }, head: { sha: pr.head } } }));
    const run = await scan(
      pr.dir,
      { mode: 'dir' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath },
    );
    expect(run.exitCode).toBe(1);
    expect(located(run)).toEqual([['ci.env', '1', 'github-pat']]);
    expect(notices(run)).toEqual([
      `The base commit ${missing} is not in the checkout, so no .gitleaksignore applies and any false positive fails the scan; check out with fetch-depth: 0.`,
    ]);
  });
});

describe('secret-scan action refuses what it cannot scan safely', () => {
  const failure = async (run: Promise<ActionRun>): Promise<string> => {
    const done = await run;
    expect(done.exitCode).toBe(1);
    return errors(done)
      .map((c) => c.message)
      .join('\n');
  };

  it('fails instead of passing when the commit range is not in the checkout', async () => {
    const missing = 'f'.repeat(40);
    expect(await failure(scan(leaky, { base: missing, head: cleanCommit }))).toMatch(
      new RegExp(
        `^gitleaks could not scan commits ${missing}\\.\\.${cleanCommit} \\(.+\\); check that the checkout has those commits \\(fetch-depth: 0\\) and that gitleaks-path is gitleaks 8\\.$`,
      ),
    );
  });

  it('refuses a base that git would read as an option', async () => {
    expect(await failure(scan(leaky, { base: '--output=/tmp/x' }))).toBe(
      'The base input "--output=/tmp/x" is not a commit sha or branch name; give one like 3f2c1e9 or main.',
    );
  });

  it('refuses an unknown mode and a path outside the workspace', async () => {
    expect(await failure(scan(clean, { mode: 'all' }))).toBe(
      'The mode input "all" is not one of git, dir; use git to scan commits or dir to scan the working tree.',
    );
    expect(await failure(scan(clean, { path: '..' }))).toBe(
      `The path input ".." is outside the workspace ${clean}; give a path inside the repository.`,
    );
  });
});
