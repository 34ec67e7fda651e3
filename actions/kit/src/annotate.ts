// Turns findings into workflow-command annotations. GitHub shows at most 10 annotations of each level per
// step and drops the rest silently, so we emit the first `max` per level and report how many were left out.
import * as core from '@actions/core';
import type { Finding, Level } from './finding.js';

export const GITHUB_ANNOTATIONS_PER_LEVEL = 10;

export interface AnnotationPlan {
  shown: Finding[];
  omitted: number;
}

/** Which findings get an annotation: the first `max` of each level, in the order given. */
export function planAnnotations(findings: readonly Finding[], max = GITHUB_ANNOTATIONS_PER_LEVEL): AnnotationPlan {
  const used: Record<Level, number> = { error: 0, warning: 0, notice: 0 };
  const shown: Finding[] = [];
  for (const f of findings) {
    if (used[f.level] < max) {
      used[f.level] += 1;
      shown.push(f);
    }
  }
  return { shown, omitted: findings.length - shown.length };
}

export function annotationProperties(f: Finding): core.AnnotationProperties {
  const line = Math.max(1, f.line);
  return {
    title: f.ruleId,
    file: f.file,
    startLine: line,
    endLine: Math.max(line, f.endLine ?? line),
    ...(f.column !== undefined && f.column > 0 ? { startColumn: f.column } : {}),
  };
}

/** Emits the planned annotations and returns the plan, so the summary can say how many were left out. */
export function annotate(findings: readonly Finding[], max = GITHUB_ANNOTATIONS_PER_LEVEL): AnnotationPlan {
  const plan = planAnnotations(findings, max);
  const emit = { error: core.error, warning: core.warning, notice: core.notice };
  for (const f of plan.shown) emit[f.level](f.message, annotationProperties(f));
  return plan;
}
