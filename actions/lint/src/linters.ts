// The linters this action knows: how to call each one without a shell and how to read its report.
import { InputError, ToolReportError } from '../../kit/src/errors.js';
import type { Finding } from '../../kit/src/finding.js';
import type { ToolResult } from '../../kit/src/run-tool.js';
import { parseBlackReport, parsePylintReport, parseRuffReport } from './reports.js';

export type LinterName = 'ruff' | 'black' | 'pylint';

export interface Step {
  /** Shown in logs and errors, e.g. "ruff format". */
  label: string;
  args: (target: string) => string[];
  parse: (result: ToolResult, workspace: string) => Finding[];
}

export interface Linter {
  name: LinterName;
  /** The action input that overrides where the binary is. */
  pathInput: string;
  steps: Step[];
}

export const LINTERS: Record<LinterName, Linter> = {
  ruff: {
    name: 'ruff',
    pathInput: 'ruff-path',
    steps: [
      {
        label: 'ruff check',
        args: (target) => ['check', '--output-format', 'json', '--no-cache', target],
        parse: (r, ws) => parseRuffReport('ruff check', r.stdout, ws, r.stderr),
      },
      {
        label: 'ruff format',
        args: (target) => ['format', '--check', '--output-format', 'json', '--no-cache', target],
        parse: (r, ws) => parseRuffReport('ruff format', r.stdout, ws, r.stderr),
      },
    ],
  },
  black: {
    name: 'black',
    pathInput: 'black-path',
    steps: [
      {
        label: 'black',
        args: (target) => ['--check', '--no-color', target],
        parse: (r, ws) => parseBlackReport(r.stderr, r.exitCode, ws),
      },
    ],
  },
  pylint: {
    name: 'pylint',
    pathInput: 'pylint-path',
    steps: [
      {
        label: 'pylint',
        args: (target) => ['--output-format=json2', '--recursive=y', '--score=n', target],
        parse: (r, ws) => {
          // Exit status bit 32 is pylint's "usage error": its JSON would then be empty, not clean.
          if (r.exitCode & 32) {
            throw new ToolReportError(
              `pylint refused its arguments (${r.stderr.trim().split('\n')[0] ?? ''}); check the pylint configuration in the repository.`,
            );
          }
          return parsePylintReport(r.stdout, ws, r.stderr);
        },
      },
    ],
  },
};

const NAMES = Object.keys(LINTERS) as LinterName[];

/** The `linters` input: comma- or space-separated names, case-insensitive, duplicates ignored. */
export function parseLinters(input: string): LinterName[] {
  const words = input
    .split(/[\s,]+/)
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  if (words.length === 0) return ['ruff'];
  const unknown = words.filter((w) => !(NAMES as string[]).includes(w));
  if (unknown.length > 0) {
    throw new InputError(
      `The linters input names ${unknown.map((u) => `"${u}"`).join(', ')}, which this action does not know; use any of ${NAMES.join(', ')}.`,
    );
  }
  return [...new Set(words as LinterName[])];
}
