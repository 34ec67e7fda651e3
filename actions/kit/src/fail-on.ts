// The `fail-on` input shared by the check actions: the lowest finding level that fails the step.
import type { Finding } from './finding.js';
import { InputError } from './errors.js';

export type FailOn = 'error' | 'warning' | 'never';

const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'never'];

export function parseFailOn(input: string, inputName = 'fail-on'): FailOn {
  const value = (input.trim() || 'error').toLowerCase();
  if ((FAIL_ON as readonly string[]).includes(value)) return value as FailOn;
  throw new InputError(`The ${inputName} input "${input}" is not one of ${FAIL_ON.join(', ')}; pick one of them.`);
}

/** The findings that make the step fail under `failOn`; notices never do. */
export function failingFindings(findings: readonly Finding[], failOn: FailOn): Finding[] {
  if (failOn === 'never') return [];
  return findings.filter((f) => f.level === 'error' || (failOn === 'warning' && f.level === 'warning'));
}
