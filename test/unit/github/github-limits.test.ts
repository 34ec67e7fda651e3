import { describe, expect, it } from '@jest/globals';
import { COMMENT_BODY_LIMIT, truncateText, truncationNotice } from '../../../src/github/github-limits.js';
import { commentMarker, hasMarker, markedBody } from '../../../src/github/comment-marker.js';

describe('truncateText', () => {
  it('returns text that fits unchanged, up to exactly the limit', () => {
    expect(truncateText('abc', 3)).toBe('abc');
  });

  it('keeps the head and says how many characters were cut, in exactly the limit', () => {
    const text = 'x'.repeat(200);
    const result = truncateText(text, 100);
    // The notice is 37 characters, so 63 of the 200 stay and 137 go.
    expect(truncationNotice(137)).toHaveLength(37);
    expect(result).toBe(`${'x'.repeat(63)}\n\n…truncated (137 characters omitted)`);
    expect(result).toHaveLength(100);
  });

  it('fills exactly the limit even when the omitted count has fewer digits than the length', () => {
    for (const length of [101, 150, 1_000, 99_999, 1_000_000]) {
      expect(truncateText('y'.repeat(length), 100)).toHaveLength(100);
    }
    // 70,000 has five digits, the 4,502 omitted only four: the head takes the spare character.
    expect(truncateText('y'.repeat(70_000), 65_536)).toBe(
      `${'y'.repeat(65_498)}\n\n…truncated (4502 characters omitted)`,
    );
  });

  it('does not split a surrogate pair at the cut', () => {
    // 63 code units would stay: 60 letters, one emoji (2 units) and the first half of the next.
    const text = 'a'.repeat(60) + '😀'.repeat(100);
    const result = truncateText(text, 100);
    expect(result).toBe(`${'a'.repeat(60)}😀\n\n…truncated (198 characters omitted)`);
  });

  it('refuses a limit too small for the notice', () => {
    expect(() => truncateText('z'.repeat(50), 10)).toThrow(
      'A limit of 10 characters leaves no room for the truncation notice.',
    );
  });
});

describe('comment markers', () => {
  it('puts the hidden marker on the first line', () => {
    expect(markedBody('report', 'hello')).toBe('<!-- trainbot:report -->\nhello');
  });

  it('cuts a marked body to 65,536 characters in all, marker kept', () => {
    const body = markedBody('report', 'r'.repeat(70_000));
    expect(body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
    expect(body.startsWith('<!-- trainbot:report -->\n')).toBe(true);
    expect(body).toMatch(/\n\n…truncated \(\d+ characters omitted\)$/);
  });

  it('finds a marker only on the first line and only for the same key', () => {
    expect(hasMarker('<!-- trainbot:report -->\nbody', 'report')).toBe(true);
    expect(hasMarker('<!-- trainbot:report -->', 'report')).toBe(true);
    expect(hasMarker('<!-- trainbot:report-2 -->\nbody', 'report')).toBe(false);
    expect(hasMarker('> <!-- trainbot:report -->\nquoted', 'report')).toBe(false);
    expect(hasMarker(null, 'report')).toBe(false);
  });

  it('rejects a key that could break out of the HTML comment', () => {
    expect(() => commentMarker('x --> <b>')).toThrow(
      'Comment key "x --> <b>" must be lowercase letters, digits, ".", "_", ":" or "-".',
    );
  });
});
