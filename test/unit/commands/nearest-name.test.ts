import { describe, expect, it } from '@jest/globals';
import { editDistance, nearestName } from '../../../src/commands/nearest-name.js';

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['help', 'help', 0],
    ['halp', 'help', 1],
    ['l1ratio', 'l1_ratio', 1],
    ['defualt', 'default', 1], // a swap of neighbours is one edit
    ['max_run', 'max_runs', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['😀x', '😀y', 1], // code points, not UTF-16 halves
  ])('%s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('stops at limit + 1 once the answer is known to be larger', () => {
    expect(editDistance('kitten', 'sitting', 1)).toBe(2);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
  });
});

describe('nearestName', () => {
  const settings = ['max_runs', 'max_parallel', 'timeout_minutes'];

  it.each<[string, readonly string[], string | undefined]>([
    ['halp', ['help', 'cancel'], 'help'],
    ['Help', ['help', 'cancel'], 'help'],
    ['cancle', ['help', 'cancel'], 'cancel'],
    ['l1ratio', ['alpha', 'l1_ratio', 'seed'], 'l1_ratio'],
    ['max_run', settings, 'max_runs'],
    ['maxparalel', settings, 'max_parallel'],
    ['timeout', settings, undefined], // a different word, not a slip: no guess
    ['foo', ['help', 'cancel'], undefined],
    ['x', ['help'], undefined],
    ['help', ['help', 'cancel'], undefined], // an exact match needs no suggestion
    ['alpah', ['alpha', 'alpaca'], 'alpha'],
  ])('%s among %j → %s', (typed, candidates, expected) => {
    expect(nearestName(typed, candidates)).toBe(expected);
  });

  it('prefers the closer of two near names, and the earlier on a tie', () => {
    expect(nearestName('abcd', ['abxy', 'abcx'])).toBe('abcx');
    expect(nearestName('abcd', ['abcx', 'abcy'])).toBe('abcx');
  });

  // The length cap is what keeps a hostile 100,000-character word from costing 100,000 × |name| steps.
  it('gives no guess for a word over 64 characters, however close, and still guesses at 63', () => {
    expect(nearestName(`max_runs${'s'.repeat(100_000)}`, settings)).toBeUndefined();
    expect(nearestName(`${'m'.repeat(65)}`, [`${'m'.repeat(64)}`])).toBeUndefined();
    const many = Array.from({ length: 50 }, (_, i) => `${'m'.repeat(60)}${i}`);
    expect(many).toContain(nearestName('m'.repeat(63), many));
  });

  it('never returns the typed text, only a candidate, so control characters cannot reach a reply', () => {
    expect(nearestName('hel\u0000p', ['help'])).toBe('help');
    expect(nearestName('he\u202elp', ['help'])).toBe('help');
    expect(nearestName('\u0000\u0001\u0002\u0003', ['help'])).toBeUndefined();
  });
});
