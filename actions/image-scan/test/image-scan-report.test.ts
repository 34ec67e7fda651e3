// The image-scan action through its real entry with Trivy reports made earlier (the vulnerability database
// cannot be downloaded here, so vulnerability scans are tested from reports in Trivy's JSON format).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../../../test/support/run-action.js';

// Each test starts the action as a node process; on two busy cores that takes a few seconds.
jest.setTimeout(60_000);

let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'image-scan-ws-'));
  mkdirSync(join(workspace, 'reports'));
  for (const name of ['image-report.json', 'fs-report.json'])
    copyFileSync(join(import.meta.dirname, 'fixtures', name), join(workspace, 'reports', name));
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const image = (inputs: Record<string, string> = {}): Record<string, string> => ({
  'scan-type': 'image',
  target: 'ghcr.io/example/trainer:0123abc',
  report: 'reports/image-report.json',
  dockerfile: 'training/Dockerfile',
  'sarif-file': join(workspace, 'out', 'image.sarif'),
  severity: 'HIGH',
  'ignore-unfixed': 'false',
  ...inputs,
});

describe('image-scan from a vulnerability report', () => {
  it('fails at the threshold with one sentence, annotates the Dockerfile and writes outputs and SARIF', async () => {
    const run = await runAction('image-scan', { workspace, inputs: image() });
    expect(run.exitCode).toBe(1);
    const annotations = run.commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command));
    expect(annotations.map((c) => [c.command, c.properties.file, c.properties.line, c.properties.title])).toEqual([
      ['error', 'training/Dockerfile', '1', 'CVE-2026-10001'],
      ['error', 'training/Dockerfile', '1', 'CVE-2026-10002'],
      ['warning', 'training/Dockerfile', '1', 'CVE-2026-20001'],
      ['notice', 'training/Dockerfile', '1', 'CVE-2026-10003'],
      ['error', undefined, undefined, undefined],
    ]);
    expect(annotations.at(-1)?.message).toBe(
      'Trivy image scan of ghcr.io/example/trainer:0123abc found 2 findings at or above HIGH (1 CRITICAL, 1 HIGH): fix them, or list accepted IDs in .trivyignore.',
    );
    expect(run.outputs).toEqual({ findings: '4', blocking: '2', 'sarif-file': join(workspace, 'out', 'image.sarif') });
    const sarif = JSON.parse(readFileSync(join(workspace, 'out', 'image.sarif'), 'utf8'));
    expect(sarif.runs[0].results.map((r: { ruleId: string; level: string }) => `${r.ruleId}:${r.level}`)).toEqual([
      'CVE-2026-10001:error',
      'CVE-2026-10002:error',
      'CVE-2026-20001:warning',
      'CVE-2026-10003:note',
    ]);
  });

  it('groups the summary by severity with package, installed and fixed version, escaping HTML', async () => {
    const run = await runAction('image-scan', { workspace, inputs: image() });
    const headings = [...run.summary.matchAll(/<h3>(.*?)<\/h3>/g)].map((m) => m[1]);
    expect(headings).toEqual(['CRITICAL (1)', 'HIGH (1)', 'MEDIUM (1)', 'LOW (1)']);
    expect(run.summary).toContain(
      '<tr><td>CVE-2026-10001</td><td>libssl3</td><td>3.0.15-1~deb12u1</td><td>3.0.16-1~deb12u1</td><td>ghcr.io/example/trainer:0123abc (debian 12.8)</td><td>openssl: out-of-bounds write in a certificate parser</td></tr>',
    );
    expect(run.summary).toContain('<td>CVE-2026-10002</td><td>zlib1g</td><td>1:1.2.13.dfsg-1</td><td>–</td>');
    expect(run.summary).toContain('tar: &lt;script&gt; in a file name is echoed');
    expect(run.summary).not.toContain('<script>');
  });

  it('leaves unfixed vulnerabilities out of the count and the verdict when ignore-unfixed is set', async () => {
    const run = await runAction('image-scan', {
      workspace,
      inputs: image({ severity: 'CRITICAL', 'ignore-unfixed': 'true' }),
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.findings).toBe('3');
    expect(run.outputs.blocking).toBe('1');
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.properties.title)).toEqual([
      'CVE-2026-10001',
    ]);
  });

  it('honours the workspace .trivyignore', async () => {
    writeFileSync(join(workspace, '.trivyignore'), 'CVE-2026-10001\nCVE-2026-10002 exp:2099-01-01\n');
    try {
      const run = await runAction('image-scan', { workspace, inputs: image() });
      expect(run.exitCode).toBe(0);
      expect(run.outputs.findings).toBe('2');
      expect(run.summary).toContain('found no findings at or above HIGH (2 below it: 1 MEDIUM, 1 LOW).');
    } finally {
      rmSync(join(workspace, '.trivyignore'));
    }
  });

  it("puts a directory scan's lockfile findings under that directory", async () => {
    mkdirSync(join(workspace, 'training'), { recursive: true });
    const run = await runAction('image-scan', {
      workspace,
      inputs: { 'scan-type': 'fs', target: 'training', report: 'reports/fs-report.json' },
    });
    expect(run.exitCode).toBe(1);
    expect(
      run.commands.filter((c) => c.command === 'error').map((c) => [c.properties.file, c.properties.title]),
    ).toEqual([
      ['training/requirements.txt', 'CVE-2026-30001'],
      [undefined, undefined],
    ]);
  });

  it('fails with one sentence on an unknown severity', async () => {
    const run = await runAction('image-scan', { workspace, inputs: image({ severity: 'urgent' }) });
    expect(run.exitCode).toBe(1);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      'The severity input "urgent" is not a Trivy severity: use one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL; findings at or above it fail the step.',
    ]);
  });
});
