// Builds MLflow search filters from values that may come from a comment or a branch name, so nothing a user
// types can change the shape of the query. MLflow's filter grammar is AND-only: a filter is a list of clauses.
import { TrackingError } from './tracking-error.js';

export type Clause = { tag: string; equals: string } | { attribute: 'status' | 'run_name'; equals: string };

/** A key inside backticks, as MLflow needs for dotted tag keys like trainbot.repo. */
export function quoteKey(key: string): string {
  // MLflow's tokenizer has no escape for a backtick inside a quoted key; our keys are constants, so refuse.
  if (key.includes('`')) throw new Error(`A filter key cannot contain a backtick: ${key}`);
  return `\`${key}\``;
}

/**
 * A string literal MLflow reads back as exactly `value`. MLflow (3.17, checked) strips the outer quotes and
 * unescapes nothing: 'it''s' and 'it\'s' match nothing. So a value with a single quote goes in double quotes,
 * and a value with both kinds cannot be written at all.
 */
export function filterLiteral(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new TrackingError(
    `MLflow's search cannot look for ${JSON.stringify(value)}: it holds both a single and a double quote; ` +
      'use a branch name or parameter value without one of them.',
  );
}

export function buildFilter(clauses: Clause[]): string {
  return clauses
    .map((clause) =>
      'tag' in clause
        ? `tags.${quoteKey(clause.tag)} = ${filterLiteral(clause.equals)}`
        : `attributes.${clause.attribute} = ${filterLiteral(clause.equals)}`,
    )
    .join(' AND ');
}

/**
 * Runs by id, `attributes.run_id IN ('a', 'b')`: MLflow turns it into `run_uuid IN (…)`, a primary-key read
 * however many runs the server holds (3.17.2, checked), where a tag filter reads every run's tags.
 */
export function runIdsFilter(runIds: readonly string[]): string {
  if (runIds.length === 0) throw new Error('runIdsFilter needs at least one run id');
  return `attributes.run_id IN (${runIds.map(filterLiteral).join(', ')})`;
}
