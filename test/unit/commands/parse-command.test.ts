import { describe, expect, it } from '@jest/globals';
import { type ParseResult, parseCommand, type TrainCommand } from '../../../src/commands/parse-command.js';

const HELP = 'See `/train help` for the syntax.';

describe('parseCommand ignores comments that do not give a command', () => {
  const helpReply = [
    "> `/train` runs this pull request's training code.",
    '>',
    '> - `/train alpha=1`: one run',
    '> /train alpha=1',
  ].join('\n');
  it.each<[string, string]>([
    ['an empty body', ''],
    ['whitespace only', '  \n\t\r\n  '],
    ['prose that mentions the command mid-line', 'I think we should /train alpha=1 later'],
    ['inline code at the start of a line', '`/train alpha=1` would be my guess'],
    ['inline code mid-sentence', 'try `/train alpha=1` next'],
    ['inline code that spans two lines', 'try `the command\n/train alpha=1` next'],
    ['a longer word', '/trainer alpha=1'],
    ['a word glued to the command', '/train-now alpha=1'],
    ['another case (commands are case-sensitive)', '/TRAIN alpha=1\n/Train alpha=1'],
    ['a quoted reply', '> /train alpha=1\n\nI agree'],
    ['a quote without a space', '>/train alpha=1'],
    ['a nested quote', '>> /train alpha=1'],
    ['a nested quote with spaces', '> > /train alpha=1'],
    ['an indented quote', '  > /train alpha=1'],
    ['a line a quote lazily continues', '> Earlier you said\n/train alpha=1'],
    ['an email-style quote', 'On Tue, 3 Mar 2026, Ana wrote:\n> Please run\n> /train alpha=1\n> thanks'],
    ["a reply that quotes the bot's help", helpReply],
    ['a backtick fence', '```\n/train alpha=1\n```'],
    ['a tilde fence', '~~~\n/train alpha=1\n~~~'],
    ['a fence with an info string', '```sh\n/train alpha=1\n```'],
    ['a command after the first line of a fenced block', '```\necho hi\n/train alpha=1\n```'],
    ['an indented fence', '   ```\n/train alpha=1\n   ```'],
    ['a deeply indented fence', '      ~~~\n  /train alpha=1\n      ~~~'],
    ['a fence inside a list item', '- steps:\n  ```\n  /train alpha=1\n  ```'],
    ['a fence opened after a list marker', '1. ```\n   /train alpha=1\n   ```'],
    ['a fence that is never closed', 'log:\n```\n/train alpha=1'],
    ['a shorter fence inside a longer one', '````\n```\n/train alpha=1\n```\n````'],
    ['a fence closer indented too far to close', '```\n    ```\n/train alpha=1\n```'],
    ['a fence in a quote', '> ```\n> /train alpha=1\n> ```'],
    ['indented code after a blank line', 'Run this:\n\n    /train alpha=1'],
    ['tab-indented code at the start', '\t/train alpha=1'],
    ['an HTML comment', '<!--\n/train alpha=1\n-->'],
    ['a list item', '- /train alpha=1'],
    ['an escaped slash', '\\/train alpha=1'],
    ['a non-breaking space after the command', '/train\u00a0alpha=1'],
    ['an oversized body that never mentions the command', 'x'.repeat(70_000)],
  ])('%s', (_name, body) => {
    expect(parseCommand(body)).toEqual({ type: 'ignore' });
  });
});

describe('parseCommand reads the first command line', () => {
  it.each<[string, string, TrainCommand, string]>([
    ['the bare command', '/train', { kind: 'train', params: {} }, '/train'],
    ['one parameter', '/train alpha=0.5', { kind: 'train', params: { alpha: ['0.5'] } }, '/train alpha=0.5'],
    [
      'a grid',
      '/train alpha=0.1,0.5,1 l1_ratio=0.2,0.8',
      { kind: 'train', params: { alpha: ['0.1', '0.5', '1'], l1_ratio: ['0.2', '0.8'] } },
      '/train alpha=0.1,0.5,1 l1_ratio=0.2,0.8',
    ],
    [
      'quoted values keep spaces',
      '/train label="my run" note=\'a b\'',
      { kind: 'train', params: { label: ['my run'], note: ['a b'] } },
      '/train label="my run" note=\'a b\'',
    ],
    [
      'quoted commas and = are text, unquoted commas split',
      '/train note="a, b",c,"x=y"',
      { kind: 'train', params: { note: ['a, b', 'c', 'x=y'] } },
      '/train note="a, b",c,"x=y"',
    ],
    [
      'escapes inside double quotes',
      '/train path="C:\\data \\"raw\\"" q=\'\\n\'',
      { kind: 'train', params: { path: ['C:\\data "raw"'], q: ['\\n'] } },
      '/train path="C:\\data \\"raw\\"" q=\'\\n\'',
    ],
    [
      'prose before and after',
      'Looks good.\n\n/train alpha=0.5\n\nThanks!',
      { kind: 'train', params: { alpha: ['0.5'] } },
      '/train alpha=0.5',
    ],
    [
      'only the first command line',
      '/train alpha=1\n/train alpha=2',
      { kind: 'train', params: { alpha: ['1'] } },
      '/train alpha=1',
    ],
    [
      'CRLF line endings',
      'Hi\r\n/train alpha=1 \r\nbye\r\n',
      { kind: 'train', params: { alpha: ['1'] } },
      '/train alpha=1',
    ],
    [
      'tabs between words',
      '/train\talpha=1\t\tbeta=2\t',
      { kind: 'train', params: { alpha: ['1'], beta: ['2'] } },
      '/train\talpha=1\t\tbeta=2',
    ],
    ['up to three leading spaces', '   /train alpha=1', { kind: 'train', params: { alpha: ['1'] } }, '/train alpha=1'],
    [
      'an indented line that continues a paragraph',
      'Please:\n    /train alpha=1',
      { kind: 'train', params: { alpha: ['1'] } },
      '/train alpha=1',
    ],
    [
      'unicode in a quoted value',
      '/train note="café 🚀 ünï"',
      { kind: 'train', params: { note: ['café 🚀 ünï'] } },
      '/train note="café 🚀 ünï"',
    ],
    [
      'a command after a closed fence',
      '```\n/train alpha=1\n```\n/train alpha=2',
      { kind: 'train', params: { alpha: ['2'] } },
      '/train alpha=2',
    ],
    [
      'a command after a quote and a blank line',
      '> /train alpha=1\n\n/train alpha=2',
      { kind: 'train', params: { alpha: ['2'] } },
      '/train alpha=2',
    ],
    [
      'a command after a closed HTML comment',
      '<!-- x -->\n/train alpha=2',
      { kind: 'train', params: { alpha: ['2'] } },
      '/train alpha=2',
    ],
    [
      'a key that is also an Object property',
      '/train constructor=1',
      { kind: 'train', params: { constructor: ['1'] } },
      '/train constructor=1',
    ],
    [
      'a 64-character key',
      `/train ${'k'.repeat(64)}=1`,
      { kind: 'train', params: { ['k'.repeat(64)]: ['1'] } },
      `/train ${'k'.repeat(64)}=1`,
    ],
    ['help', '/train help', { kind: 'help' }, '/train help'],
    ['cancel', 'Oops.\n/train cancel', { kind: 'cancel' }, '/train cancel'],
  ])('%s', (_name, body, command, line) => {
    expect(parseCommand(body)).toEqual({ type: 'command', command, line });
  });

  it('accepts 32 keys and 256 values in one axis', () => {
    const keys = Array.from({ length: 32 }, (_, i) => `k${i}=1`).join(' ');
    expect(parseCommand(`/train ${keys}`)).toMatchObject({ type: 'command' });
    const values = Array.from({ length: 256 }, (_, i) => String(i % 10)).join(',');
    expect(parseCommand(`/train a=${values}`)).toEqual({
      type: 'command',
      command: { kind: 'train', params: { a: values.split(',') } },
      line: `/train a=${values}`,
    });
  });
});

describe('parseCommand answers a usage error with what is wrong and how to fix it', () => {
  const keys33 = Array.from({ length: 33 }, (_, i) => `k${i}=1`).join(' ');
  const values257 = Array.from({ length: 257 }, () => '1').join(',');
  it.each<[string, string, string]>([
    [
      'an unknown subcommand',
      '/train foo',
      `“foo” is not a \`/train\` subcommand; use \`help\` or \`cancel\`, or give parameters as \`name=value\`. ${HELP}`,
    ],
    [
      'a subcommand in another case',
      '/train Help',
      `“Help” is not a \`/train\` subcommand; did you mean \`/train help\`? Otherwise use \`help\` or \`cancel\`, or give parameters as \`name=value\`. ${HELP}`,
    ],
    [
      'a misspelt help',
      '/train halp',
      `“halp” is not a \`/train\` subcommand; did you mean \`/train help\`? Otherwise use \`help\` or \`cancel\`, or give parameters as \`name=value\`. ${HELP}`,
    ],
    [
      'a misspelt cancel, letters swapped',
      '/train cancle',
      `“cancle” is not a \`/train\` subcommand; did you mean \`/train cancel\`? Otherwise use \`help\` or \`cancel\`, or give parameters as \`name=value\`. ${HELP}`,
    ],
    [
      'a long word that only starts like a subcommand',
      `/train help${'x'.repeat(500)}`,
      `“help${'x'.repeat(36)}…” is not a \`/train\` subcommand; use \`help\` or \`cancel\`, or give parameters as \`name=value\`. ${HELP}`,
    ],
    [
      'help with extra words',
      '/train help me please',
      `\`/train help\` takes no other words, but got “me please”; write just \`/train help\`. ${HELP}`,
    ],
    [
      'cancel with parameters',
      '/train cancel alpha=1',
      `\`/train cancel\` takes no other words, but got “alpha=1”; write just \`/train cancel\`. ${HELP}`,
    ],
    [
      'a bare word after a pair',
      '/train alpha=1 fast',
      `“fast” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
    ],
    [
      'a number where a pair belongs',
      '/train 0.5',
      `“0.5” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
    ],
    [
      'a missing value',
      '/train alpha=',
      `“alpha=” has no value; put the value right after \`=\`, without a space. ${HELP}`,
    ],
    [
      'an empty quoted value',
      '/train note=""',
      `“note=""” has no value; put the value right after \`=\`, without a space. ${HELP}`,
    ],
    ['a missing key', '/train =0.5', `“=0.5” has no parameter name before \`=\`; write it as \`name=value\`. ${HELP}`],
    [
      'a doubled =',
      '/train alpha==1',
      `“alpha==1” has more than one \`=\`; write one \`name=value\` per parameter and quote a value that contains \`=\`. ${HELP}`,
    ],
    [
      'an uppercase key',
      '/train Alpha=1',
      `“Alpha” is not a valid parameter name; names are 1 to 64 lowercase letters, digits and \`_\`, starting with a letter, without quotes. ${HELP}`,
    ],
    [
      'a dashed key',
      '/train a-b=1',
      `“a-b” is not a valid parameter name; names are 1 to 64 lowercase letters, digits and \`_\`, starting with a letter, without quotes. ${HELP}`,
    ],
    [
      'a 65-character key',
      `/train ${'k'.repeat(65)}=1`,
      `“${'k'.repeat(40)}…” is not a valid parameter name; names are 1 to 64 lowercase letters, digits and \`_\`, starting with a letter, without quotes. ${HELP}`,
    ],
    [
      'a quoted key',
      '/train "alpha"=1',
      `“"alpha"” is not a valid parameter name; names are 1 to 64 lowercase letters, digits and \`_\`, starting with a letter, without quotes. ${HELP}`,
    ],
    [
      'a duplicate key',
      '/train alpha=0.1 l1_ratio=0.2 alpha=0.5,"a b"',
      `“alpha” is given more than once; give it once with all its values as a comma list, like “alpha=0.1,0.5,"a b"”. ${HELP}`,
    ],
    [
      'an empty grid item',
      '/train alpha=0.1,,0.5',
      `“alpha=0.1,,0.5” has an empty item in its comma list; remove the extra comma. ${HELP}`,
    ],
    [
      'a trailing comma',
      '/train alpha=0.1,',
      `“alpha=0.1,” has an empty item in its comma list; remove the extra comma. ${HELP}`,
    ],
    [
      'an unterminated double quote',
      '/train label="my run',
      `The double quote in “label="my run” is never closed; add the closing " or remove the quote. ${HELP}`,
    ],
    [
      'an unterminated single quote',
      "/train alpha=1 note=don't",
      `The single quote in “note=don't” is never closed; add the closing ' or remove the quote. ${HELP}`,
    ],
    [
      'a NUL character',
      '/train alpha=1\u0000',
      `The \`/train\` line contains the invisible control character U+0000; retype the command without it. ${HELP}`,
    ],
    [
      'an escape character',
      '/train alpha=\u001b[31m1',
      `The \`/train\` line contains the invisible control character U+001B; retype the command without it. ${HELP}`,
    ],
    [
      'a bidi override',
      '/train note="\u202eevil"',
      `The \`/train\` line contains the invisible control character U+202E; retype the command without it. ${HELP}`,
    ],
    [
      'a zero-width space after a value',
      '/train alpha=0.5\u200b',
      `The \`/train\` line contains the invisible control character U+200B; retype the command without it. ${HELP}`,
    ],
    [
      'a word joiner',
      '/train alpha=0\u2060.5',
      `The \`/train\` line contains the invisible control character U+2060; retype the command without it. ${HELP}`,
    ],
    [
      'a byte order mark',
      '/train \ufeffalpha=0.5',
      `The \`/train\` line contains the invisible control character U+FEFF; retype the command without it. ${HELP}`,
    ],
    [
      'a Hangul filler, drawn as nothing',
      '/train alpha=0.5\u3164',
      `The \`/train\` line contains the invisible control character U+3164; retype the command without it. ${HELP}`,
    ],
    [
      'a no-break space between pairs',
      '/train alpha=0.5\u00a0l1_ratio=0.2',
      `The \`/train\` line contains U+00A0, which looks like a space but is not one; retype the command with plain spaces. ${HELP}`,
    ],
    [
      'more than 32 keys',
      `/train ${keys33}`,
      `The command sets more than 32 parameters; give at most 32 and leave the rest at their defaults. ${HELP}`,
    ],
    [
      'more than 256 values in one axis',
      `/train a=${values257}`,
      `“a” lists 257 values; one comma list holds at most 256, so sweep fewer values. ${HELP}`,
    ],
    [
      'a 10 kB line',
      `/train alpha=${'1,'.repeat(5_000)}1`,
      `The \`/train\` line is 10,014 characters long; keep it to 1,000 or fewer by sweeping fewer values. ${HELP}`,
    ],
    [
      "a body over GitHub's limit",
      `/train alpha=1\n${'x'.repeat(70_000)}`,
      `The comment is 70,015 characters long, more than GitHub's limit of 65,536; post the \`/train\` command in a shorter comment. ${HELP}`,
    ],
  ])('%s', (_name, body, message) => {
    expect(parseCommand(body)).toMatchObject({ type: 'reply', message });
  });

  it('hands back the parameters typed before the wrong word, so their values can be checked first', () => {
    expect(parseCommand('/train alpha=1;rm -rf /')).toEqual({
      type: 'reply',
      message: `“-rf” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
      typedBefore: { alpha: ['1;rm'] },
    });
    expect(parseCommand('/train -rf alpha=1')).toEqual({
      type: 'reply',
      message: `“-rf” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
    });
  });

  const BAD_NAME =
    'is not a valid parameter name; names are 1 to 64 lowercase letters, digits and `_`, starting with a letter, without quotes.';
  it.each<[string, string, string]>([
    ['an HTML tag as a key', '/train <img/src=x/onerror=alert(1)>=1', `“\\<img/src” ${BAD_NAME} ${HELP}`],
    ['a table pipe and backticks in a key', '/train a|`b`=1', `“a\\|\\\`b\\\`” ${BAD_NAME} ${HELP}`],
    [
      'HTML in a duplicated value',
      '/train a=1 a="<img src=x onerror=alert(1)>"',
      `“a” is given more than once; give it once with all its values as a comma list, like “a=1,"\\<img src=x onerror=alert(1)\\>"”. ${HELP}`,
    ],
    [
      'a link in a bare word',
      '/train [x](javascript:alert(1))',
      `“\\[x\\](javascript:alert(1))” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
    ],
    [
      'a mention in a bare word',
      '/train @acme/everyone',
      `“@\u2060acme/everyone” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
    ],
    [
      'a URL in a bare word',
      '/train https://evil.example',
      `“https:\u2060//evil.example” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
    ],
    [
      'a www address in a bare word',
      '/train www.evil.example',
      `“www\u2060.evil.example” is not a \`key=value\` pair; write each parameter as \`name=value\`. ${HELP}`,
    ],
  ])('escapes markup it echoes: %s', (_name, body, message) => {
    const result = parseCommand(body);
    expect(result).toMatchObject({ type: 'reply', message });
    // Whatever the wording, no HTML, table or link syntax survives unescaped.
    const shown = result.type === 'reply' ? result.message : '';
    expect(shown.replace(/\\./g, '')).not.toMatch(/[<>|[\]]/);
  });
});

describe('parseCommand on hostile input', () => {
  // How long these take, and that the time grows linearly with the input, is measured in bench/parse-input.ts.
  const tooLong = (chars: string): ParseResult => ({
    type: 'reply',
    message: `The \`/train\` line is ${chars} characters long; keep it to 1,000 or fewer by sweeping fewer values. See \`/train help\` for the syntax.`,
  });
  const command = (params: Record<string, string[]>, line: string): ParseResult => ({
    type: 'command',
    command: { kind: 'train', params },
    line,
  });
  const shapes: [string, string, ParseResult][] = [
    [
      'a 60 kB body with the command at the end',
      `${'lorem ipsum dolor '.repeat(3_400)}\n/train alpha=1`,
      command({ alpha: ['1'] }, '/train alpha=1'),
    ],
    ['60 kB of backticks', '`'.repeat(60_000), { type: 'ignore' }],
    ['60 kB of quote markers', '> '.repeat(30_000), { type: 'ignore' }],
    ['60 kB of list markers before a fence', `${'- '.repeat(30_000)}\`\`\``, { type: 'ignore' }],
    ['60 kB of fence openers', '```\n~~~~\n'.repeat(7_500), { type: 'ignore' }],
    ['60 kB of spaces then the command', `${' '.repeat(60_000)}x\n/train a=1`, command({ a: ['1'] }, '/train a=1')],
    ['60 kB of HTML comment openers', '<!--'.repeat(15_000), { type: 'ignore' }],
    ['a 10 kB command line of quotes', `/train ${'"a"'.repeat(3_400)}`, tooLong('10,207')],
    ['a 10 kB command line of commas', `/train a=${','.repeat(10_000)}`, tooLong('10,009')],
  ];
  it.each(shapes)('%s', (_name, body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it('finds a command at the end of a 60 kB body', () => {
    const body = `${'lorem ipsum dolor '.repeat(3_400)}\n/train alpha=1`;
    expect(body.length).toBeGreaterThan(60_000);
    expect(parseCommand(body)).toEqual({
      type: 'command',
      command: { kind: 'train', params: { alpha: ['1'] } },
      line: '/train alpha=1',
    });
  });
});
