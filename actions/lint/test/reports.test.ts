// Report shapes the real-tool tests do not produce here: older black wording, ruff without codes,
// and reports that are valid JSON but not the expected shape.
import { describe, expect, it } from '@jest/globals';
import { parseBlackReport, parsePylintReport, parseRuffReport } from '../src/reports.js';
import { parseLinters } from '../src/linters.js';

describe('parseBlackReport', () => {
  it('reads the older "cannot format" wording with its line and column', () => {
    const stderr = 'error: cannot format /ws/a.py: Cannot parse for target version Python 3.11: 3:7: def f(:\nOh no!\n';
    expect(parseBlackReport(stderr, 123, '/ws')).toEqual([
      {
        ruleId: 'black/cannot-parse',
        message: 'black cannot format this file: Cannot parse for target version Python 3.11.',
        file: 'a.py',
        line: 3,
        column: 7,
        level: 'error',
      },
    ]);
  });

  it('refuses a failing exit that names no file instead of reporting a clean run', () => {
    expect(() => parseBlackReport('Usage: black [OPTIONS]\n', 2, '/ws')).toThrow(
      'black exited with 2 but named no file (it said: Usage: black [OPTIONS]); run black --check locally to see why.',
    );
  });
});

describe('parseRuffReport', () => {
  it('falls back to the rule name when the code is null and to line 1 without a location', () => {
    const report = JSON.stringify([
      {
        code: null,
        name: 'io-error',
        message: 'cannot read',
        filename: '/ws/b.py',
        location: null,
        end_location: null,
      },
    ]);
    expect(parseRuffReport('ruff check', report, '/ws')).toEqual([
      { ruleId: 'ruff/io-error', message: 'cannot read', file: 'b.py', line: 1, level: 'error' },
    ]);
  });

  it('refuses JSON that is not a list of diagnostics', () => {
    expect(() => parseRuffReport('ruff check', '{"ok":true}', '/ws')).toThrow(
      'ruff check printed JSON that is not a list of diagnostics; check that the binary is ruff 0.9 or newer.',
    );
  });
});

describe('parsePylintReport', () => {
  it('refuses the old json format, which is a bare list', () => {
    expect(() => parsePylintReport('[]', '/ws')).toThrow(
      'pylint printed JSON without a messages list; check that the binary is pylint 3 or newer (json2 output).',
    );
  });
});

describe('parseLinters', () => {
  it('accepts commas or spaces in any case, drops duplicates and defaults to ruff', () => {
    expect(parseLinters(' Ruff, black pylint,ruff ')).toEqual(['ruff', 'black', 'pylint']);
    expect(parseLinters('')).toEqual(['ruff']);
  });
});
