// The policy every workflow in .github/workflows must follow (issue 5), beyond what actionlint checks:
// least permissions, third-party actions pinned to a full commit sha with the version beside it, no
// pull_request_target, and no attacker-controlled `${{ github.event.* }}` text inside a `run:` script.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { computeTags } from '../../actions/image-push/src/tags.js';
import { imageTag } from '../../src/runs/image-ref.js';
import { pullRequestClosedEvent, webhookExample } from '../support/github-events.js';

const WORKFLOWS = join(import.meta.dirname, '..', '..', '.github', 'workflows');

type Step = { uses?: unknown; run?: unknown };
type Job = { permissions?: unknown; uses?: unknown; steps?: Step[] };
type Workflow = { on?: unknown; permissions?: unknown; jobs?: Record<string, Job> };

// owner/repo[/path]@<40 hex> — a tag or branch can be moved to other code after review; a commit cannot.
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
// Text an outsider writes (titles, bodies, branch names) becomes shell code when expanded inside run:.
const INJECTABLE = /\$\{\{[^}]*\bgithub\.(event\.|head_ref\b)/;

function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === 'object' ? Object.keys(on) : [];
}

/** Every policy breach in one workflow file, each as a sentence naming the file and how to fix it. */
function workflowProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const wf = load(text) as Workflow;
  if (triggers(wf.on).includes('pull_request_target')) {
    problems.push(`${file}: pull_request_target runs fork code with a write token; use pull_request.`);
  }
  const jobs = Object.entries(wf.jobs ?? {});
  if (wf.permissions === undefined && jobs.some(([, job]) => job.permissions === undefined)) {
    problems.push(`${file}: no top-level permissions; start from "permissions: contents: read" and grant more per job.`);
  }
  for (const [where, permissions] of [['the workflow', wf.permissions], ...jobs.map(([id, job]) => [`job ${id}`, job.permissions])]) {
    if (permissions === 'write-all' || permissions === 'read-all') {
      problems.push(`${file}: ${where} grants ${permissions}; list only the scopes it needs.`);
    }
  }
  for (const [id, job] of jobs) {
    const uses = [job.uses, ...(job.steps ?? []).map((s) => s.uses)].filter((u): u is string => typeof u === 'string');
    for (const ref of uses) {
      if (ref.startsWith('./') || ref.startsWith('docker://')) continue;
      if (!PINNED.test(ref)) problems.push(`${file}: job ${id} uses ${ref}; pin it to a full 40-character commit sha.`);
      else if (!new RegExp(`${ref.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+#\\s*v\\d`).test(text)) {
        problems.push(`${file}: job ${id} uses ${ref} without a "# vX.Y.Z" comment naming the version.`);
      }
    }
    for (const step of job.steps ?? []) {
      if (typeof step.run === 'string' && INJECTABLE.test(step.run)) {
        problems.push(`${file}: job ${id} expands github.event or github.head_ref inside run:; pass it through env: instead.`);
      }
    }
  }
  return problems;
}

const workflow = (body: string): string => `name: t\non: push\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n${body}`;

describe('workflowProblems', () => {
  it('accepts a pinned, least-permission workflow that passes event text through env', () => {
    const text = workflow(
      '    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - uses: ./actions/lint\n' +
        '      - env:\n          TITLE: ${{ github.event.pull_request.title }}\n        run: echo "$TITLE"\n',
    );
    expect(workflowProblems('ok.yml', text)).toEqual([]);
  });

  it('refuses pull_request_target in any trigger form', () => {
    for (const on of ['pull_request_target', '[push, pull_request_target]', '\n  pull_request_target:\n    types: [opened]']) {
      expect(workflowProblems('t.yml', `on: ${on}\npermissions: {}\njobs: {}\n`)).toEqual([
        't.yml: pull_request_target runs fork code with a write token; use pull_request.',
      ]);
    }
  });

  it('refuses a workflow without permissions, and write-all anywhere', () => {
    expect(workflowProblems('t.yml', 'on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n')).toEqual([
      't.yml: no top-level permissions; start from "permissions: contents: read" and grant more per job.',
    ]);
    expect(workflowProblems('t.yml', 'on: push\npermissions: write-all\njobs:\n  a:\n    permissions: read-all\n    runs-on: x\n    steps: []\n')).toEqual([
      't.yml: the workflow grants write-all; list only the scopes it needs.',
      't.yml: job a grants read-all; list only the scopes it needs.',
    ]);
  });

  it('refuses actions pinned to a tag, a short sha, or a sha without its version comment', () => {
    const text = workflow(
      '    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@49933ea\n' +
        '      - uses: github/codeql-action/upload-sarif@48ab28a6f5dbc2a99bf1e0131198dd8f1df78169\n',
    );
    expect(workflowProblems('t.yml', text)).toEqual([
      't.yml: job build uses actions/checkout@v4; pin it to a full 40-character commit sha.',
      't.yml: job build uses actions/setup-node@49933ea; pin it to a full 40-character commit sha.',
      't.yml: job build uses github/codeql-action/upload-sarif@48ab28a6f5dbc2a99bf1e0131198dd8f1df78169 without a "# vX.Y.Z" comment naming the version.',
    ]);
  });

  it('refuses event text and the head branch name expanded inside run:', () => {
    const text = workflow('    steps:\n      - run: echo "${{ github.event.issue.title }}"\n      - run: git checkout ${{github.head_ref}}\n      - run: echo ${{ github.sha }}\n');
    expect(workflowProblems('t.yml', text)).toEqual([
      't.yml: job build expands github.event or github.head_ref inside run:; pass it through env: instead.',
      't.yml: job build expands github.event or github.head_ref inside run:; pass it through env: instead.',
    ]);
  });
});

describe('the repository workflows', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

  it('exist', () => {
    expect(files).toEqual(expect.arrayContaining(['bot.yml', 'infrastructure.yml', 'mlflow-image.yml', 'training.yml']));
  });

  it.each(files)('%s follows the workflow policy', (file) => {
    expect(workflowProblems(file, readFileSync(join(WORKFLOWS, file), 'utf8'))).toEqual([]);
  });
});

// The image rule (src/runs/image-ref.ts) seen from CI: training.yml must push, for every commit the bot may
// train, exactly the tag the bot will ask for.
describe('training.yml and the image rule', () => {
  type Steps = Array<{ name?: string; uses?: string; with?: Record<string, string>; env?: Record<string, string> }>;
  const wf = load(readFileSync(join(WORKFLOWS, 'training.yml'), 'utf8')) as {
    on: Record<string, { paths?: unknown; branches?: string[] } | null>;
    concurrency: { group: string };
    jobs: Record<string, { steps: Steps }>;
  };
  const stepOf = (job: string, match: (s: Steps[number]) => boolean): Steps[number] => {
    const step = wf.jobs[job]?.steps.find(match);
    if (!step) throw new Error(`training.yml: job ${job} has no such step`);
    return step;
  };

  /** Evaluates the `${{ a.b || c.d }}` expressions these steps use against a workflow context. */
  function evaluate(expression: string, context: Record<string, unknown>): string {
    const inner = /^\$\{\{\s*(.+?)\s*\}\}$/.exec(expression)?.[1];
    if (!inner) throw new Error(`not an expression: ${expression}`);
    for (const path of inner.split('||').map((p) => p.trim())) {
      const value = path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], context);
      if (typeof value === 'string' && value !== '') return value;
    }
    return '';
  }

  const merged = pullRequestClosedEvent({ merged: true }).payload;
  const pr = webhookExample('pull_request', 'synchronize');
  const MERGE_REF_SHA = 'e'.repeat(40); // GitHub's test-merge commit, which github.sha names on pull_request
  const contexts: Array<[string, Record<string, unknown>, string]> = [
    ['a pull request: its head, not the merge commit', { github: { sha: MERGE_REF_SHA, event: pr } }, pr.pull_request.head.sha],
    ['a push to main: the merge commit the baseline trains', { github: { sha: merged.pull_request.merge_commit_sha, event: {} } }, merged.pull_request.merge_commit_sha ?? ''],
  ];

  it.each(contexts)('builds and pushes imageTag(sha) on %s', (_, context, trained) => {
    const checkout = stepOf('image', (s) => s.uses?.startsWith('actions/checkout@') ?? false);
    const build = stepOf('image', (s) => s.name === 'Build the training image');
    const push = stepOf('push', (s) => s.uses === './actions/image-push');
    expect(evaluate(checkout.with?.ref ?? '', context)).toBe(trained);
    expect(evaluate(build.env?.SHA ?? '', context)).toBe(trained);
    // The action's own tag computation, fed what the workflow passes: its commit tag is the bot's tag.
    const tags = computeTags({ sha: evaluate(push.with?.sha ?? '', context), branch: 'b', defaultBranch: 'main' });
    expect(tags[0]).toBe(imageTag(trained));
    expect(trained).toMatch(/^[0-9a-f]{40}$/);
  });

  it('builds every pull request and every push to main, not only those that touch training/', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    expect(wf.on.pull_request?.paths).toBeUndefined();
    expect(wf.on.push).toEqual({ branches: ['main'] });
  });

  it('never lets a newer push cancel the build of an earlier head', () => {
    expect(wf.concurrency.group).toBe('training-${{ github.event.pull_request.head.sha || github.sha }}');
  });
});
