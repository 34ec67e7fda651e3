import { describe, expect, it } from '@jest/globals';
import { typedValue, tokenise } from '../../../src/commands/tokenise.js';

/** Each word as its parts' texts, quoted parts marked with «». */
function words(input: string): string[] | string {
  const result = tokenise(input);
  if (result.type === 'unterminated') return `unterminated ${result.quote} at ${result.rest}`;
  return result.tokens.map((t) => t.parts.map((p) => (p.quoted ? `«${p.text}»` : p.text)).join(''));
}

describe('tokenise', () => {
  it.each<[string, string, string[]]>([
    ['nothing', '', []],
    ['blanks only', ' \t ', []],
    ['words separated by spaces and tabs', ' a=1\tb=2  c ', ['a=1', 'b=2', 'c']],
    ['a double-quoted part inside a word', 'label="my run"', ['label=«my run»']],
    ['a single-quoted part inside a word', "note='a b'", ['note=«a b»']],
    ['adjacent quoted and plain parts', `a="x y"z'1 2'`, ['a=«x y»z«1 2»']],
    ['escaped quote and backslash inside double quotes', '"a \\"b\\" \\\\ c"', ['«a "b" \\ c»']],
    ['other backslashes kept inside double quotes', '"C:\\data\\n"', ['«C:\\data\\n»']],
    ['backslashes literal inside single quotes', "'a\\'", ['«a\\»']],
    ['backslashes literal outside quotes', 'a=C:\\x', ['a=C:\\x']],
    ['the other quote kept inside quotes', `"it's" '"hi"'`, ["«it's»", '«"hi"»']],
    ['an empty quoted word', '""', ['«»']],
  ])('splits %s', (_name, input, expected) => {
    expect(words(input)).toEqual(expected);
  });

  it('keeps each word as typed', () => {
    expect(tokenise(` a="x \\"y\\""\tb`)).toEqual({
      type: 'tokens',
      tokens: [
        {
          raw: 'a="x \\"y\\""',
          parts: [
            { text: 'a=', raw: 'a=', quoted: false },
            { text: 'x "y"', raw: '"x \\"y\\""', quoted: true },
          ],
        },
        { raw: 'b', parts: [{ text: 'b', raw: 'b', quoted: false }] },
      ],
    });
  });

  it.each<[string, string, '"' | "'", string]>([
    ['a double quote', 'a=1 label="my run', '"', 'label="my run'],
    ['a single quote', "note=don't stop", "'", "note=don't stop"],
    ['a double quote whose closing quote is escaped', 'a="x\\"', '"', 'a="x\\"'],
  ])('reports an unterminated %s as a value', (_name, input, quote, rest) => {
    expect(tokenise(input)).toEqual({ type: 'unterminated', quote, rest });
  });

  it('reads 100 kB of quoted words, one token each (its time is measured in bench/parse-input.ts)', () => {
    const result = tokenise('"a b" '.repeat(17_000));
    expect(result.type === 'tokens' && result.tokens.length).toBe(17_000);
  });
});

describe('typedValue', () => {
  it.each<[string, string]>([
    ['0.5', '0.5'],
    ['', '""'],
    ['a b', '"a b"'],
    ['a,b', '"a,b"'],
    ['x=y', '"x=y"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["it's", `"it's"`],
    ['C:\\x', '"C:\\\\x"'],
  ])('writes %j so that tokenise reads it back', (value, typed) => {
    expect(typedValue(value)).toBe(typed);
    expect(words(`k=${typed}`)).toHaveLength(1);
    const result = tokenise(`k=${typed}`);
    expect(result.type === 'tokens' && result.tokens[0]?.parts.map((p) => p.text).join('')).toBe(`k=${value}`);
  });
});
