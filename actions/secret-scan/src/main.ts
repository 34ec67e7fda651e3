// Entry of the secret-scan action: gitleaks over the repository (or the PR's commits, or the working
// tree), each leak annotated without its secret, a SARIF file and a summary table; fails on any leak.
import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annotate } from '../../kit/src/annotate.js';
import { failureSentence } from '../../kit/src/errors.js';
import { toSarif, writeSarif } from '../../kit/src/sarif.js';
import { writeReport } from '../../kit/src/summary.js';
import { resolveInWorkspace, workspaceRoot } from '../../kit/src/workspace-path.js';
import { GITLEAKS_VERSION, installGitleaks } from './install-gitleaks.js';
import { scan } from './scan.js';
import { parseMode, planScan } from './scan-plan.js';
import { baseSettings, trustedBase } from './trusted-settings.js';

function readEvent(): unknown {
  const path = process.env.GITHUB_EVENT_PATH;
  return path ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

async function main(): Promise<void> {
  const workspace = workspaceRoot();
  const mode = parseMode(core.getInput('mode'));
  const target = resolveInWorkspace(workspace, core.getInput('path') || '.', 'path');
  const eventName = process.env.GITHUB_EVENT_NAME ?? '';
  const event = readEvent();
  const plan = planScan(mode, { base: core.getInput('base'), head: core.getInput('head') }, eventName, event);
  const sarifFile = core.getInput('sarif-file') || join(process.env.RUNNER_TEMP || workspace, 'gitleaks.sarif');
  const givenPath = core.getInput('gitleaks-path');
  const gitleaks = givenPath || (process.env.GITHUB_ACTIONS === 'true' ? await installGitleaks() : 'gitleaks');

  // On a pull request, the rules come from its base commit: the PR's own .gitleaksignore cannot silence it.
  const base = trustedBase(eventName, event);
  const settingsDir = base ? await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'gitleaks-settings-')) : '';
  let findings;
  try {
    const trusted = base ? await baseSettings(workspace, base, settingsDir) : undefined;
    for (const notice of trusted?.notices ?? []) core.notice(notice);
    findings = await scan({ gitleaks, workspace, target, plan, ...(trusted ? { trusted } : {}) });
  } finally {
    if (settingsDir) await rm(settingsDir, { recursive: true, force: true });
  }
  const what = plan.range ? `commits ${plan.range}` : mode === 'git' ? 'the git history' : 'the working tree';
  const ignoreList = base ? '.gitleaksignore on the base branch' : '.gitleaksignore';
  const verdict =
    findings.length === 0
      ? `Secret scan found no secrets in ${what}.`
      : `Secret scan found ${findings.length} possible secret${findings.length === 1 ? '' : 's'} in ${what}; remove and rotate them, or list false positives in ${ignoreList}.`;
  const annotated = annotate(findings);
  await writeReport({ title: 'Secret scan', verdict, findings, omittedAnnotations: annotated.omitted });
  await writeSarif(
    sarifFile,
    toSarif(
      { name: 'gitleaks', version: GITLEAKS_VERSION, informationUri: 'https://github.com/gitleaks/gitleaks' },
      findings,
    ),
  );
  core.setOutput('findings', findings.length);
  core.setOutput('sarif-file', sarifFile);
  if (findings.length > 0) core.setFailed(verdict);
  else core.info(verdict);
}

main().catch((err: unknown) => core.setFailed(failureSentence('secret-scan', err)));
