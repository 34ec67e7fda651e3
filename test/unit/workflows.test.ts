// The policy every workflow in .github/workflows must follow (issue 5), beyond what actionlint checks:
// least permissions, third-party actions pinned to a full commit sha with the version beside it, no
// pull_request_target, and no attacker-controlled `${{ github.event.* }}` text inside a `run:` script.
// And the runner's protection (issue 11, docs/security.md): a job on anything but a GitHub-hosted runner
// waits for the authorize gate and runs only when it allowed (unless only the scheduler or an input-less dispatch
// starts its workflow: then in the protected environment, on the default branch's code); where comments start
// it, one concurrency group per pull request that never cancels a running job; the signing key and MLflow's
// credentials only in jobs that declare the protected environment.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { computeTags } from '../../actions/image-push/src/tags.js';
import { imageTag } from '../../src/runs/image-ref.js';
import { pullRequestClosedEvent, webhookExample } from '../support/github-events.js';

const WORKFLOWS = join(import.meta.dirname, '..', '..', '.github', 'workflows');

type Step = { uses?: unknown; run?: unknown };
type Concurrency = string | { group?: unknown; 'cancel-in-progress'?: unknown };
type Job = {
  permissions?: unknown;
  uses?: unknown;
  steps?: Step[];
  'runs-on'?: unknown;
  needs?: unknown;
  if?: unknown;
  environment?: unknown;
  concurrency?: Concurrency;
  secrets?: unknown;
};
type Workflow = {
  on?: unknown;
  permissions?: unknown;
  env?: unknown;
  concurrency?: Concurrency;
  jobs?: Record<string, Job>;
};

// owner/repo[/path]@<40 hex> — a tag or branch can be moved to other code after review; a commit cannot.
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
// Text an outsider writes (titles, bodies, branch names) becomes shell code when expanded inside run:.
const INJECTABLE = /\$\{\{[^}]*\bgithub\.(event\.|head_ref\b)/;

// GitHub-hosted runner labels; any other runs-on (a label list, a group, an expression) counts as self-hosted.
const HOSTED = /^(ubuntu|windows|macos)-[\w.-]+$/;
// The gate every self-hosted job waits for: the action in actions/authorize, checked out from the default branch.
const GATE_ACTION = /(^|\/)actions\/authorize$/;
// Secrets only the protected environment holds: the run-signing key and MLflow's credentials.
const PROTECTED_SECRET = /\bsecrets\.(TRAINBOT_SIGNING_KEY|MLFLOW_\w+)\b/;
const PROTECTED_ENVIRONMENT = 'trainbot';
// Events anyone who can comment on the repository can cause; each must not hold the runner more than once per PR.
const COMMENT_EVENTS = ['issue_comment', 'pull_request_review_comment', 'discussion_comment'];
// Events nobody outside the repository can cause: GitHub's scheduler (the default branch's copy of the workflow)
// and a dispatch (write access). A workflow started by nothing else has no person to authorize.
const UNATTENDED_EVENTS = ['schedule', 'workflow_dispatch'];
const DEFAULT_BRANCH_REF = '${{ github.event.repository.default_branch }}';

/** Only the scheduler or a dispatch without inputs (nothing a person types reaches the job) starts the workflow. */
function unattended(on: unknown): boolean {
  const events = triggers(on);
  if (events.length === 0 || events.some((event) => !UNATTENDED_EVENTS.includes(event))) return false;
  const dispatch = on && typeof on === 'object' ? (on as Record<string, unknown>).workflow_dispatch : undefined;
  return !(dispatch && typeof dispatch === 'object' && (dispatch as { inputs?: unknown }).inputs !== undefined);
}

const checkoutRefs = (job: Job): unknown[] =>
  (job.steps ?? [])
    .filter((step) => typeof step.uses === 'string' && step.uses.startsWith('actions/checkout@'))
    .map((step) => (step as { with?: { ref?: unknown } }).with?.ref);

function isSelfHosted(runsOn: unknown): boolean {
  const labels = typeof runsOn === 'string' ? [runsOn] : Array.isArray(runsOn) ? runsOn : undefined;
  return !(labels?.length === 1 && typeof labels[0] === 'string' && HOSTED.test(labels[0]));
}

const needsOf = (job: Job): string[] =>
  typeof job.needs === 'string' ? [job.needs] : Array.isArray(job.needs) ? job.needs.map(String) : [];
const groupOf = (c: Concurrency | undefined): string =>
  typeof c === 'string' ? c : typeof c?.group === 'string' ? c.group : '';
const environmentOf = (job: Job): unknown =>
  job.environment && typeof job.environment === 'object'
    ? (job.environment as { name?: unknown }).name
    : job.environment;

/** The runner's protection: the gate, one group per PR for comment-started jobs, and where the key may appear. */
function runnerProblems(file: string, wf: Workflow): string[] {
  const problems: string[] = [];
  const jobs = wf.jobs ?? {};
  const commentStarted = triggers(wf.on).some((t) => COMMENT_EVENTS.includes(t));
  if (PROTECTED_SECRET.test(JSON.stringify(wf.env ?? {}))) {
    problems.push(
      `${file}: the workflow-level env names the signing key or an MLflow secret, which every job then gets; move it to the job that declares environment: ${PROTECTED_ENVIRONMENT}.`,
    );
  }
  if (commentStarted && /comment\.id/.test(groupOf(wf.concurrency))) {
    problems.push(
      `${file}: the workflow's concurrency group is keyed by the comment, so every comment queues another run; key the self-hosted job by the pull request.`,
    );
  }
  for (const [id, job] of Object.entries(jobs)) {
    if (PROTECTED_SECRET.test(JSON.stringify(job)) || job.secrets === 'inherit') {
      if (environmentOf(job) !== PROTECTED_ENVIRONMENT) {
        problems.push(
          `${file}: job ${id} reads the signing key or an MLflow secret without environment: ${PROTECTED_ENVIRONMENT}; only that protected environment holds them.`,
        );
      }
    }
    if (!isSelfHosted(job['runs-on'])) continue;
    const gates = needsOf(job).filter((need) => {
      const gate = jobs[need];
      return (
        gate !== undefined &&
        !isSelfHosted(gate['runs-on']) &&
        (gate.steps ?? []).some((step) => typeof step.uses === 'string' && GATE_ACTION.test(step.uses))
      );
    });
    for (const gate of gates) {
      // The gate's code is whatever its checkout put in the workspace: it must be the default branch's, never a PR's.
      const refs = checkoutRefs(jobs[gate] ?? {});
      if (refs.some((ref) => ref !== undefined && ref !== DEFAULT_BRANCH_REF)) {
        problems.push(
          `${file}: the gate job ${gate} checks out another ref than the default branch; its decision must come from merged code.`,
        );
      }
    }
    const condition = typeof job.if === 'string' ? job.if : '';
    if (gates.length === 0 && unattended(wf.on)) {
      // No gate to pass, so the protected environment (the default branch only) and the checkout keep it to merged code.
      if (environmentOf(job) !== PROTECTED_ENVIRONMENT) {
        problems.push(
          `${file}: job ${id} runs on a self-hosted runner without a gate; a scheduled or dispatched job may, but only with environment: ${PROTECTED_ENVIRONMENT}, which the settings limit to the default branch.`,
        );
      }
      if (checkoutRefs(job).some((ref) => ref !== undefined && ref !== DEFAULT_BRANCH_REF)) {
        problems.push(
          `${file}: job ${id} runs on a self-hosted runner without a gate and checks out another ref than the default branch; check out the default branch.`,
        );
      }
    } else if (gates.length === 0) {
      problems.push(
        `${file}: job ${id} runs on a self-hosted runner without needing a GitHub-hosted job that runs actions/authorize; add that gate job and "needs:" it.`,
      );
    } else if (
      !gates.some((gate) =>
        new RegExp(`^\\s*(\\$\\{\\{\\s*)?needs\\.${gate}\\.outputs\\.allowed\\s*==\\s*'true'\\s*(\\}\\}\\s*)?$`).test(
          condition,
        ),
      )
    ) {
      problems.push(
        `${file}: job ${id} runs on a self-hosted runner but not only when the gate allowed it; make its if: exactly "needs.${gates[0]}.outputs.allowed == 'true'".`,
      );
    }
    if (commentStarted) {
      const group = groupOf(job.concurrency);
      const byPr =
        needsOf(job).some((need) => group.includes(`needs.${need}.outputs.pr`)) ||
        /github\.event\.(issue|pull_request)\.number/.test(group);
      if (!group.startsWith('trainbot-pr-') || !byPr || /comment\.id|run_id|run_number/.test(group)) {
        problems.push(
          `${file}: job ${id} is started by comments but its concurrency group is not one per pull request; use "trainbot-pr-\${{ needs.<gate>.outputs.pr }}".`,
        );
      }
      if (
        typeof job.concurrency === 'object' &&
        job.concurrency['cancel-in-progress'] !== undefined &&
        job.concurrency['cancel-in-progress'] !== false
      ) {
        problems.push(
          `${file}: job ${id} lets a new comment cancel the run in progress; set cancel-in-progress: false.`,
        );
      }
    }
  }
  return problems;
}

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
    problems.push(
      `${file}: no top-level permissions; start from "permissions: contents: read" and grant more per job.`,
    );
  }
  for (const [where, permissions] of [
    ['the workflow', wf.permissions],
    ...jobs.map(([id, job]) => [`job ${id}`, job.permissions]),
  ]) {
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
        problems.push(
          `${file}: job ${id} expands github.event or github.head_ref inside run:; pass it through env: instead.`,
        );
      }
    }
  }
  return [...problems, ...runnerProblems(file, wf)];
}

const workflow = (body: string): string =>
  `name: t\non: push\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n${body}`;

describe('workflowProblems', () => {
  it('accepts a pinned, least-permission workflow that passes event text through env', () => {
    const text = workflow(
      '    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - uses: ./actions/lint\n' +
        '      - env:\n          TITLE: ${{ github.event.pull_request.title }}\n        run: echo "$TITLE"\n',
    );
    expect(workflowProblems('ok.yml', text)).toEqual([]);
  });

  it('refuses pull_request_target in any trigger form', () => {
    for (const on of [
      'pull_request_target',
      '[push, pull_request_target]',
      '\n  pull_request_target:\n    types: [opened]',
    ]) {
      expect(workflowProblems('t.yml', `on: ${on}\npermissions: {}\njobs: {}\n`)).toEqual([
        't.yml: pull_request_target runs fork code with a write token; use pull_request.',
      ]);
    }
  });

  it('refuses a workflow without permissions, and write-all anywhere', () => {
    expect(workflowProblems('t.yml', 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: []\n')).toEqual([
      't.yml: no top-level permissions; start from "permissions: contents: read" and grant more per job.',
    ]);
    expect(
      workflowProblems(
        't.yml',
        'on: push\npermissions: write-all\njobs:\n  a:\n    permissions: read-all\n    runs-on: ubuntu-latest\n    steps: []\n',
      ),
    ).toEqual([
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
    const text = workflow(
      '    steps:\n      - run: echo "${{ github.event.issue.title }}"\n      - run: git checkout ${{github.head_ref}}\n      - run: echo ${{ github.sha }}\n',
    );
    expect(workflowProblems('t.yml', text)).toEqual([
      't.yml: job build expands github.event or github.head_ref inside run:; pass it through env: instead.',
      't.yml: job build expands github.event or github.head_ref inside run:; pass it through env: instead.',
    ]);
  });
});

// A comment-started workflow in the shape trainbot.yml has: `gate`, then `train` on the self-hosted runner.
function gated(edit: { train?: string; gate?: string; top?: string } = {}): string {
  const gate =
    edit.gate ??
    '    runs-on: ubuntu-latest\n    outputs:\n      allowed: ${{ steps.gate.outputs.allowed }}\n      pr: ${{ steps.gate.outputs.pr }}\n' +
      '    steps:\n      - id: gate\n        uses: ./actions/authorize\n';
  const train =
    edit.train ??
    "    needs: gate\n    if: needs.gate.outputs.allowed == 'true'\n    runs-on: [self-hosted, minikube]\n    environment: trainbot\n" +
      '    concurrency:\n      group: trainbot-pr-${{ needs.gate.outputs.pr }}\n      cancel-in-progress: false\n' +
      '    steps:\n      - run: node dist/actions-main.js\n        env:\n          TRAINBOT_SIGNING_KEY: ${{ secrets.TRAINBOT_SIGNING_KEY }}\n';
  return `name: t\non:\n  issue_comment:\n    types: [created]\npermissions:\n  contents: read\n${edit.top ?? ''}jobs:\n  gate:\n${gate}  train:\n${train}`;
}
const TRAIN_STEPS = '    steps:\n      - run: node dist/actions-main.js\n';
const PER_PR = '    concurrency:\n      group: trainbot-pr-${{ needs.gate.outputs.pr }}\n';
const PER_ISSUE = '    concurrency:\n      group: trainbot-pr-${{ github.event.issue.number }}\n';

describe('workflowProblems: the self-hosted runner', () => {
  it('accepts a self-hosted job that needs the gate, runs only when it allowed, one group per PR, the key in the environment', () => {
    expect(workflowProblems('t.yml', gated())).toEqual([]);
  });

  it('refuses a self-hosted job that does not wait for the gate', () => {
    const train = `    runs-on: [self-hosted, minikube]\n${PER_ISSUE}${TRAIN_STEPS}`;
    expect(workflowProblems('t.yml', gated({ train }))).toEqual([
      't.yml: job train runs on a self-hosted runner without needing a GitHub-hosted job that runs actions/authorize; add that gate job and "needs:" it.',
    ]);
  });

  it('refuses a gate that is not the authorize action, or is itself on the self-hosted runner', () => {
    const train = `    needs: gate\n    if: needs.gate.outputs.allowed == 'true'\n    runs-on: [self-hosted, minikube]\n${PER_PR}${TRAIN_STEPS}`;
    const problem =
      't.yml: job train runs on a self-hosted runner without needing a GitHub-hosted job that runs actions/authorize; add that gate job and "needs:" it.';
    expect(
      workflowProblems(
        't.yml',
        gated({ train, gate: '    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n' }),
      ),
    ).toEqual([problem]);
    expect(
      workflowProblems(
        't.yml',
        gated({ train, gate: '    runs-on: [self-hosted]\n    steps:\n      - uses: ./actions/authorize\n' }),
      ),
    ).toContain(problem);
  });

  it("refuses a gate that checks out the pull request's code", () => {
    const gate =
      '    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n' +
      '        with:\n          ref: refs/pull/${{ github.event.issue.number }}/head\n      - uses: ./actions/authorize\n';
    expect(workflowProblems('t.yml', gated({ gate }))).toEqual([
      't.yml: the gate job gate checks out another ref than the default branch; its decision must come from merged code.',
    ]);
    const merged = gate.replace(
      'refs/pull/${{ github.event.issue.number }}/head',
      '${{ github.event.repository.default_branch }}',
    );
    expect(workflowProblems('t.yml', gated({ gate: merged }))).toEqual([]);
  });

  it.each([
    ['no condition', ''],
    ['always()', '    if: always()\n'],
    ['the gate or anything else', "    if: needs.gate.outputs.allowed == 'true' || github.actor == 'me'\n"],
    ["the gate's result instead of its decision", "    if: needs.gate.result == 'success'\n"],
  ])('refuses a self-hosted job gated on %s', (_, condition) => {
    const train = `    needs: gate\n${condition}    runs-on: [self-hosted, minikube]\n${PER_PR}${TRAIN_STEPS}`;
    expect(workflowProblems('t.yml', gated({ train }))).toEqual([
      't.yml: job train runs on a self-hosted runner but not only when the gate allowed it; make its if: exactly "needs.gate.outputs.allowed == \'true\'".',
    ]);
  });

  it.each([
    ['a runner group', '\n      group: gpu'],
    ['an expression', ' ${{ inputs.runner }}'],
    ['a label list with a hosted label first', ' [ubuntu-latest, gpu]'],
  ])('counts %s as self-hosted', (_, runsOn) => {
    const train = `    runs-on:${runsOn}\n${PER_ISSUE}${TRAIN_STEPS}`;
    expect(workflowProblems('t.yml', gated({ train }))).toEqual([
      't.yml: job train runs on a self-hosted runner without needing a GitHub-hosted job that runs actions/authorize; add that gate job and "needs:" it.',
    ]);
  });

  it.each([
    ['no concurrency', ''],
    [
      'a group per comment',
      '    concurrency:\n      group: trainbot-pr-${{ needs.gate.outputs.pr }}-${{ github.event.comment.id }}\n',
    ],
    [
      'a group per run',
      '    concurrency:\n      group: trainbot-pr-${{ github.event.issue.number }}-${{ github.run_id }}\n',
    ],
    ['a group for the whole repository', '    concurrency: trainbot-pr\n'],
  ])('refuses a comment-started self-hosted job with %s', (_, concurrency) => {
    const train = `    needs: gate\n    if: needs.gate.outputs.allowed == 'true'\n    runs-on: [self-hosted, minikube]\n${concurrency}${TRAIN_STEPS}`;
    expect(workflowProblems('t.yml', gated({ train }))).toEqual([
      't.yml: job train is started by comments but its concurrency group is not one per pull request; use "trainbot-pr-${{ needs.<gate>.outputs.pr }}".',
    ]);
  });

  it('refuses a comment that cancels the run in progress, and a workflow-level group per comment', () => {
    const train = `    needs: gate\n    if: needs.gate.outputs.allowed == 'true'\n    runs-on: [self-hosted, minikube]\n${PER_PR}      cancel-in-progress: true\n${TRAIN_STEPS}`;
    const top = 'concurrency:\n  group: trainbot-${{ github.event.comment.id }}\n';
    expect(workflowProblems('t.yml', gated({ train, top }))).toEqual([
      "t.yml: the workflow's concurrency group is keyed by the comment, so every comment queues another run; key the self-hosted job by the pull request.",
      't.yml: job train lets a new comment cancel the run in progress; set cancel-in-progress: false.',
    ]);
  });

  it.each([
    ['without an environment', '', 'secrets.TRAINBOT_SIGNING_KEY'],
    ['in another environment', '    environment: staging\n', 'secrets.TRAINBOT_SIGNING_KEY'],
    ['(an MLflow credential) without an environment', '', 'secrets.MLFLOW_TRACKING_TOKEN'],
  ])('refuses the protected secrets in a job %s', (_, environment, secret) => {
    const text = workflow(
      `${environment}    steps:\n      - run: make\n        env:\n          KEY: \${{ ${secret} }}\n`,
    );
    expect(workflowProblems('t.yml', text)).toEqual([
      't.yml: job build reads the signing key or an MLflow secret without environment: trainbot; only that protected environment holds them.',
    ]);
  });

  it('accepts the environment in its long form, and refuses the key in the workflow env or inherited by a called workflow', () => {
    expect(
      workflowProblems(
        't.yml',
        workflow(
          '    environment:\n      name: trainbot\n    steps:\n      - run: make\n        env:\n          K: ${{ secrets.TRAINBOT_SIGNING_KEY }}\n',
        ),
      ),
    ).toEqual([]);
    const top = 'env:\n  K: ${{ secrets.TRAINBOT_SIGNING_KEY }}\n';
    expect(workflowProblems('t.yml', gated({ top }))).toEqual([
      't.yml: the workflow-level env names the signing key or an MLflow secret, which every job then gets; move it to the job that declares environment: trainbot.',
    ]);
    const caller =
      'name: t\non: push\npermissions:\n  contents: read\njobs:\n  call:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n';
    expect(workflowProblems('t.yml', caller)).toContain(
      't.yml: job call reads the signing key or an MLflow secret without environment: trainbot; only that protected environment holds them.',
    );
  });
});

// A workflow in the shape of trainbot-recover.yml: started only by the scheduler or a dispatch, one self-hosted job.
function unattendedWorkflow(edit: { on?: string; job?: string } = {}): string {
  const on = edit.on ?? "\n  schedule:\n    - cron: '7,22,37,52 * * * *'\n  workflow_dispatch:";
  const job =
    edit.job ??
    '    environment: trainbot\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n' +
      '        with:\n          ref: ${{ github.event.repository.default_branch }}\n      - run: node dist/actions-recover.js\n';
  return `name: t\non:${on}\npermissions:\n  contents: read\njobs:\n  recover:\n    runs-on: [self-hosted, minikube]\n${job}`;
}
const UNGATED =
  't.yml: job recover runs on a self-hosted runner without needing a GitHub-hosted job that runs actions/authorize; add that gate job and "needs:" it.';

describe('workflowProblems: a self-hosted job nobody outside the repository can start', () => {
  it('accepts one that only the scheduler or a dispatch without inputs starts, in the protected environment', () => {
    expect(workflowProblems('t.yml', unattendedWorkflow())).toEqual([]);
    expect(workflowProblems('t.yml', unattendedWorkflow({ on: ' workflow_dispatch' }))).toEqual([]);
  });

  it.each([
    ['a comment', "\n  schedule:\n    - cron: '7 * * * *'\n  issue_comment:\n    types: [created]"],
    ['a push', ' [schedule, push]'],
    ['a dispatch with inputs', '\n  workflow_dispatch:\n    inputs:\n      pr:\n        type: string'],
  ])('refuses it without a gate when %s can start it too', (_, on) => {
    expect(workflowProblems('t.yml', unattendedWorkflow({ on }))).toContain(UNGATED);
  });

  it('refuses it outside the protected environment, or checking out another ref', () => {
    expect(
      workflowProblems('t.yml', unattendedWorkflow({ job: '    steps:\n      - run: node dist/actions-recover.js\n' })),
    ).toEqual([
      't.yml: job recover runs on a self-hosted runner without a gate; a scheduled or dispatched job may, but only with environment: trainbot, which the settings limit to the default branch.',
    ]);
    const job =
      '    environment: trainbot\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n' +
      '        with:\n          ref: ${{ github.event.inputs.ref }}\n';
    expect(workflowProblems('t.yml', unattendedWorkflow({ job }))).toEqual([
      't.yml: job recover runs on a self-hosted runner without a gate and checks out another ref than the default branch; check out the default branch.',
    ]);
  });
});

describe('the repository workflows', () => {
  const files = readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

  it('exist', () => {
    expect(files).toEqual(
      expect.arrayContaining(['bot.yml', 'infrastructure.yml', 'mlflow-image.yml', 'training.yml']),
    );
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
      const value = path
        .split('.')
        .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], context);
      if (typeof value === 'string' && value !== '') return value;
    }
    return '';
  }

  const merged = pullRequestClosedEvent({ merged: true }).payload;
  const pr = webhookExample('pull_request', 'synchronize');
  const MERGE_REF_SHA = 'e'.repeat(40); // GitHub's test-merge commit, which github.sha names on pull_request
  const contexts: Array<[string, Record<string, unknown>, string]> = [
    [
      'a pull request: its head, not the merge commit',
      { github: { sha: MERGE_REF_SHA, event: pr } },
      pr.pull_request.head.sha,
    ],
    [
      'a push to main: the merge commit the baseline trains',
      { github: { sha: merged.pull_request.merge_commit_sha, event: {} } },
      merged.pull_request.merge_commit_sha ?? '',
    ],
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

// The Actions deployment's recovery (docs/design.md, "Reconciler"): what the pass needs and nothing more, on the
// runner that reaches the cluster, with the bot's own code and the same MLflow and cluster access as the train job.
describe('trainbot-recover.yml', () => {
  type Steps = Array<{ uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }>;
  type RecoverJob = Omit<Job, 'steps'> & { 'timeout-minutes': number; steps: Steps };
  const read = (file: string) =>
    load(readFileSync(join(WORKFLOWS, file), 'utf8')) as {
      on: Record<string, unknown>;
      jobs: Record<string, RecoverJob>;
    };
  const wf = read('trainbot-recover.yml');
  const job = wf.jobs.recover as RecoverJob;
  const step = job.steps.find((s) => s.run === 'node dist/actions-recover.js');

  it('runs every 15 minutes and from the Actions tab, without inputs', () => {
    expect(wf.on).toEqual({ schedule: [{ cron: '7,22,37,52 * * * *' }], workflow_dispatch: null });
  });

  it('asks only what finishing a request takes: read the code and the pull request, comment and react, conclude the check', () => {
    expect(job.permissions).toEqual({
      contents: 'read',
      'pull-requests': 'read',
      issues: 'write',
      checks: 'write',
    });
  });

  it('runs one pass at a time, never cut short, in the protected environment on the runner that reaches the cluster', () => {
    expect(job.concurrency).toEqual({ group: 'trainbot-recover', 'cancel-in-progress': false });
    expect(job.environment).toBe('trainbot');
    expect(job['runs-on']).toEqual(read('trainbot.yml').jobs.train?.['runs-on']);
    expect(job['timeout-minutes']).toBeLessThanOrEqual(15);
  });

  it("checks out the default branch's code only, without keeping the token in git", () => {
    const checkouts = job.steps.filter((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkouts.map((s) => s.with)).toEqual([
      { ref: '${{ github.event.repository.default_branch }}', 'persist-credentials': false },
    ]);
  });

  it("hands the pass the train step's MLflow, signing key and cluster, and the namespace variable", () => {
    const train = read('trainbot.yml').jobs.train?.steps.find((s) => s.run === 'node dist/actions-main.js');
    const shared = Object.fromEntries(
      Object.entries(train?.env ?? {}).filter(([name]) => !/^TRAINBOT_(REGISTRY|IMAGE)_/.test(name)),
    );
    expect(step?.env).toEqual({ ...shared, TRAINBOT_NAMESPACE: '${{ vars.TRAINBOT_NAMESPACE }}' });
  });
});
