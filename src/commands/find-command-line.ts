// Finds the `/train` line of a comment. The comment is read roughly as GitHub renders it, so that only a
// command a reader sees at the start of a line can start work. Never counted (DESIGN.md, security model):
//   - lines inside fenced code (``` or ~~~, at any indentation, also after a list marker), up to the closing
//     fence or the end of the comment;
//   - quoted lines (`>`, `>>`, `> >` …) and the lines a quote lazily continues until the next blank line,
//     since GitHub shows those inside the quote too;
//   - indented code (4+ columns after a blank line) and anything inside an inline code span or an HTML
//     comment, even when the span or comment runs over several lines;
//   - `/train` anywhere but the start of a line (up to 3 spaces of indentation, like any markdown block,
//     or more where the line continues a paragraph, because GitHub then shows it at a line start).
// `/train` must be followed by a space, a tab or the end of the line (`/trainer` is another word) and is
// case-sensitive, like Prow's commands. When in doubt the scanner ignores: an ignored command can be
// retyped, a command nobody meant to give cannot be taken back.
// One pass, no backtracking regexes: linear in the length of the comment.

export const COMMAND_WORD = '/train';

interface Fence {
  char: string;
  length: number;
  indent: number;
}
interface State {
  fence: Fence | undefined;
  inQuote: boolean; // a quote whose paragraph lazy lines continue
  paragraph: boolean; // the previous line was paragraph text (so indentation does not make code)
  codeTicks: number; // length of the backtick run of an open inline code span, 0 when none
  htmlComment: boolean;
}

/** Columns of leading indentation (tabs stop every 4) and where the content starts. */
function indentation(line: string): { columns: number; start: number } {
  let columns = 0;
  let start = 0;
  for (; start < line.length; start += 1) {
    if (line[start] === ' ') columns += 1;
    else if (line[start] === '\t') columns += 4 - (columns % 4);
    else break;
  }
  return { columns, start };
}

function runLength(text: string, from: number, char: string): number {
  let end = from;
  while (text[end] === char) end += 1;
  return end - from;
}

const LIST_MARKER = /(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)/y;

/** Skips list markers (`- `, `* `, `1. `, `2) `, nested) so fences inside list items are seen. */
function afterListMarkers(text: string): string {
  let at = 0;
  for (;;) {
    LIST_MARKER.lastIndex = at;
    if (!LIST_MARKER.test(text)) return text.slice(at);
    at = LIST_MARKER.lastIndex;
    if (at >= text.length) return '';
  }
}

function openingFence(content: string, indent: number): Fence | undefined {
  const char = content[0];
  if (char !== '`' && char !== '~') return undefined;
  const length = runLength(content, 0, char);
  if (length < 3) return undefined;
  // A backtick "fence" whose info string holds a backtick is inline code in CommonMark, not a fence.
  if (char === '`' && content.indexOf('`', length) >= 0) return undefined;
  return { char, length, indent };
}

function closesFence(line: string, fence: Fence): boolean {
  const { columns, start } = indentation(line);
  if (columns > fence.indent + 3) return false;
  const length = runLength(line, start, fence.char);
  return length >= fence.length && line.slice(start + length).trim() === '';
}

/** Follows inline code spans and HTML comments through one line of paragraph text. */
function scanInline(text: string, state: State): void {
  let i = 0;
  while (i < text.length) {
    if (state.htmlComment) {
      const end = text.indexOf('-->', i);
      if (end < 0) return;
      state.htmlComment = false;
      i = end + 3;
    } else if (text[i] === '`') {
      const run = runLength(text, i, '`');
      if (state.codeTicks === 0) state.codeTicks = run;
      else if (state.codeTicks === run) state.codeTicks = 0;
      i += run;
    } else if (state.codeTicks > 0) {
      i += 1;
    } else if (text[i] === '\\') {
      i += 2;
    } else if (text.startsWith('<!--', i)) {
      state.htmlComment = true;
      i += 4;
    } else {
      i += 1;
    }
  }
}

function trimEndSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end -= 1;
  return text.slice(0, end);
}

function isCommand(content: string): boolean {
  if (!content.startsWith(COMMAND_WORD)) return false;
  const next = content[COMMAND_WORD.length];
  return next === undefined || next === ' ' || next === '\t';
}

/** The first `/train` line a reader sees as a command, from `/train` on without trailing blanks. */
export function findCommandLine(body: string): string | undefined {
  const state: State = { fence: undefined, inQuote: false, paragraph: false, codeTicks: 0, htmlComment: false };
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (state.fence !== undefined) {
      if (closesFence(line, state.fence)) state.fence = undefined;
      continue;
    }
    if (state.htmlComment) {
      scanInline(line, state);
      continue;
    }
    const { columns, start } = indentation(line);
    const content = line.slice(start);
    if (content.trim() === '') {
      Object.assign(state, { inQuote: false, paragraph: false, codeTicks: 0 });
      continue;
    }
    const listed = afterListMarkers(content);
    const fence = openingFence(listed, columns + content.length - listed.length);
    if (fence !== undefined) {
      Object.assign(state, { fence, inQuote: false, paragraph: false, codeTicks: 0 });
      continue;
    }
    if (content.startsWith('>')) {
      Object.assign(state, { inQuote: true, paragraph: false });
      continue;
    }
    if (state.inQuote) continue;
    if (columns >= 4 && !state.paragraph) continue;
    if (state.codeTicks === 0 && isCommand(content)) {
      return trimEndSpaces(content);
    }
    scanInline(content, state);
    state.paragraph = true;
  }
  return undefined;
}
