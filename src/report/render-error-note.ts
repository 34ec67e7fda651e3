// What the living comment says when trainbot itself could not carry a request through. Pure. An error that
// carries a sentence for users (GitHub, MLflow, the runner) is shown as that sentence; anything else is a
// bug, shown as its name and first 500 characters in a collapsed block, the rest kept to the bot's log.
import { escapeMarkdown } from './markdown-escape.js';

/** How far the request got when it stopped. */
export type StopPoint = 'before-start' | 'while-running' | 'after-runs';

export const STOP_TEXT: Record<StopPoint, string> = {
  'before-start': 'Nothing was started',
  'while-running': 'trainbot stopped while the runs were going',
  'after-runs': 'The runs ended, but trainbot could not finish reporting them',
};

export interface ErrorNoteInput {
  title: string;
  stop: StopPoint;
  /** The error's sentence for users; undefined for an internal error. */
  sentence?: string;
  error: unknown;
}

export function renderErrorNote({ title, stop, sentence, error }: ErrorNoteInput): string {
  if (sentence !== undefined) return `${title}\n\n❌ ${STOP_TEXT[stop]}: ${escapeMarkdown(sentence)}`;
  const e = error as { name?: unknown; message?: unknown } | undefined;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = String(e?.message ?? error)
    .slice(0, 500)
    .replace(/[<>`]/g, '');
  return [
    `${title}\n\n❌ ${STOP_TEXT[stop]}: trainbot hit an internal error.`,
    '',
    '<details><summary>What happened</summary>',
    '',
    `${name}: ${message}`,
    '</details>',
  ].join('\n');
}

/** The check run's summary for the same stop: the sentence, never the internal error itself. */
export function errorSummary(sentence: string | undefined): string {
  return sentence !== undefined
    ? escapeMarkdown(sentence)
    : 'trainbot hit an internal error; see the pull request comment.';
}
