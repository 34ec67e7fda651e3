// bin/trainbot.js before `npm run build`: one line saying what to do, not Node's module-resolution stack.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

describe('bin/trainbot.js', () => {
  it('says in one line to run `npm run build` when dist/ is missing, and exits 1', () => {
    // A copy of the launcher in a checkout without dist/: the same layout as a fresh clone.
    const clone = mkdtempSync(join(tmpdir(), 'trainbot-bin-'));
    try {
      mkdirSync(join(clone, 'bin'));
      copyFileSync(resolve(import.meta.dirname, '../../../bin/trainbot.js'), join(clone, 'bin', 'trainbot.js'));
      const run = spawnSync(process.execPath, [join(clone, 'bin', 'trainbot.js'), 'run', '/train'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(run.stderr).toBe(
        'trainbot: the CLI is not built yet; run `npm run build` in the trainbot repository first.\n',
      );
      expect(run.stdout).toBe('');
      expect(run.status).toBe(1);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
