// The lint action through its real entry point, with the real ruff, black and pylint from
// $TRAINBOT_LINTERS_BIN (scripts/tools/python-linters.sh) on small Python files written here.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../../test/support/run-action.js';

const bin = process.env.TRAINBOT_LINTERS_BIN ?? '';
const tools = { 'ruff-path': join(bin, 'ruff'), 'black-path': join(bin, 'black'), 'pylint-path': join(bin, 'pylint') };

const CLEAN = '"""Adds numbers."""\n\n\ndef add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n';
// Two unused imports (ruff F401, pylint W0611) and a line ruff format and black would rewrite.
const UNUSED = 'import os\nimport sys\n\n\ndef f(x):\n    return  x==1\n';

// Each case starts real linters (pylint alone takes seconds on a busy machine).
jest.setTimeout(60_000);

let workspace: string;

beforeAll(async () => {
  if (!bin) throw new Error('TRAINBOT_LINTERS_BIN is not set: run the tests after `source scripts/setup.sh`.');
  workspace = await mkdtemp(join(tmpdir(), 'lint-ws-'));
  await mkdir(join(workspace, 'clean'));
  await writeFile(join(workspace, 'clean', 'add.py'), CLEAN);
  await mkdir(join(workspace, 'dirty'));
  await writeFile(join(workspace, 'dirty', 'unused.py'), UNUSED);
  await mkdir(join(workspace, 'many'));
  await writeFile(
    join(workspace, 'many', 'imports.py'),
    Array.from({ length: 12 }, (_, i) => `import mod${i}\n`).join(''),
  );
});

afterAll(() => rm(workspace, { recursive: true, force: true }));

const lint = (inputs: Record<string, string>): Promise<ActionRun> =>
  runAction('lint', { workspace, inputs: { ...tools, ...inputs } });

const annotations = (run: ActionRun, level = 'error') => run.commands.filter((c) => c.command === level);

describe('lint action', () => {
  it('passes a clean file under ruff, black and pylint with no annotations and zero outputs', async () => {
    const run = await lint({ path: 'clean', linters: 'ruff,black,pylint' });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command))).toEqual([]);
    expect(run.outputs).toEqual({ findings: '0', errors: '0', 'sarif-file': '' });
    expect(run.summary).toContain('Lint found no findings in clean with ruff, black, pylint.');
  });

  it('annotates each ruff finding at its file and line and fails with one sentence', async () => {
    const run = await lint({ path: 'dirty' });
    expect(run.exitCode).toBe(1);
    expect(annotations(run).slice(0, 3)).toEqual([
      {
        command: 'error',
        properties: { title: 'ruff/F401', file: 'dirty/unused.py', line: '1', endLine: '1', col: '8' },
        message: '`os` imported but unused (unused-import)',
      },
      {
        command: 'error',
        properties: { title: 'ruff/F401', file: 'dirty/unused.py', line: '2', endLine: '2', col: '8' },
        message: '`sys` imported but unused (unused-import)',
      },
      {
        command: 'error',
        properties: { title: 'ruff/unformatted', file: 'dirty/unused.py', line: '6', endLine: '6', col: '12' },
        message: 'File would be reformatted',
      },
    ]);
    const failure = annotations(run)[3];
    expect(failure?.properties).toEqual({});
    expect(failure?.message).toBe(
      'Lint failed: 3 findings at or above fail-on error (3 errors, 0 warnings, 0 notices) in dirty with ruff; see the annotations or run the linters locally.',
    );
    expect(run.outputs).toEqual({ findings: '3', errors: '3', 'sarif-file': '' });
    expect(run.summary).toContain('<tr><td>ruff/F401</td><td>error</td><td>2</td></tr>');
    expect(run.summary).toContain(
      '<tr><td>dirty/unused.py</td><td>6</td><td>ruff/unformatted</td><td>error</td><td>File would be reformatted</td></tr>',
    );
  });

  it('reports black as a whole-file finding and pylint messages at their levels', async () => {
    const run = await lint({ path: 'dirty/unused.py', linters: 'black, pylint' });
    expect(run.exitCode).toBe(1);
    expect(annotations(run)[0]).toEqual({
      command: 'error',
      properties: { title: 'black/would-reformat', file: 'dirty/unused.py', line: '1', endLine: '1' },
      message: 'black would reformat this file; run `black` on it.',
    });
    expect(annotations(run, 'warning').map((c) => [c.properties.title, c.properties.line, c.message])).toEqual([
      ['pylint/W0611', '1', 'Unused import os (unused-import)'],
      ['pylint/W0611', '2', 'Unused import sys (unused-import)'],
    ]);
    expect(annotations(run, 'notice').map((c) => c.properties.title)).toEqual(['pylint/C0114', 'pylint/C0116']);
  });

  it('passes pylint warnings under fail-on error and fails them under fail-on warning', async () => {
    const warningsOnly = await lint({ path: 'dirty/unused.py', linters: 'pylint' });
    expect(warningsOnly.exitCode).toBe(0);
    expect(warningsOnly.outputs).toEqual({ findings: '4', errors: '0', 'sarif-file': '' });
    expect(warningsOnly.summary).toContain(
      'Lint found 4 findings (0 errors, 2 warnings, 2 notices) in dirty/unused.py with pylint, none at or above fail-on error.',
    );

    const strict = await lint({ path: 'dirty/unused.py', linters: 'pylint', 'fail-on': 'warning' });
    expect(strict.exitCode).toBe(1);
  });

  it('never fails with fail-on never, and writes every finding to SARIF', async () => {
    const run = await lint({ path: 'dirty', 'fail-on': 'never', 'sarif-file': 'out/lint.sarif' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['sarif-file']).toBe('out/lint.sarif');
    const sarif = JSON.parse(await readFile(join(workspace, 'out', 'lint.sarif'), 'utf8'));
    expect(sarif.runs[0].tool.driver.version).toMatch(/^ruff \d+\.\d+\.\d+$/);
    expect(
      sarif.runs[0].results.map(
        (r: { ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }) => [
          r.ruleId,
          r.locations[0]?.physicalLocation.region.startLine,
        ],
      ),
    ).toEqual([
      ['ruff/F401', 1],
      ['ruff/F401', 2],
      ['ruff/unformatted', 6],
    ]);
  });

  it('annotates at most 10 errors and says in the summary how many were left out', async () => {
    const run = await lint({ path: 'many' });
    expect(run.outputs.findings).toBe('12');
    expect(annotations(run).filter((c) => c.properties.file)).toHaveLength(10);
    expect(run.summary).toContain(
      '2 findings have no annotation because GitHub shows at most 10 of each level per step.',
    );
  });
});

describe('lint action refuses bad inputs with one sentence', () => {
  const failure = (run: ActionRun): string => {
    expect(run.exitCode).toBe(1);
    return annotations(run)
      .map((c) => c.message)
      .join('\n');
  };

  it('names an unknown linter and lists the known ones', async () => {
    expect(failure(await lint({ path: 'clean', linters: 'ruff,flake8' }))).toBe(
      'The linters input names "flake8", which this action does not know; use any of ruff, black, pylint.',
    );
  });

  it('refuses a path outside the workspace', async () => {
    expect(failure(await lint({ path: '../../etc' }))).toBe(
      `The path input "../../etc" is outside the workspace ${workspace}; give a path inside the repository.`,
    );
  });

  it('refuses a path that does not exist', async () => {
    expect(failure(await lint({ path: 'nowhere' }))).toBe(
      'The path input "nowhere" does not exist in the workspace; give a file or directory of the repository.',
    );
  });

  it('says the report is unreadable when the ruff binary prints something that is not JSON', async () => {
    const fake = join(workspace, 'fake-ruff');
    await writeFile(fake, '#!/bin/sh\necho "<html>proxy error</html>"\nexit 1\n');
    await chmod(fake, 0o755);
    expect(failure(await lint({ path: 'clean', 'ruff-path': fake }))).toBe(
      'ruff check did not produce a JSON report (it said: <html>proxy error</html>); check that the binary is the right tool and version.',
    );
  });

  it('names the missing binary and the input that points at it', async () => {
    expect(failure(await lint({ path: 'clean', linters: 'pylint', 'pylint-path': '/nonexistent/pylint' }))).toBe(
      'Could not start /nonexistent/pylint: it was not found or is not executable; install it or set the pylint-path input to its full path.',
    );
  });
});
