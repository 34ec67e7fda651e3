// From a command to the runs it asks for, or the reply that stops it, before MLflow or a runner is touched.
// Shared by the bot (after it authorized the commenter), the CLI and the sweep action.
import { type ParseResult, parseCommand } from '../commands/parse-command.js';
import { renderHelp } from '../commands/help.js';
import type { TrainbotConfig } from '../config/config-types.js';
import { type PlannedRun, firstValueProblem, planRuns } from '../runs/plan.js';

export type RequestPlan =
  | { kind: 'runs'; runs: PlannedRun[] }
  | { kind: 'cancel' } // `/train cancel`: only a pull request has runs to cancel
  | { kind: 'reply'; message: string }; // help, or a usage error: nothing starts

/**
 * The answer to a usage error. The parser stops at the first word it cannot read, but a value typed before
 * that word may be wrong too (`alpha=1;rm -rf /`): the answer is about whichever comes first in the line.
 */
export function usageAnswer(reply: Extract<ParseResult, { type: 'reply' }>, config: TrainbotConfig): string {
  return (reply.typedBefore && firstValueProblem(reply.typedBefore, config)) ?? reply.message;
}

/** A parsed command (not `ignore`) against the config. */
export function planCommand(parsed: Exclude<ParseResult, { type: 'ignore' }>, config: TrainbotConfig): RequestPlan {
  if (parsed.type === 'reply') return { kind: 'reply', message: usageAnswer(parsed, config) };
  if (parsed.command.kind === 'help') return { kind: 'reply', message: renderHelp(config) };
  if (parsed.command.kind === 'cancel') return { kind: 'cancel' };
  const plan = planRuns(parsed.command.params, config);
  return plan.ok ? { kind: 'runs', runs: plan.runs } : { kind: 'reply', message: plan.message };
}

/** Command text outside a pull request (the CLI, the sweep action): `cancel` has nothing to act on there. */
export function planRequest(commandText: string, config: TrainbotConfig): { runs: PlannedRun[] } | { reply: string } {
  const parsed = parseCommand(commandText);
  if (parsed.type === 'ignore')
    return { reply: 'That is not a trainbot command; write it like `/train alpha=0.5` (or `/train help`).' };
  const plan = planCommand(parsed, config);
  if (plan.kind === 'cancel')
    return { reply: '`/train cancel` stops the runs of a pull request; there is nothing to cancel here.' };
  return plan.kind === 'runs' ? { runs: plan.runs } : { reply: plan.message };
}
