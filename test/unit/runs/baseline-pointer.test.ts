import { describe, expect, it } from '@jest/globals';
import {
  type BaselinePointer,
  pointerTagKey,
  pointerValue,
  readPointer,
  signPointer,
} from '../../../src/runs/baseline-pointer.js';

const KEY = 'k'.repeat(40);
const pointer: BaselinePointer = {
  repo: 'acme/wine',
  branch: 'main',
  params: 'alpha=0.5 l1_ratio=0.2',
  sha: 'a'.repeat(40),
  runIds: ['0123456789abcdef0123456789abcdef'],
  startTime: 1_700_000_000_000,
};
const where = { experimentId: '7', tagKey: pointerTagKey('main') };

describe('pointerTagKey', () => {
  it('names the tag after the branch when MLflow accepts the name as it is', () => {
    expect(pointerTagKey('main')).toBe('trainbot.baseline.main');
    expect(pointerTagKey('release/1.2')).toBe('trainbot.baseline.release/1.2');
  });

  it('names it by a hash when MLflow would refuse or normalise the branch name', () => {
    for (const branch of ["o'brien`s", 'a//b', 'x/../y', 'ünï', 'trailing/']) {
      expect(pointerTagKey(branch)).toMatch(/^trainbot\.baseline\.sha256-[0-9a-f]{32}$/);
    }
    expect(pointerTagKey("o'brien`s")).not.toBe(pointerTagKey('a//b'));
  });
});

describe('readPointer', () => {
  it('reads back what pointerValue wrote, with and without a key', () => {
    expect(readPointer(pointerValue(pointer, where, KEY), where, KEY)).toEqual({ status: 'valid', pointer });
    expect(readPointer(pointerValue(pointer, where, undefined), where, undefined)).toEqual({
      status: 'valid',
      pointer,
    });
  });

  it('keeps several runs of one sha (repeats) in their order', () => {
    const repeats = { ...pointer, runIds: ['r1', 'r2', 'r3'] };
    expect(readPointer(pointerValue(repeats, where, KEY), where, KEY)).toEqual({ status: 'valid', pointer: repeats });
  });

  it('refuses an unsigned pointer when a key is configured', () => {
    expect(readPointer(pointerValue(pointer, where, undefined), where, KEY)).toEqual({ status: 'unsigned' });
  });

  it('refuses a pointer whose runs, sha or start were changed after signing', () => {
    const signed = JSON.parse(pointerValue(pointer, where, KEY)) as Record<string, unknown>;
    for (const change of [{ runIds: ['f'.repeat(32)] }, { sha: 'b'.repeat(40) }, { startTime: 1 }, { params: 'x=1' }]) {
      expect(readPointer(JSON.stringify({ ...signed, ...change }), where, KEY)).toEqual({ status: 'forged' });
    }
  });

  it('refuses a pointer signed with another key, or with a signature that is not hex', () => {
    expect(readPointer(pointerValue(pointer, where, 'o'.repeat(40)), where, KEY)).toEqual({ status: 'forged' });
    const odd = JSON.stringify({ ...JSON.parse(pointerValue(pointer, where, KEY)), signature: 'zz' });
    expect(readPointer(odd, where, KEY)).toEqual({ status: 'forged' });
  });

  it('refuses a signed pointer copied to another experiment or branch tag', () => {
    const value = pointerValue(pointer, where, KEY);
    expect(readPointer(value, { ...where, experimentId: '8' }, KEY)).toEqual({ status: 'forged' });
    expect(readPointer(value, { ...where, tagKey: pointerTagKey('dev') }, KEY)).toEqual({ status: 'forged' });
  });

  it('calls anything else malformed, key or not', () => {
    const signature = signPointer(KEY, where.experimentId, where.tagKey, pointer);
    for (const text of [
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...pointer, runIds: [] }),
      JSON.stringify({ ...pointer, runIds: ['a b'] }),
      JSON.stringify({ ...pointer, startTime: '1' }),
      JSON.stringify({ ...pointer, sha: undefined, signature }),
    ]) {
      expect(readPointer(text, where, KEY)).toEqual({ status: 'malformed' });
      expect(readPointer(text, where, undefined)).toEqual({ status: 'malformed' });
    }
  });
});
