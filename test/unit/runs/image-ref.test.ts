import { describe, expect, it } from '@jest/globals';
import { imageRef, imageTag } from '../../../src/runs/image-ref.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('the image rule', () => {
  it('tags a commit with its full sha, never a shortened one', () => {
    expect(imageTag(sha)).toBe(sha);
    expect(imageRef('ghcr.io/acme/wine-train', sha)).toBe(`ghcr.io/acme/wine-train:${sha}`);
  });
});
