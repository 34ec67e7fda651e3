// Entry of the lint action: inputs in, findings out as annotations, job summary, SARIF and outputs.
import * as core from '@actions/core';
import { annotate } from '../../kit/src/annotate.js';
import { failureSentence } from '../../kit/src/errors.js';
import { parseFailOn } from '../../kit/src/fail-on.js';
import { countByLevel } from '../../kit/src/finding.js';
import { toSarif, writeSarif } from '../../kit/src/sarif.js';
import { writeReport } from '../../kit/src/summary.js';
import { resolveInWorkspace, workspaceRoot } from '../../kit/src/workspace-path.js';
import { lint, toolVersions } from './lint.js';
import { parseLinters } from './linters.js';

async function main(): Promise<void> {
  const workspace = workspaceRoot();
  const linters = parseLinters(core.getInput('linters'));
  const request = {
    workspace,
    path: core.getInput('path') || '.',
    linters,
    failOn: parseFailOn(core.getInput('fail-on')),
    binaries: {
      ruff: core.getInput('ruff-path') || 'ruff',
      black: core.getInput('black-path') || 'black',
      pylint: core.getInput('pylint-path') || 'pylint',
    },
  };
  const sarifInput = core.getInput('sarif-file');
  const sarifPath = sarifInput ? resolveInWorkspace(workspace, sarifInput, 'sarif-file') : '';

  const result = await lint(request);
  const plan = annotate(result.findings);
  await writeReport({
    title: 'Lint',
    verdict: result.verdict,
    findings: result.findings,
    omittedAnnotations: plan.omitted,
  });
  if (sarifPath) {
    const version = await toolVersions(linters, request.binaries);
    const tool = {
      name: `trainbot lint (${linters.join(', ')})`,
      version,
      informationUri: 'https://docs.astral.sh/ruff/',
    };
    await writeSarif(sarifPath, toSarif(tool, result.findings));
  }
  core.setOutput('findings', result.findings.length);
  core.setOutput('errors', countByLevel(result.findings).error);
  core.setOutput('sarif-file', sarifInput);
  if (result.failing.length > 0) core.setFailed(result.verdict);
  else core.info(result.verdict);
}

main().catch((err: unknown) => core.setFailed(failureSentence('lint', err)));
