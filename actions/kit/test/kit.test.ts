import { describe, expect, it } from '@jest/globals';
import { mkdtemp, mkdir, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annotationProperties, planAnnotations } from '../src/annotate.js';
import { failureSentence, InputError } from '../src/errors.js';
import { failingFindings, parseFailOn } from '../src/fail-on.js';
import { countByLevel, type Finding } from '../src/finding.js';
import { runTool, ToolNotFoundError } from '../src/run-tool.js';
import { toSarif, toUri, writeSarif } from '../src/sarif.js';
import { escapeHtml, findingRows, ruleCountRows } from '../src/summary.js';
import { renamedInput } from '../src/renamed-input.js';
import { resolveInWorkspace, toWorkspaceRelative } from '../src/workspace-path.js';

const finding = (over: Partial<Finding>): Finding => ({
  ruleId: 'R1',
  message: 'something',
  file: 'a.py',
  line: 1,
  level: 'error',
  ...over,
});

describe('planAnnotations', () => {
  it('keeps the first max findings of each level and counts the rest as omitted', () => {
    const errors = Array.from({ length: 12 }, (_, i) => finding({ line: i + 1 }));
    const warnings = Array.from({ length: 3 }, (_, i) => finding({ level: 'warning', line: 100 + i }));
    const plan = planAnnotations([...errors, ...warnings], 10);
    expect(plan.shown.map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 101, 102]);
    expect(plan.omitted).toBe(2);
  });

  it('maps a finding to annotation properties with the rule as title and a line of at least 1', () => {
    expect(annotationProperties(finding({ line: 0, column: 5, ruleId: 'F401' }))).toEqual({
      title: 'F401',
      file: 'a.py',
      startLine: 1,
      endLine: 1,
      startColumn: 5,
    });
    expect(annotationProperties(finding({ line: 4, endLine: 7 }))).toEqual({
      title: 'R1',
      file: 'a.py',
      startLine: 4,
      endLine: 7,
    });
  });
});

describe('toSarif', () => {
  const tool = { name: 'ruff', version: '0.17.6', informationUri: 'https://docs.astral.sh/ruff/' };

  it('produces one sorted rule per id and a result per finding with SARIF levels and regions', () => {
    const sarif = toSarif(tool, [
      finding({ ruleId: 'W2', level: 'notice', file: 'src/my file.py', line: 3, column: 2 }),
      finding({ ruleId: 'E1', level: 'warning', line: 9, endLine: 11 }),
    ]) as { version: string; runs: Array<{ tool: { driver: { rules: unknown[] } }; results: unknown[] }> };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.tool.driver.rules).toEqual([
      { id: 'E1', name: 'E1' },
      { id: 'W2', name: 'W2' },
    ]);
    expect(sarif.runs[0]?.results).toEqual([
      {
        ruleId: 'W2',
        ruleIndex: 1,
        level: 'note',
        message: { text: 'something' },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: 'src/my%20file.py', uriBaseId: '%SRCROOT%' },
              region: { startLine: 3, startColumn: 2 },
            },
          },
        ],
      },
      {
        ruleId: 'E1',
        ruleIndex: 0,
        level: 'warning',
        message: { text: 'something' },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: 'a.py', uriBaseId: '%SRCROOT%' },
              region: { startLine: 9, endLine: 11 },
            },
          },
        ],
      },
    ]);
  });

  it('writes the SARIF as JSON, creating the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sarif-'));
    const path = join(dir, 'nested', 'out.sarif');
    await writeSarif(path, toSarif(tool, []));
    expect(JSON.parse(await readFile(path, 'utf8')).runs[0].results).toEqual([]);
  });

  it('percent-encodes path segments but keeps the slashes', () => {
    expect(toUri('dir\\sub/a#b.py')).toBe('dir/sub/a%23b.py');
  });
});

describe('summary rows', () => {
  it('counts findings per rule, most frequent first, then by rule id', () => {
    const rows = ruleCountRows([
      finding({ ruleId: 'B' }),
      finding({ ruleId: 'A' }),
      finding({ ruleId: 'C' }),
      finding({ ruleId: 'C' }),
    ]);
    expect(rows.slice(1)).toEqual([
      ['C', 'error', '2'],
      ['A', 'error', '1'],
      ['B', 'error', '1'],
    ]);
  });

  it('escapes HTML in every text cell because core.summary inserts cells raw', () => {
    const rows = findingRows([finding({ file: '<a>.py', ruleId: 'x&y', message: '<script>"hi"</script>' })]);
    expect(rows[1]).toEqual(['&lt;a&gt;.py', '1', 'x&amp;y', 'error', '&lt;script&gt;&quot;hi&quot;&lt;/script&gt;']);
    expect(escapeHtml('a<b')).toBe('a&lt;b');
  });

  it('lists at most the given number of findings', () => {
    expect(
      findingRows(
        Array.from({ length: 5 }, () => finding({})),
        2,
      ),
    ).toHaveLength(3);
  });
});

describe('fail-on', () => {
  const all = [finding({ level: 'error' }), finding({ level: 'warning' }), finding({ level: 'notice' })];

  it('fails on errors by default, on warnings too with warning, and never with never', () => {
    expect(failingFindings(all, parseFailOn('')).map((f) => f.level)).toEqual(['error']);
    expect(failingFindings(all, parseFailOn('Warning')).map((f) => f.level)).toEqual(['error', 'warning']);
    expect(failingFindings(all, parseFailOn('never'))).toEqual([]);
    expect(countByLevel(all)).toEqual({ error: 1, warning: 1, notice: 1 });
  });

  it('rejects an unknown value with a sentence listing the valid ones', () => {
    expect(() => parseFailOn('sometimes')).toThrow(
      new InputError('The fail-on input "sometimes" is not one of error, warning, never; pick one of them.'),
    );
  });
});

describe('resolveInWorkspace', () => {
  it('resolves relative paths inside the workspace', () => {
    expect(resolveInWorkspace('/ws', 'training/src', 'path')).toBe('/ws/training/src');
    expect(resolveInWorkspace('/ws', '', 'path')).toBe('/ws');
    expect(toWorkspaceRelative('/ws', '/ws/a/b.py')).toBe('a/b.py');
  });

  it.each(['..', '../other', '/etc', 'a/../../x'])('refuses %s, which escapes the workspace', (input) => {
    expect(() => resolveInWorkspace('/ws', input, 'path')).toThrow(
      `The path input "${input}" is outside the workspace /ws; give a path inside the repository.`,
    );
  });

  it('refuses a symlink inside the workspace that points outside it', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'ws-'));
    const outside = await mkdtemp(join(tmpdir(), 'outside-'));
    await mkdir(join(ws, 'real'));
    await symlink(outside, join(ws, 'link'));
    expect(resolveInWorkspace(ws, 'real', 'path')).toBe(join(ws, 'real'));
    expect(() => resolveInWorkspace(ws, 'link', 'path')).toThrow(InputError);
  });
});

describe('runTool', () => {
  it('returns the exit code and output of a failing command without throwing', async () => {
    const result = await runTool(process.execPath, ['-e', 'console.log("out"); console.error("err"); process.exit(3)']);
    expect(result).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes arguments verbatim, without a shell', async () => {
    const result = await runTool(process.execPath, ['-e', 'console.log(process.argv[1])', '$(echo hi); ls *']);
    expect(result.stdout).toBe('$(echo hi); ls *\n');
  });

  it('names the binary and the input to set when the binary is missing', async () => {
    await expect(runTool('/nonexistent/ruff', ['check'], { pathInput: 'ruff-path' })).rejects.toThrow(
      'Could not start /nonexistent/ruff: it was not found or is not executable; install it or set the ruff-path input to its full path.',
    );
    await expect(runTool('/nonexistent/ruff', [])).rejects.toBeInstanceOf(ToolNotFoundError);
    await expect(runTool('no-such-tool-trainbot', [])).rejects.toThrow(
      'Could not start no-such-tool-trainbot: it was not found or is not executable; install it.',
    );
  });
});

describe('failureSentence', () => {
  it('passes user errors through and marks anything else as unexpected', () => {
    expect(failureSentence('lint', new InputError('Bad input.'))).toBe('Bad input.');
    expect(failureSentence('lint', new ToolNotFoundError('No tool.'))).toBe('No tool.');
    expect(failureSentence('lint', new TypeError('x is undefined'))).toBe(
      'lint stopped on an unexpected error: x is undefined',
    );
  });
});

describe('renamedInput', () => {
  const from = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';

  it('reads the new name and warns about nothing', () => {
    const warnings: string[] = [];
    expect(renamedInput(from({ 'fail-on': 'error' }), 'fail-on', 'fail_on', (m) => warnings.push(m))).toBe('error');
    expect(warnings).toEqual([]);
  });

  it('falls back to the old name with a deprecation warning naming the new one', () => {
    const warnings: string[] = [];
    expect(renamedInput(from({ fail_on: 'warning' }), 'fail-on', 'fail_on', (m) => warnings.push(m))).toBe('warning');
    expect(warnings).toEqual([
      'The fail_on input is deprecated and will be removed in the next release; rename it to fail-on.',
    ]);
  });

  it('ignores a blank old name', () => {
    const warnings: string[] = [];
    expect(renamedInput(from({ fail_on: '  ' }), 'fail-on', 'fail_on', (m) => warnings.push(m))).toBe('');
    expect(warnings).toEqual([]);
  });
});
