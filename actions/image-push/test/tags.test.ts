import { describe, expect, it } from '@jest/globals';
import { computeTags, sanitizeTag, tagProblem } from '../src/tags.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('sanitizeTag', () => {
  it.each([
    ['main', 'main'],
    ['feature/new-loss', 'feature-new-loss'],
    ['12/merge', '12-merge'],
    ['fix//double  space', 'fix-double-space'],
    ['-leading.dash', 'leading.dash'],
    ['.hidden', 'hidden'],
    ['üñí/çødé', 'd'],
    ['release/', 'release'],
    ['///', ''],
    ['v1.2.3_rc', 'v1.2.3_rc'],
  ])('turns branch %j into tag %j', (branch, tag) => {
    expect(sanitizeTag(branch)).toBe(tag);
  });

  it('cuts a long branch name to the 128 characters a tag may have', () => {
    const tag = sanitizeTag(`b${'x'.repeat(200)}`);
    expect(tag).toHaveLength(128);
    expect(tagProblem(tag)).toBeUndefined();
  });
});

describe('computeTags', () => {
  it('tags a default-branch build with the sha, the branch and latest', () => {
    expect(computeTags({ sha, branch: 'main', defaultBranch: 'main' })).toEqual([sha, 'main', 'latest']);
  });

  it('never tags latest from another branch', () => {
    expect(computeTags({ sha, branch: 'feature/x', defaultBranch: 'main' })).toEqual([sha, 'feature-x']);
  });

  it('does not tag latest when the default branch is unknown', () => {
    expect(computeTags({ sha, branch: '', defaultBranch: '' })).toEqual([sha]);
  });

  it('adds valid extra tags once each', () => {
    expect(computeTags({ sha, branch: 'main', defaultBranch: 'main', extra: ['v1.0', 'latest'] })).toEqual([
      sha,
      'main',
      'latest',
      'v1.0',
    ]);
  });

  it('refuses an extra tag with illegal characters in one sentence', () => {
    expect(() => computeTags({ sha, branch: 'main', defaultBranch: 'main', extra: ['bad tag!'] })).toThrow(
      `The tag "bad tag!" is not a valid image tag: use up to 128 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'.`,
    );
  });

  it('refuses an empty sha, since every push must be traceable to a commit', () => {
    expect(() => computeTags({ sha: '', branch: 'main', defaultBranch: 'main' })).toThrow(
      'The commit sha is empty: set the sha input, which defaults to the commit the workflow runs on.',
    );
  });
});
