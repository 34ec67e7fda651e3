// `/train` as people type it in a pull request comment. Pure: never throws, never posts; the caller acts on
// the result. The grammar, chosen to match what Atlantis, Prow and slash-command-dispatch users expect:
//   - the command is the first line a reader sees as `/train …` (see find-command-line.ts for what does
//     not count: quotes, code, mid-line mentions, `/trainer`, `/TRAIN`); the rest of the comment is prose;
//   - `/train` alone trains with every parameter at its default; `/train help` and `/train cancel` take no
//     other words; any other first bare word is an unknown subcommand;
//   - parameters are `key=value` words; keys match KEY_PATTERN; values are raw strings, checked against the
//     repository config later; an unquoted comma separates the values of a sweep axis (`alpha=0.1,0.5`),
//     while quoted text keeps its spaces, commas and `=` (`note="a, b"`); every value is non-empty;
//   - a key given twice is a mistake, not a silent override: the reply suggests one comma list.
// Caps keep hostile input cheap and the reply short; everything is linear in the comment's length.
import { findCommandLine, COMMAND_WORD } from './find-command-line.js';
import { quoteInput } from '../report/markdown-escape.js';
import { nearestName } from './nearest-name.js';
import { typedValue, tokenise, type Token } from './tokenise.js';

export type TrainCommand =
  | { kind: 'train'; params: Record<string, string[]> } // raw values; a comma list is a grid axis
  | { kind: 'help' }
  | { kind: 'cancel' };

export type ParseResult =
  | { type: 'command'; command: TrainCommand; line: string }
  // A usage error: what is wrong and how to fix it. `typedBefore` holds the parameters typed before the wrong
  // word; the caller checks their values first, so the answer is about the first wrong word of the line.
  | { type: 'reply'; message: string; typedBefore?: Record<string, string[]> }
  | { type: 'ignore' };

export const KEY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_BODY_CHARS = 65_536; // GitHub's own limit for a comment body
export const MAX_LINE_CHARS = 1_000;
export const MAX_KEYS = 32;
export const MAX_AXIS_VALUES = 256;

const HELP_POINTER = 'See `/train help` for the syntax.';
const SUBCOMMANDS = ['help', 'cancel'] as const;
const SUBCOMMAND_LIKE = /^[A-Za-z][A-Za-z0-9_-]*$/;
// Characters that have no business in a command and could hide what it says: controls, format characters
// (zero-width spaces and joiners, bidi marks), line separators and everything Unicode says to draw as nothing.
// A tab is a separator. Echoed, `alpha=0.5` + U+200B reads as a valid value that was refused.
const INVISIBLE = /(?!\t)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
// Spaces other than U+0020 look like separators but are part of a word (no-break space, em space, …).
const ODD_SPACE = /(?! )\p{Zs}/u;

const IGNORE: ParseResult = { type: 'ignore' };
const usage = (problem: string): ParseResult => ({ type: 'reply', message: `${problem} ${HELP_POINTER}` });
const quoted = (text: string): string => `“${quoteInput(text)}”`;
const fail = (problem: string): { problem: ParseResult } => ({ problem: usage(problem) });
const count = (n: number): string => n.toLocaleString('en-US');
const codePoint = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** A word with no quotes and no `=`: a subcommand in first place, a mistake anywhere else. */
function bareWord(token: Token): string | undefined {
  const [only, ...more] = token.parts;
  return only !== undefined && more.length === 0 && !only.quoted && !only.text.includes('=') ? only.text : undefined;
}

/** Splits `key=value,value` at unquoted `=` and `,`; quoted parts are kept whole. */
function splitPair(token: Token): { keyRaw: string; keyQuoted: boolean; items: string[]; equals: number } {
  let keyRaw = '';
  let keyQuoted = false;
  let equals = 0;
  const items: string[] = [''];
  for (const part of token.parts) {
    if (part.quoted) {
      if (equals === 0) [keyRaw, keyQuoted] = [keyRaw + part.raw, true];
      else items[items.length - 1] += part.text;
      continue;
    }
    for (const c of part.text) {
      if (c === '=') equals += 1;
      if (equals === 0) keyRaw += c;
      else if (c === ',') items.push('');
      else if (c !== '=' || equals > 1) items[items.length - 1] += c;
    }
  }
  return { keyRaw, keyQuoted, items, equals };
}

/** How the user could have written `key` once: its values as one comma list, quoted where needed. */
function asOneList(key: string, items: string[]): string {
  return `${key}=${items.map((v) => typedValue(v)).join(',')}`;
}

/** The parameters, or the first problem with them in the order they were typed. */
function parseParams(tokens: Token[]): { params: Record<string, string[]> } | { problem: ParseResult } {
  // A Map, not an object literal: `constructor=1` must not find Object's own `constructor`.
  const params = new Map<string, string[]>();
  const problem = checkParams(tokens, params);
  if (problem === undefined) return { params: Object.fromEntries(params) };
  const reply = problem.problem;
  return params.size === 0 || reply.type !== 'reply'
    ? problem
    : { problem: { ...reply, typedBefore: Object.fromEntries(params) } };
}

/** Adds each token to `params` in order; the first problem stops it, leaving the params typed before it. */
function checkParams(tokens: Token[], params: Map<string, string[]>): { problem: ParseResult } | undefined {
  for (const token of tokens) {
    const { keyRaw, keyQuoted, items, equals } = splitPair(token);
    if (equals === 0) {
      return fail(`${quoted(token.raw)} is not a \`key=value\` pair; write each parameter as \`name=value\`.`);
    }
    if (keyRaw === '')
      return fail(`${quoted(token.raw)} has no parameter name before \`=\`; write it as \`name=value\`.`);
    if (keyQuoted || !KEY_PATTERN.test(keyRaw)) {
      return fail(
        `${quoted(keyRaw)} is not a valid parameter name; names are 1 to 64 lowercase letters, digits ` +
          'and `_`, starting with a letter, without quotes.',
      );
    }
    if (equals > 1) {
      return fail(
        `${quoted(token.raw)} has more than one \`=\`; write one \`name=value\` per parameter and quote a value that contains \`=\`.`,
      );
    }
    if (items.length === 1 && items[0] === '') {
      return fail(`${quoted(token.raw)} has no value; put the value right after \`=\`, without a space.`);
    }
    if (items.includes('')) {
      return fail(`${quoted(token.raw)} has an empty item in its comma list; remove the extra comma.`);
    }
    const earlier = params.get(keyRaw);
    if (earlier !== undefined) {
      const merged = asOneList(keyRaw, [...earlier, ...items]);
      return fail(
        `${quoted(keyRaw)} is given more than once; give it once with all its values as a comma list, like ${quoted(merged)}.`,
      );
    }
    if (items.length > MAX_AXIS_VALUES) {
      return fail(
        `${quoted(keyRaw)} lists ${count(items.length)} values; one comma list holds at most ${MAX_AXIS_VALUES}, so sweep fewer values.`,
      );
    }
    if (params.size === MAX_KEYS) {
      return fail(
        `The command sets more than ${MAX_KEYS} parameters; give at most ${MAX_KEYS} and leave the rest at their defaults.`,
      );
    }
    params.set(keyRaw, items);
  }
  return undefined;
}

function parseArguments(line: string): ParseResult {
  const words = tokenise(line.slice(COMMAND_WORD.length));
  if (words.type === 'unterminated') {
    const name = words.quote === '"' ? 'double' : 'single';
    return usage(
      `The ${name} quote in ${quoted(words.rest)} is never closed; add the closing ${words.quote} or remove the quote.`,
    );
  }
  const [first, ...rest] = words.tokens;
  const word = first === undefined ? undefined : bareWord(first);
  if (word !== undefined) {
    const sub = SUBCOMMANDS.find((s) => s === word);
    if (sub !== undefined && rest.length > 0) {
      const extra = rest.map((t) => t.raw).join(' ');
      return usage(`\`/train ${sub}\` takes no other words, but got ${quoted(extra)}; write just \`/train ${sub}\`.`);
    }
    if (sub !== undefined) return { type: 'command', command: { kind: sub }, line };
    if (SUBCOMMAND_LIKE.test(word)) {
      const near = nearestName(word, SUBCOMMANDS);
      const fix =
        near === undefined
          ? 'use `help` or `cancel`'
          : `did you mean \`/train ${near}\`? Otherwise use \`help\` or \`cancel\``;
      return usage(`${quoted(word)} is not a \`/train\` subcommand; ${fix}, or give parameters as \`name=value\`.`);
    }
  }
  const parsed = parseParams(words.tokens);
  if ('problem' in parsed) return parsed.problem;
  return { type: 'command', command: { kind: 'train', params: parsed.params }, line };
}

/** Reads the `/train` command of a comment body, if it has one. */
export function parseCommand(body: string): ParseResult {
  if (body.length > MAX_BODY_CHARS) {
    // Too long to be a real GitHub comment: answer only if it even mentions the command.
    if (!body.includes(COMMAND_WORD)) return IGNORE;
    return usage(
      `The comment is ${count(body.length)} characters long, more than GitHub's limit of ${count(MAX_BODY_CHARS)}; post the \`/train\` command in a shorter comment.`,
    );
  }
  const line = findCommandLine(body);
  if (line === undefined) return IGNORE;
  if (line.length > MAX_LINE_CHARS) {
    return usage(
      `The \`/train\` line is ${count(line.length)} characters long; keep it to ${count(MAX_LINE_CHARS)} or fewer by sweeping fewer values.`,
    );
  }
  const invisible = INVISIBLE.exec(line);
  if (invisible !== null) {
    return usage(
      `The \`/train\` line contains the invisible control character ${codePoint(invisible[0])}; retype the command without it.`,
    );
  }
  const space = ODD_SPACE.exec(line);
  if (space !== null) {
    return usage(
      `The \`/train\` line contains ${codePoint(space[0])}, which looks like a space but is not one; retype the command with plain spaces.`,
    );
  }
  return parseArguments(line);
}
