// Entry of the image-scan action: inputs → trivy (or a pre-made report) → findings → annotations, summary,
// SARIF and outputs → fail when a finding is at or above the severity threshold.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { annotate } from '../../kit/src/annotate.js';
import { failureSentence, InputError } from '../../kit/src/errors.js';
import { runTool } from '../../kit/src/run-tool.js';
import { toSarif, writeSarif } from '../../kit/src/sarif.js';
import { resolveInWorkspace, toWorkspaceRelative, workspaceRoot } from '../../kit/src/workspace-path.js';
import { parseScanType, scanFailure, trivyArgs, type ScanOptions } from './scan-args.js';
import { addScanReport, severityCounts } from './scan-summary.js';
import { parseThreshold } from './severity.js';
import { parseTrivyignore } from './trivyignore.js';
import { parseTrivyReport, toScanFindings } from './trivy-report.js';

/** A boolean input; unset (when run outside a runner, which fills in action.yml defaults) means false. */
const flag = (name: string): boolean => core.getInput(name) !== '' && core.getBooleanInput(name);

/** Runs trivy and returns its JSON report's text; a scan that could not run is one sentence. */
async function scan(options: Omit<ScanOptions, 'jsonFile'>, label: string, workspace: string): Promise<string> {
  const jsonFile = join(await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'image-scan-')), 'trivy.json');
  const trivy = core.getInput('trivy-path') || 'trivy';
  const result = await runTool(trivy, trivyArgs({ ...options, jsonFile }), { cwd: workspace, pathInput: 'trivy-path' });
  if (result.exitCode !== 0) throw new InputError(scanFailure(result.stderr, label, result.exitCode));
  return readFile(jsonFile, 'utf8');
}

async function run(): Promise<void> {
  // 1. Inputs.
  const workspace = workspaceRoot();
  const scanType = parseScanType(core.getInput('scan-type'));
  const threshold = parseThreshold(core.getInput('severity'));
  const targetInput = core.getInput('target') || '.';
  const reportInput = core.getInput('report');
  const ignorePath = resolveInWorkspace(workspace, core.getInput('trivyignore') || '.trivyignore', 'trivyignore');
  const ignoreFile = existsSync(ignorePath) ? ignorePath : undefined;
  const onDisk = scanType !== 'image' || existsSync(resolve(workspace, targetInput));
  const target = onDisk ? resolveInWorkspace(workspace, targetInput, 'target') : targetInput;
  if (scanType !== 'image' && !existsSync(target))
    throw new InputError(
      `The target input "${targetInput}" does not exist in the workspace: give a directory or file to scan.`,
    );
  // Trivy names files relative to the directory it scanned; annotations need them relative to the workspace.
  const scannedDir = scanType === 'image' ? workspace : statSync(target).isDirectory() ? target : dirname(target);
  const targetDir = toWorkspaceRelative(workspace, scannedDir);

  // 2. The report: a live scan, or one made earlier (Trivy's vulnerability database cannot always be reached).
  const text = reportInput
    ? await readFile(resolveInWorkspace(workspace, reportInput, 'report'), 'utf8')
    : await scan(
        { scanType, target, targetIsFile: onDisk, ignoreUnfixed: flag('ignore-unfixed'), ignoreFile },
        targetInput,
        workspace,
      );
  const report = parseTrivyReport(text, reportInput || `from trivy ${scanType}`);
  const findings = toScanFindings(report, {
    targetDir,
    imageFile: core.getInput('dockerfile') || 'Dockerfile',
    threshold,
    ignoreUnfixed: flag('ignore-unfixed'),
    ignored: ignoreFile ? parseTrivyignore(await readFile(ignoreFile, 'utf8'), new Date()) : new Set(),
  });

  // 3. Report: annotations, SARIF, summary, outputs.
  const blocking = findings.filter((f) => f.level === 'error');
  const plan = annotate(findings);
  const sarifInput = core.getInput('sarif-file');
  const sarifFile = sarifInput
    ? resolve(workspace, sarifInput)
    : join(process.env.RUNNER_TEMP || tmpdir(), `trivy-${scanType}.sarif`);
  const version = report.Trivy?.Version ?? 'unknown';
  await writeSarif(sarifFile, toSarif({ name: 'Trivy', version, informationUri: 'https://trivy.dev' }, findings));
  const what = `Trivy ${scanType} scan of ${targetInput}`;
  const verdict =
    blocking.length > 0
      ? `${what} found ${blocking.length} findings at or above ${threshold} (${severityCounts(blocking)}): fix them, or list accepted IDs in .trivyignore.`
      : `${what} found no findings at or above ${threshold}${findings.length > 0 ? ` (${findings.length} below it: ${severityCounts(findings)})` : ''}.`;
  const summary = addScanReport({ title: what, verdict, findings, omittedAnnotations: plan.omitted });
  if (process.env.GITHUB_STEP_SUMMARY) await summary.write();
  else summary.emptyBuffer();
  core.setOutput('findings', String(findings.length));
  core.setOutput('blocking', String(blocking.length));
  core.setOutput('sarif-file', sarifFile);

  // 4. Verdict.
  if (blocking.length > 0) core.setFailed(verdict);
  else core.info(verdict);
}

run().catch((err: unknown) => core.setFailed(failureSentence('image-scan', err)));
