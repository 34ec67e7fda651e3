// Trivy's severities in rising order, and the `severity` threshold input that decides what fails the step.
import { InputError } from '../../kit/src/errors.js';

export const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** A report's severity string; anything Trivy may add later counts as UNKNOWN rather than being dropped. */
export function toSeverity(value: unknown): Severity {
  const upper = String(value ?? '').toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'UNKNOWN';
}

export function parseThreshold(input: string): Severity {
  const value = (input.trim() || 'HIGH').toUpperCase();
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new InputError(
    `The severity input "${input}" is not a Trivy severity: use one of ${SEVERITIES.join(', ')}; findings at or above it fail the step.`,
  );
}
