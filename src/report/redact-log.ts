// The end of a training log, made safe to post on a pull request: only the last lines, long lines cut,
// the secrets the bot holds and anything shaped like a credential replaced. Pure.
//
// The log comes from the code under test, so it may be built to leak or to stall. Every line is cut to
// LINE_CAP characters before anything looks at it; then two linear passes collect the spans to hide (the
// bot's own secrets in all their encodings, src/report/secret-needles.ts; credential shapes,
// src/report/find-credentials.ts), and one more writes the result. No regular expression runs over the
// log: the one this replaced took 27.5 s on a single 200 kB line, blocking every other webhook meanwhile.
import { findCredentials } from './find-credentials.js';
import { findNeedles, secretNeedles } from './secret-needles.js';

/**
 * Characters of one line that redaction reads; the rest of the line is dropped and marked with `…`.
 * Far more than a report shows (TailOptions.maxLineChars, 300 by default), so a secret that straddles the
 * shown part is still seen whole, unless it is itself longer than the gap (almost 4,000 characters).
 */
export const LINE_CAP = 4096;
export const REDACTED = '[REDACTED]';

export interface TailOptions {
  lines: number;
  maxLineChars?: number; // at most LINE_CAP
  secrets?: readonly string[]; // exact values to hide (e.g. the MLflow token the bot holds)
}

/** `text` with every line longer than `cap` cut to `cap` characters plus `…` (never inside a surrogate pair). */
export function capLines(text: string, cap: number = LINE_CAP): string {
  let out = '';
  let copied = 0;
  let cut = false;
  for (let start = 0; start <= text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (end - start > cap) {
      const keep = isHighSurrogate(text.charCodeAt(start + cap - 1)) ? cap - 1 : cap;
      out += `${text.slice(copied, start + keep)}…`;
      copied = end;
      cut = true;
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  return cut ? out + text.slice(copied) : text;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** `text` with lines capped (`cap`, LINE_CAP by default) and every secret or credential-shaped span hidden. */
export function redact(text: string, secrets: readonly string[] = [], cap: number = LINE_CAP): string {
  const capped = capLines(text, cap);
  const starts: number[] = [];
  const ends: number[] = [];
  const mark = (start: number, end: number): void => {
    if (end <= start) return;
    starts.push(start);
    ends.push(end);
  };
  findNeedles(capped, secretNeedles(secrets), mark);
  findCredentials(capped, mark);
  return hideSpans(capped, starts, ends);
}

/** Replaces each span (overlapping or touching spans as one) with REDACTED. */
function hideSpans(text: string, starts: readonly number[], ends: readonly number[]): string {
  if (starts.length === 0) return text;
  const order = Array.from(starts.keys()).sort((a, b) => (starts[a] as number) - (starts[b] as number));
  let out = '';
  let copied = 0;
  let spanStart = -1;
  let spanEnd = -1;
  const flush = (): void => {
    out += text.slice(copied, spanStart) + REDACTED;
    copied = spanEnd;
  };
  for (const k of order) {
    const start = starts[k] as number;
    const end = ends[k] as number;
    if (spanStart !== -1 && start <= spanEnd) {
      spanEnd = Math.max(spanEnd, end);
      continue;
    }
    if (spanStart !== -1) flush();
    [spanStart, spanEnd] = [start, end];
  }
  flush();
  return out + text.slice(copied);
}

export function tailLog(text: string, options: TailOptions): string {
  const max = Math.min(options.maxLineChars ?? 300, LINE_CAP);
  const lines = redact(text, options.secrets).split('\n');
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return lines
    .slice(-options.lines)
    .map((l) => (l.length > max ? `${l.slice(0, max)}…` : l))
    .join('\n');
}
