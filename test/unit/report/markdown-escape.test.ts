import { describe, expect, it } from '@jest/globals';
import { escapeMarkdown, quoteInput } from '../../../src/report/markdown-escape.js';

describe('escapeMarkdown', () => {
  it.each<[string, string, string]>([
    ['plain text unchanged', 'alpha=0.5', 'alpha=0.5'],
    ['HTML tags', '<img src=x onerror=alert(1)>', '\\<img src=x onerror=alert(1)\\>'],
    ['table pipes', 'a|b', 'a\\|b'],
    ['backticks', '`code`', '\\`code\\`'],
    ['emphasis', '*a* _b_ ~~c~~', '\\*a\\* \\_b\\_ \\~\\~c\\~\\~'],
    ['links and images', '![x](y) [z]', '!\\[x\\](y) \\[z\\]'],
    ['a backslash before a special character', '\\*', '\\\\\\*'],
    ['entities', '&lt;', '\\&lt;'],
    ['mentions', '@acme/team', '@\u2060acme/team'],
    ['an email address', 'me@example.com', 'me@\u2060example.com'],
    ['a www autolink', 'www.example.com', 'www\u2060.example.com'],
    ['a www autolink in capitals', 'see WWW.Example.com', 'see WWW\u2060.Example.com'],
    ['URL autolinks of any scheme', 'https://evil.example/x ftp://y', 'https:\u2060//evil.example/x ftp:\u2060//y'],
    ['a URL with www', 'http://www.x.io', 'http:\u2060//www\u2060.x.io'],
    ['issue references', '#12 and acme/wine#3', '#\u206012 and acme/wine#\u20603'],
    ['text that only looks similar', 'a:b /x# w.w #a', 'a:b /x# w.w #a'],
    ['line breaks and tabs as spaces', 'a\r\nb\tc', 'a  b c'],
    ['other control characters as U+FFFD', 'a\u0000b\u202ec', 'a\uFFFDb\uFFFDc'],
    [
      'zero-width and other invisible characters as U+FFFD',
      '0.5\u200b \u200d\u2060\ufeff\u00ad\u034f\u3164\ufe0f\u{e0041}',
      '0.5\uFFFD \uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD',
    ],
  ])('escapes %s', (_name, input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe('quoteInput', () => {
  it('keeps input of 40 characters whole', () => {
    expect(quoteInput('a'.repeat(40))).toBe('a'.repeat(40));
  });

  it('cuts longer input to 40 characters and marks the cut', () => {
    expect(quoteInput('b'.repeat(41))).toBe(`${'b'.repeat(40)}…`);
  });

  it('counts an emoji as one character and never splits it', () => {
    expect(quoteInput(`${'x'.repeat(39)}🚀🚀`)).toBe(`${'x'.repeat(39)}🚀…`);
  });

  it('cuts before escaping, so an escape is never cut in half', () => {
    expect(quoteInput(`${'y'.repeat(39)}<<`)).toBe(`${'y'.repeat(39)}\\<…`);
  });

  it('takes another limit', () => {
    expect(quoteInput('abcdef', 3)).toBe('abc…');
  });
});
