// SARIF 2.1.0 for GitHub code scanning: one run, one rule per distinct ruleId, one result per finding.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Finding, Level } from './finding.js';

export interface SarifTool {
  name: string;
  version: string;
  informationUri: string;
}

const SARIF_LEVEL: Record<Level, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', notice: 'note' };

/** A workspace-relative path as a SARIF URI reference: forward slashes, each segment percent-encoded. */
export function toUri(file: string): string {
  return file
    .replace(/\\/g, '/')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

export function toSarif(tool: SarifTool, findings: readonly Finding[]): object {
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))].sort();
  const results = findings.map((f) => {
    const startLine = Math.max(1, f.line);
    return {
      ruleId: f.ruleId,
      ruleIndex: ruleIds.indexOf(f.ruleId),
      level: SARIF_LEVEL[f.level],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: toUri(f.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine,
              ...(f.endLine !== undefined ? { endLine: Math.max(startLine, f.endLine) } : {}),
              ...(f.column !== undefined && f.column > 0 ? { startColumn: f.column } : {}),
            },
          },
        },
      ],
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            informationUri: tool.informationUri,
            rules: ruleIds.map((id) => ({ id, name: id })),
          },
        },
        results,
      },
    ],
  };
}

export async function writeSarif(path: string, sarif: object): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(sarif, null, 2)}\n`, 'utf8');
}
