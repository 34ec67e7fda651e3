import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrivyReport, toScanFindings, type ReportContext } from '../src/trivy-report.js';
import { parseTrivyignore } from '../src/trivyignore.js';
import { parseThreshold } from '../src/severity.js';
import { parseScanType, scanFailure, trivyArgs } from '../src/scan-args.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const ctx: ReportContext = {
  targetDir: '',
  imageFile: 'training/Dockerfile',
  threshold: 'HIGH',
  ignoreUnfixed: false,
  ignored: new Set(),
};

describe('toScanFindings on an image report', () => {
  const report = parseTrivyReport(fixture('image-report.json'), 'image-report.json');

  it('lists every vulnerability most severe first, OS and language packages on the Dockerfile', () => {
    const findings = toScanFindings(report, ctx);
    expect(findings.map((f) => [f.ruleId, f.severity, f.level, f.file, f.pkg, f.installed, f.fixed])).toEqual([
      ['CVE-2026-10001', 'CRITICAL', 'error', 'training/Dockerfile', 'libssl3', '3.0.15-1~deb12u1', '3.0.16-1~deb12u1'],
      ['CVE-2026-10002', 'HIGH', 'error', 'training/Dockerfile', 'zlib1g', '1:1.2.13.dfsg-1', undefined],
      ['CVE-2026-20001', 'MEDIUM', 'warning', 'training/Dockerfile', 'requests', '2.31.0', '2.32.0'],
      ['CVE-2026-10003', 'LOW', 'notice', 'training/Dockerfile', 'tar', '1.34+dfsg-1.2', '1.34+dfsg-1.2+deb12u1'],
    ]);
    expect(findings[1]?.message).toBe(
      'zlib1g 1:1.2.13.dfsg-1 has CVE-2026-10002 (HIGH), no fixed version yet: zlib: heap overflow in inflate.',
    );
  });

  it('leaves out unfixed vulnerabilities when asked', () => {
    expect(toScanFindings(report, { ...ctx, ignoreUnfixed: true }).map((f) => f.ruleId)).toEqual([
      'CVE-2026-10001',
      'CVE-2026-20001',
      'CVE-2026-10003',
    ]);
  });

  it('leaves out IDs listed in .trivyignore', () => {
    const ignored = parseTrivyignore(
      '# accepted until the base image moves\nCVE-2026-10001\n',
      new Date('2026-11-26T00:00:00Z'),
    );
    expect(toScanFindings(report, { ...ctx, ignored }).map((f) => f.ruleId)).toEqual([
      'CVE-2026-10002',
      'CVE-2026-20001',
      'CVE-2026-10003',
    ]);
  });

  it('marks findings at or above a lower threshold as errors', () => {
    expect(toScanFindings(report, { ...ctx, threshold: 'LOW' }).map((f) => f.level)).toEqual([
      'error',
      'error',
      'error',
      'error',
    ]);
  });
});

describe('toScanFindings on a filesystem report', () => {
  it('places lockfile findings under the scanned directory and skips results without vulnerabilities', () => {
    const findings = toScanFindings(parseTrivyReport(fixture('fs-report.json'), 'fs'), {
      ...ctx,
      targetDir: 'training',
    });
    expect(findings.map((f) => [f.ruleId, f.file, f.line])).toEqual([
      ['CVE-2026-30001', 'training/requirements.txt', 1],
    ]);
  });
});

describe('toScanFindings on misconfigurations', () => {
  const report = parseTrivyReport(
    JSON.stringify({
      SchemaVersion: 2,
      ArtifactType: 'filesystem',
      Results: [
        {
          Target: 'k8s/job.yaml',
          Class: 'config',
          Misconfigurations: [
            {
              ID: 'KSV-0014',
              AVDID: 'AVD-KSV-0014',
              Title: 'Root file system is not read-only',
              Message: 'Set readOnlyRootFilesystem',
              Severity: 'HIGH',
              Status: 'FAIL',
              CauseMetadata: { StartLine: 12, EndLine: 20 },
            },
            { ID: 'KSV-0001', Title: 'Passed check', Severity: 'MEDIUM', Status: 'PASS', CauseMetadata: {} },
            { ID: 'DS-0026', Title: 'No HEALTHCHECK defined', Severity: 'LOW', Status: 'FAIL' },
          ],
        },
      ],
    }),
    'inline',
  );

  it('keeps failed checks with their lines and drops passed ones', () => {
    const findings = toScanFindings(report, { ...ctx, targetDir: 'infra' });
    expect(findings.map((f) => [f.ruleId, f.file, f.line, f.endLine, f.level, f.message])).toEqual([
      [
        'KSV-0014',
        'infra/k8s/job.yaml',
        12,
        20,
        'error',
        'Root file system is not read-only (HIGH): Set readOnlyRootFilesystem',
      ],
      ['DS-0026', 'infra/k8s/job.yaml', 1, undefined, 'notice', 'No HEALTHCHECK defined (LOW)'],
    ]);
  });

  it('accepts the AVD form of an ID in .trivyignore', () => {
    expect(toScanFindings(report, { ...ctx, ignored: new Set(['AVD-KSV-0014']) }).map((f) => f.ruleId)).toEqual([
      'DS-0026',
    ]);
  });
});

describe('parseTrivyReport', () => {
  it('refuses text that is not JSON', () => {
    expect(() => parseTrivyReport('not json', 'scan.json')).toThrow(
      'The Trivy report scan.json is not JSON: produce it with trivy --format json.',
    );
  });

  it('refuses a report of another schema version', () => {
    expect(() => parseTrivyReport('{"SchemaVersion": 1}', 'old.json')).toThrow(
      'The Trivy report old.json has SchemaVersion 1, not 2: produce it with a Trivy release from 0.20 on and --format json.',
    );
  });
});

describe('parseTrivyignore', () => {
  it('keeps IDs until their expiry date and ignores comments', () => {
    const text = 'CVE-1 # reason\n\nCVE-2 exp:2026-11-25\nCVE-3 exp:2026-11-26\n# CVE-4\n';
    expect([...parseTrivyignore(text, new Date('2026-11-26T12:00:00Z'))]).toEqual(['CVE-1', 'CVE-3']);
  });
});

describe('inputs', () => {
  it('refuses an unknown severity in one sentence', () => {
    expect(() => parseThreshold('severe')).toThrow(
      'The severity input "severe" is not a Trivy severity: use one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL; findings at or above it fail the step.',
    );
  });

  it('reads severities in any case and defaults to HIGH', () => {
    expect([parseThreshold('critical'), parseThreshold('')]).toEqual(['CRITICAL', 'HIGH']);
  });

  it('refuses an unknown scan type in one sentence', () => {
    expect(() => parseScanType('repo')).toThrow(
      'The scan-type input "repo" is not one of image, fs, config: pick image for a built image, fs for a directory\'s packages or config for IaC files.',
    );
  });
});

describe('trivyArgs', () => {
  it('scans config offline with the embedded checks', () => {
    expect(
      trivyArgs({
        scanType: 'config',
        target: '/w/infra',
        targetIsFile: true,
        jsonFile: '/t/r.json',
        ignoreUnfixed: true,
        ignoreFile: '/w/.trivyignore',
      }),
    ).toEqual([
      'config',
      '--format',
      'json',
      '--output',
      '/t/r.json',
      '--exit-code',
      '0',
      '--skip-check-update',
      '--ignorefile',
      '/w/.trivyignore',
      '/w/infra',
    ]);
  });

  it('scans a saved image through --input and can skip unfixed vulnerabilities', () => {
    expect(
      trivyArgs({
        scanType: 'image',
        target: '/w/image.tar',
        targetIsFile: true,
        jsonFile: '/t/r.json',
        ignoreUnfixed: true,
      }),
    ).toEqual([
      'image',
      '--format',
      'json',
      '--output',
      '/t/r.json',
      '--exit-code',
      '0',
      '--scanners',
      'vuln',
      '--ignore-unfixed',
      '--input',
      '/w/image.tar',
    ]);
  });

  it('scans an image by name', () => {
    expect(
      trivyArgs({
        scanType: 'image',
        target: 'alpine:3.20',
        targetIsFile: false,
        jsonFile: '/t/r.json',
        ignoreUnfixed: false,
      }).at(-1),
    ).toBe('alpine:3.20');
  });
});

describe('scanFailure', () => {
  it("names the fatal error and its cause from Trivy's log", () => {
    const stderr =
      '2026-11-26T22:00:00Z\tINFO\tscanning\n2026-11-26T22:00:01Z\tFATAL\tFatal error\tscan error: unable to open archive: 1 error occurred:\n\t* open /w/image.tar: no such file or directory\n';
    expect(scanFailure(stderr, 'image.tar', 1)).toBe(
      'Trivy could not scan image.tar: scan error: unable to open archive: 1 error occurred: open /w/image.tar: no such file or directory.',
    );
  });

  it('falls back to the exit code when Trivy printed nothing', () => {
    expect(scanFailure('', 'x', 2)).toBe('Trivy could not scan x: exit code 2.');
  });
});
