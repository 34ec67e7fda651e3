import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, main } from '../../../src/cli.js';
import { configCache } from '../../../src/cli/config-cache.js';
import { parseConfig } from '../../../src/config/load-config.js';

const repoConfig = readFileSync(resolve(import.meta.dirname, '../../../.github/trainbot.yml'), 'utf8');
const valid = (text: string) => {
  const loaded = parseConfig(text);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return loaded.config;
};
const scratch = () => mkdtempSync(join(tmpdir(), 'trainbot-config-cache-'));

describe('configCache', () => {
  it('gives back, for the same text and build, exactly the config that was validated', () => {
    const file = join(scratch(), '.trainbot', 'config-cache.json');
    const config = valid(repoConfig);
    expect(configCache(file, 'b1').read(repoConfig, 'c.yml')).toBeUndefined();
    configCache(file, 'b1').write(repoConfig, 'c.yml', config);
    expect(configCache(file, 'b1').read(repoConfig, 'c.yml')).toStrictEqual(config);
  });

  it('misses when one character of the file, its name or the trainbot build changed', () => {
    const file = join(scratch(), 'config-cache.json');
    configCache(file, 'b1').write(repoConfig, 'c.yml', valid(repoConfig));
    expect(configCache(file, 'b1').read(repoConfig.replace('default: 0.5', 'default: 0.6'), 'c.yml')).toBeUndefined();
    expect(configCache(file, 'b1').read(`${repoConfig} `, 'c.yml')).toBeUndefined();
    expect(configCache(file, 'b1').read(repoConfig, 'other.yml')).toBeUndefined();
    expect(configCache(file, 'b2').read(repoConfig, 'c.yml')).toBeUndefined();
  });

  it('ignores a cache file it did not write: not JSON, no config, a list for a config', () => {
    const file = join(scratch(), 'config-cache.json');
    for (const junk of [
      '{',
      '[]',
      'null',
      JSON.stringify({ version: 1, build: 'b1', file: 'c.yml', text: repoConfig }),
      JSON.stringify({ version: 1, build: 'b1', file: 'c.yml', text: repoConfig, config: [] }),
    ]) {
      writeFileSync(file, junk);
      expect(configCache(file, 'b1').read(repoConfig, 'c.yml')).toBeUndefined();
    }
  });
});

describe('the CLI with a cached config', () => {
  // MLFLOW_TRACKING_URI names a closed loopback port: the config is checked (or refused) before that matters.
  const env = { MLFLOW_TRACKING_URI: 'http://127.0.0.1:9', PATH: process.env.PATH };
  const compare = (root: string, config: string) =>
    main(['compare', 'a'.repeat(32), '--root', root, '--config', config], env);

  it('validates a changed, hostile config in full after a good one was cached', async () => {
    const root = scratch();
    const config = join(root, 'trainbot.yml');
    writeFileSync(config, repoConfig);
    await expect(compare(root, config)).rejects.not.toBeInstanceOf(UsageError); // the config passed; MLflow did not
    expect(readFileSync(join(root, '.trainbot', 'config-cache.json'), 'utf8')).toContain('"experiment"');

    writeFileSync(config, repoConfig.replace('default: 0.5', 'default: -1'));
    await expect(compare(root, config)).rejects.toThrow(/alpha.*-1|-1.*alpha|min/);
    writeFileSync(config, `${repoConfig}\na: &a [1, 2]\nb: *a\n`);
    await expect(compare(root, config)).rejects.toBeInstanceOf(UsageError);

    // The good text again is found in the cache: only a valid config was ever written there.
    writeFileSync(config, repoConfig);
    await expect(compare(root, config)).rejects.not.toBeInstanceOf(UsageError);
  });
});
