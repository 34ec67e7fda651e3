// The Actions recovery run's words (src/index.ts recoverRepository): one log line with the counts, and the job
// summary with one line per request or Job the pass acted on.
import { CLAIM_NOTES } from '../pipeline/claim-notes.js';
import type { ReconcileAction } from '../pipeline/reconcile.js';
import { codeSpan, escapeMarkdown } from './markdown-escape.js';

/** The job summary of a recovery run: the counts, then one line per request or Job it acted on. */
export function recoveryMarkdown(namespace: string, actions: readonly ReconcileAction[]): string {
  const lines = actions.map((a) =>
    a.kind === 'delete-job'
      ? `- Deleted Job ${codeSpan(a.name)}, which no request claims.`
      : `- Pull request #${escapeMarkdown(a.claim.notes[CLAIM_NOTES.pr] ?? '?')}, request ${codeSpan(a.claim.notes[CLAIM_NOTES.request] ?? '')}: ${a.kind === 'finish' ? 'finished' : 'its Jobs still run; a later run finishes it'}.`,
  );
  return [
    '### trainbot recovery',
    '',
    recoverySummary(codeSpan(namespace), actions),
    ...(lines.length ? ['', ...lines] : []),
  ].join('\n');
}

/** The counts of one run, for the log (and, with the namespace as a code span, the job summary). */
export function recoverySummary(namespace: string, actions: readonly ReconcileAction[]): string {
  const count = (kind: ReconcileAction['kind']) => actions.filter((a) => a.kind === kind).length;
  if (actions.length === 0) return `Nothing to recover in namespace ${namespace}.`;
  return `In namespace ${namespace}: ${count('finish')} request(s) finished, ${count('later')} left while their Jobs run, ${count('delete-job')} unclaimed Job(s) deleted.`;
}
