import { describe, expect, it } from '@jest/globals';
import stringWidth from 'string-width';
import { displayWidth, KNOWN_WIDTHS, stringWidthLoaded } from '../../../src/report/display-width.js';

// A small seeded generator: the same strings on every run, so a failure can be reproduced.
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// What the strings are made of: the fast path's own characters, and everything that must send a text to
// string-width (variation selectors, ZWJ, combining marks, skin tones, flags, wide CJK, Hangul, controls, ANSI
// escapes, a lone surrogate, ambiguous-width and zero-width characters).
const ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const KNOWN = [...KNOWN_WIDTHS.keys()];
const OTHERS = [
  '\u{FE0F}',
  '\u{FE0E}',
  '\u{200D}',
  '\u{0301}',
  '\u{1F3FD}',
  '\u{1F1EB}',
  '\u{1F1F7}',
  '漢',
  'ｱ',
  '한',
  '\u{1100}',
  '\t',
  '\n',
  '\u{1b}[31m',
  '\u{D800}',
  '\u{200B}',
  '\u{00AD}',
  '\u{0600}',
  'é',
  'ß',
  '\u{2028}',
  '👩',
  '\u{20E3}',
  '⚠',
  '☺',
  '\u{E000}',
  '\u{0E33}',
  '\u{FF9E}',
];

describe('displayWidth', () => {
  it('gives string-width’s answer for every symbol it knows', () => {
    for (const [symbol, width] of KNOWN_WIDTHS) expect([symbol, stringWidth(symbol)]).toEqual([symbol, width]);
  });

  it('counts printable ASCII and its own symbols without loading string-width', () => {
    expect(displayWidth('| rmse | 0.6123 |')).toBe(17);
    expect(displayWidth('✅ better')).toBe(9);
    expect(displayWidth('⚠️ not logged')).toBe(13);
    expect(displayWidth('0.712 ± 0.016 (−0.007, 95% CI −0.01…−0.004) 🏆')).toBe(
      stringWidth('0.712 ± 0.016 (−0.007, 95% CI −0.01…−0.004) 🏆'),
    );
    expect(stringWidthLoaded()).toBe(false);
  });

  it('gives the same width as string-width on 30,000 mixed strings', () => {
    const random = generator(13);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
    const mismatches: string[] = [];
    for (let n = 0; n < 30_000; n++) {
      const length = Math.floor(random() * 12);
      let text = '';
      for (let k = 0; k < length; k++) {
        const r = random();
        // Most strings stay on the fast path; about a third hold something it must hand over.
        text += r < 0.6 ? pick(ASCII) : r < 0.97 ? pick(KNOWN) : pick(OTHERS);
      }
      if (displayWidth(text) !== stringWidth(text)) mismatches.push(JSON.stringify(text));
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(stringWidthLoaded()).toBe(true);
  });

  it('hands each kind of other text to string-width', () => {
    for (const other of OTHERS)
      for (const text of [other, `a${other}`, `✅${other}`, `${other}b`, `🏃${other}x`])
        expect([text, displayWidth(text)]).toEqual([text, stringWidth(text)]);
  });
});
