// The image-scan action through its real entry with the real, pinned Trivy (TRAINBOT_TRIVY, from
// scripts/tools/trivy.sh). Config scans run offline with Trivy's embedded checks; an image scan needs the
// vulnerability database, which cannot be downloaded here, so only its failure sentence is tested live.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runAction, type ActionRun } from '../../../test/support/run-action.js';
import { buildOciImage } from '../../image-push/test/oci-image.js';

// Each test starts node and Trivy; on two busy cores that takes a few seconds.
jest.setTimeout(120_000);

const trivy = process.env.TRAINBOT_TRIVY ?? 'trivy';
const located = (run: ActionRun) =>
  run.commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command) && c.properties.file);
const failure = (run: ActionRun) =>
  run.commands.filter((c) => c.command === 'error' && !c.properties.file).map((c) => c.message);

// Runs as root (no USER), uses a moving tag, keeps apk's cache, has no HEALTHCHECK.
const BAD_DOCKERFILE = ['FROM alpine:latest', 'RUN apk add curl', 'CMD ["sh"]', ''].join('\n');
// A privileged pod in the default namespace: the container's lines are 7-10.
const BAD_POD = [
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: bad',
  'spec:',
  '  containers:',
  '    - name: c',
  '      image: alpine:3.20',
  '      securityContext:',
  '        privileged: true',
  '',
].join('\n');

let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'image-scan-trivy-'));
  mkdirSync(join(workspace, 'images', 'bad'), { recursive: true });
  writeFileSync(join(workspace, 'images', 'bad', 'Dockerfile'), BAD_DOCKERFILE);
  mkdirSync(join(workspace, 'deploy', 'k8s'), { recursive: true });
  writeFileSync(join(workspace, 'deploy', 'k8s', 'pod.yaml'), BAD_POD);
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const config = (target: string, inputs: Record<string, string> = {}): Record<string, string> => ({
  'scan-type': 'config',
  target,
  severity: 'HIGH',
  'trivy-path': trivy,
  'sarif-file': `out/${target.replace(/\W/g, '-')}.sarif`,
  ...inputs,
});

describe('image-scan config with the real Trivy', () => {
  it('annotates a root Dockerfile on its file and lines and fails at HIGH with one sentence', async () => {
    const run = await runAction('image-scan', { workspace, inputs: config('images') });
    expect(run.exitCode).toBe(1);
    expect(located(run).map((c) => [c.command, c.properties.title, c.properties.file, c.properties.line])).toEqual([
      ['error', 'DS-0002', 'images/bad/Dockerfile', '1'],
      ['error', 'DS-0025', 'images/bad/Dockerfile', '2'],
      ['warning', 'DS-0001', 'images/bad/Dockerfile', '1'],
      ['notice', 'DS-0026', 'images/bad/Dockerfile', '1'],
    ]);
    expect(failure(run)).toEqual([
      'Trivy config scan of images found 2 findings at or above HIGH (2 HIGH): fix them, or list accepted IDs in .trivyignore.',
    ]);
    expect(run.outputs).toEqual({ findings: '4', blocking: '2', 'sarif-file': join(workspace, 'out', 'images.sarif') });
    const sarif = JSON.parse(readFileSync(join(workspace, 'out', 'images.sarif'), 'utf8'));
    expect(sarif.runs[0].tool.driver.name).toBe('Trivy');
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual([
      'DS-0002',
      'DS-0025',
      'DS-0001',
      'DS-0026',
    ]);
    expect([...run.summary.matchAll(/<h3>(.*?)<\/h3>/g)].map((m) => m[1])).toEqual([
      'HIGH (2)',
      'MEDIUM (1)',
      'LOW (1)',
    ]);
    expect(run.summary).toContain(
      "<td>DS-0025</td><td>–</td><td>–</td><td>–</td><td>images/bad/Dockerfile:2</td><td>'apk add' is missing '--no-cache'</td>",
    );
  });

  it('maps a manifest finding to its lines under the scanned directory and reports annotations GitHub would drop', async () => {
    const run = await runAction('image-scan', { workspace, inputs: config('deploy') });
    expect(run.exitCode).toBe(1);
    const privileged = located(run).find((c) => c.properties.title === 'KSV-0017');
    expect(privileged?.properties).toEqual({
      title: 'KSV-0017',
      file: 'deploy/k8s/pod.yaml',
      line: '7',
      endLine: '10',
    });
    const perLevel = (level: string) => located(run).filter((c) => c.command === level).length;
    const findings = Number(run.outputs.findings);
    const shown = perLevel('error') + perLevel('warning') + perLevel('notice');
    expect(Math.max(perLevel('error'), perLevel('warning'), perLevel('notice'))).toBeLessThanOrEqual(10);
    expect(findings).toBeGreaterThan(shown);
    expect(run.summary).toContain(
      `${findings - shown} findings have no annotation because GitHub shows at most 10 of each level per step.`,
    );
  });

  it('honours .trivyignore in a live scan', async () => {
    writeFileSync(join(workspace, '.trivyignore'), '# accepted for the test\nDS-0002\nAVD-DS-0025\n');
    try {
      const run = await runAction('image-scan', { workspace, inputs: config('images') });
      expect(run.exitCode).toBe(0);
      expect(run.outputs.findings).toBe('2');
      expect(run.outputs.blocking).toBe('0');
      expect(run.summary).toContain(
        'Trivy config scan of images found no findings at or above HIGH (2 below it: 1 MEDIUM, 1 LOW).',
      );
    } finally {
      rmSync(join(workspace, '.trivyignore'));
    }
  });

  it("scans this repository's Dockerfiles, manifests and Terraform, reporting every finding on a real file", async () => {
    for (const target of ['training', 'infrastructure']) {
      const sarifFile = join(workspace, 'out', `repo-${target}.sarif`);
      const run = await runAction('image-scan', {
        workspace: REPO_ROOT,
        inputs: config(target, { 'sarif-file': sarifFile }),
      });
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(Number(run.outputs.blocking) > 0 ? 1 : 0);
      const sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
      expect(sarif.runs[0].results).toHaveLength(Number(run.outputs.findings));
      for (const c of located(run)) expect(existsSync(join(REPO_ROOT, c.properties.file ?? ''))).toBe(true);
      expect(run.summary).toContain(`Trivy config scan of ${target} found`);
    }
  });

  it('fails with one sentence when the trivy binary is missing', async () => {
    const run = await runAction('image-scan', {
      workspace,
      inputs: config('images', { 'trivy-path': '/nonexistent/trivy' }),
    });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toEqual([
      'Could not start /nonexistent/trivy: it was not found or is not executable; install it or set the trivy-path input to its full path.',
    ]);
  });
});

describe('image-scan image with the real Trivy', () => {
  it('says in one sentence that the vulnerability database is out of reach', async () => {
    const image = buildOciImage('scanned\n');
    const cache = mkdtempSync(join(tmpdir(), 'trivy-cache-'));
    try {
      // An empty cache and a database address nothing listens on: offline on any machine, even one with internet.
      const run = await runAction('image-scan', {
        workspace: join(image.dir, '..'),
        inputs: { 'scan-type': 'image', target: 'layout', 'trivy-path': trivy },
        env: { TRIVY_CACHE_DIR: cache, TRIVY_DB_REPOSITORY: '127.0.0.1:9/trivy-db' },
      });
      expect(run.exitCode).toBe(1);
      expect(failure(run)).toEqual([
        'Trivy could not download its vulnerability database to scan layout (Get "https://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused; Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused): let the runner reach mirror.gcr.io, or pass a report made elsewhere in the report input.',
      ]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(join(image.dir, '..'), { recursive: true, force: true });
    }
  });
});
