// The trivy command line for one scan. Pure, and without a shell: inputs end up as single argv entries.
import { InputError } from '../../kit/src/errors.js';

export const SCAN_TYPES = ['image', 'fs', 'config'] as const;
export type ScanType = (typeof SCAN_TYPES)[number];

export function parseScanType(input: string): ScanType {
  const value = input.trim() || 'fs';
  if ((SCAN_TYPES as readonly string[]).includes(value)) return value as ScanType;
  throw new InputError(
    `The scan-type input "${input}" is not one of ${SCAN_TYPES.join(', ')}: pick image for a built image, fs for a directory's packages or config for IaC files.`,
  );
}

export interface ScanOptions {
  scanType: ScanType;
  target: string;
  /** An image scan of a saved image (docker archive or OCI layout) rather than a name to pull. */
  targetIsFile: boolean;
  jsonFile: string;
  ignoreUnfixed: boolean;
  ignoreFile?: string;
}

export function trivyArgs(o: ScanOptions): string[] {
  return [
    o.scanType,
    '--format',
    'json',
    '--output',
    o.jsonFile,
    // The action decides pass/fail from the report, so Trivy itself always exits 0 on findings.
    '--exit-code',
    '0',
    // config scans use the checks embedded in the binary, so they work offline and never change under us.
    ...(o.scanType === 'config' ? ['--skip-check-update'] : ['--scanners', 'vuln']),
    ...(o.ignoreUnfixed && o.scanType !== 'config' ? ['--ignore-unfixed'] : []),
    ...(o.ignoreFile ? ['--ignorefile', o.ignoreFile] : []),
    ...(o.scanType === 'image' && o.targetIsFile ? ['--input', o.target] : [o.target]),
  ];
}

/** One sentence for a scan Trivy could not finish, from its log on stderr. */
export function scanFailure(stderr: string, target: string, exitCode: number): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // Trivy logs 'time<TAB>FATAL<TAB>Fatal error<TAB>run error: …' and then the causes as '* …' lines.
  const fatal =
    lines.find((l) => /\tFATAL\t/.test(l))?.replace(/^.*?\tFATAL\t(Fatal error\t)?/, '') ??
    lines.at(-1) ??
    `exit code ${exitCode}`;
  const cause = lines
    .filter((l) => l.startsWith('* '))
    .pop()
    ?.slice(2);
  if (fatal.includes('failed to download vulnerability DB')) {
    return `Trivy could not download its vulnerability database to scan ${target}${cause ? ` (${cause})` : ''}: let the runner reach mirror.gcr.io, or pass a report made elsewhere in the report input.`;
  }
  return `Trivy could not scan ${target}: ${(cause ? `${fatal} ${cause}` : fatal).slice(0, 400)}.`;
}
