// Trivy's JSON report (SchemaVersion 2) reduced to findings. Pure: the entry reads the file and passes
// the text, the scan target's place in the workspace and the filters.
import { posix } from 'node:path';
import { InputError } from '../../kit/src/errors.js';
import type { Finding } from '../../kit/src/finding.js';
import { rank, toSeverity, type Severity } from './severity.js';

interface TrivyVulnerability {
  VulnerabilityID?: string;
  PkgName?: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Status?: string;
  Severity?: string;
  Title?: string;
}

interface TrivyMisconfiguration {
  ID?: string;
  AVDID?: string;
  Title?: string;
  Message?: string;
  Severity?: string;
  Status?: string;
  CauseMetadata?: { StartLine?: number; EndLine?: number };
}

interface TrivyResult {
  Target?: string;
  Class?: string;
  Vulnerabilities?: TrivyVulnerability[] | null;
  Misconfigurations?: TrivyMisconfiguration[] | null;
}

export interface TrivyReport {
  SchemaVersion?: number;
  ArtifactName?: string;
  ArtifactType?: string;
  Trivy?: { Version?: string };
  Results?: TrivyResult[] | null;
}

export interface ScanFinding extends Finding {
  kind: 'vulnerability' | 'misconfiguration';
  severity: Severity;
  /** What Trivy reported on: a file, or the image for OS packages. */
  target: string;
  title: string;
  pkg?: string;
  installed?: string;
  fixed?: string;
}

export interface ReportContext {
  /** Where the scanned target sits in the workspace ('' for the root), prefixed to Trivy's relative targets. */
  targetDir: string;
  /** The workspace file that image vulnerabilities are annotated on (their target is not a file). */
  imageFile: string;
  threshold: Severity;
  ignoreUnfixed: boolean;
  ignored: ReadonlySet<string>;
}

export function parseTrivyReport(text: string, source: string): TrivyReport {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new InputError(`The Trivy report ${source} is not JSON: produce it with trivy --format json.`);
  }
  const version = (report as TrivyReport | null)?.SchemaVersion;
  if (typeof report !== 'object' || report === null || version !== 2) {
    throw new InputError(
      `The Trivy report ${source} has SchemaVersion ${String(version)}, not 2: produce it with a Trivy release from 0.20 on and --format json.`,
    );
  }
  return report as TrivyReport;
}

function level(severity: Severity, threshold: Severity): Finding['level'] {
  if (rank(severity) >= rank(threshold)) return 'error';
  return rank(severity) >= rank('MEDIUM') ? 'warning' : 'notice';
}

const order = (a: ScanFinding, b: ScanFinding): number =>
  rank(b.severity) - rank(a.severity) ||
  a.ruleId.localeCompare(b.ruleId) ||
  a.file.localeCompare(b.file) ||
  a.line - b.line ||
  (a.pkg ?? '').localeCompare(b.pkg ?? '');

/** Every vulnerability and failed misconfiguration not filtered out, most severe first. */
export function toScanFindings(report: TrivyReport, ctx: ReportContext): ScanFinding[] {
  const findings: ScanFinding[] = [];
  const inWorkspace = (target: string): string => posix.normalize(posix.join(ctx.targetDir, target));
  for (const result of report.Results ?? []) {
    const target = result.Target ?? '';
    // OS packages are reported against the image ('alpine:3.20 (alpine 3.20.3)'), language packages against a file.
    const vulnFile =
      result.Class === 'os-pkgs' || report.ArtifactType === 'container_image' ? ctx.imageFile : inWorkspace(target);
    for (const v of result.Vulnerabilities ?? []) {
      const id = v.VulnerabilityID ?? 'unknown';
      if (ctx.ignored.has(id)) continue;
      if (ctx.ignoreUnfixed && !v.FixedVersion) continue;
      const severity = toSeverity(v.Severity);
      const fix = v.FixedVersion ? `fixed in ${v.FixedVersion}` : 'no fixed version yet';
      findings.push({
        kind: 'vulnerability',
        severity,
        target,
        ruleId: id,
        file: vulnFile,
        line: 1,
        level: level(severity, ctx.threshold),
        title: v.Title ?? '',
        message: `${v.PkgName ?? '?'} ${v.InstalledVersion ?? '?'} has ${id} (${severity}), ${fix}${v.Title ? `: ${v.Title}` : ''}.`,
        pkg: v.PkgName,
        installed: v.InstalledVersion,
        fixed: v.FixedVersion || undefined,
      });
    }
    for (const m of result.Misconfigurations ?? []) {
      if (m.Status && m.Status !== 'FAIL') continue;
      const id = m.ID ?? m.AVDID ?? 'unknown';
      if (ctx.ignored.has(id) || (m.AVDID !== undefined && ctx.ignored.has(m.AVDID))) continue;
      const severity = toSeverity(m.Severity);
      const start = m.CauseMetadata?.StartLine ?? 0;
      const end = m.CauseMetadata?.EndLine ?? 0;
      findings.push({
        kind: 'misconfiguration',
        severity,
        target,
        ruleId: id,
        file: inWorkspace(target),
        line: Math.max(1, start),
        ...(end > start ? { endLine: end } : {}),
        level: level(severity, ctx.threshold),
        title: m.Title ?? '',
        message: `${m.Title ?? id} (${severity})${m.Message ? `: ${m.Message}` : ''}`,
      });
    }
  }
  return findings.sort(order);
}
