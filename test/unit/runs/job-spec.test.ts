import { describe, expect, it } from '@jest/globals';
import contract from '../../../src/runs/run-contract.json' with { type: 'json' };
import { JOB_LABELS, jobSpecFor, labelValue, originLabels } from '../../../src/runs/job-spec.js';
import { planRuns } from '../../../src/runs/plan.js';
import { CONTRACT_ENV, type RunOrigin } from '../../../src/runs/run-contract.js';
import { repoConfig } from '../config/repo-config.js';

const config = repoConfig();
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const origin: RunOrigin = {
  repo: 'acme/wine',
  pr: 12,
  sha: SHA,
  branch: 'feature/x',
  request: '901',
  role: 'candidate',
  params: 'alpha=0.1 l1_ratio=0.5 seed=42',
};
const planned = planRuns({ alpha: ['0.1'] }, config);
if (!planned.ok) throw new Error(planned.message);
const run = planned.runs[0]!;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

describe('jobSpecFor', () => {
  const spec = jobSpecFor(run, { name: 'trainbot-pr12-abc', origin, runId: 'run-1', config });

  it('passes the contract env by the names in run-contract.json, and nothing else inline', () => {
    expect(spec.env).toEqual({
      [contract.env.trackingUri]: 'http://mlflow.mlflow.svc.cluster.local:5000',
      [contract.env.experimentName]: 'wine-quality-elasticnet',
      [contract.env.runId]: 'run-1',
    });
    expect(Object.keys(spec.env).sort()).toEqual(Object.values(CONTRACT_ENV).sort());
  });

  it('tags the image with the recorded head sha and runs the configured command with the flags as args', () => {
    expect(spec.image).toBe(`ghcr.io/trainbot-dev/trainbot-training:${SHA}`);
    expect(spec.command).toEqual(['python', 'train.py']);
    expect(spec.args).toEqual(['--alpha', '0.1', '--l1-ratio', '0.5', '--seed', '42']);
  });

  it('takes the limits and job settings from the config', () => {
    expect(spec).toMatchObject({
      name: 'trainbot-pr12-abc',
      timeoutSeconds: 1800,
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    });
  });

  it('references no secret when tracking_secret is not configured', () => {
    expect(spec.secretEnv).toEqual([]);
  });

  it('references the token by Secret name and key when tracking_secret is configured, never by value', () => {
    const withSecret = { ...config, trackingSecret: { secret: 'mlflow-token', tokenKey: 'bearer' } };
    const secretSpec = jobSpecFor(run, { name: 'n', origin, runId: 'run-1', config: withSecret });
    expect(secretSpec.secretEnv).toEqual([{ env: 'MLFLOW_TRACKING_TOKEN', secret: 'mlflow-token', key: 'bearer' }]);
    expect(secretSpec.env).toEqual(spec.env);
  });

  it('labels the Job with its origin', () => {
    expect(spec.labels).toEqual({
      [JOB_LABELS.repo]: 'acme.wine',
      [JOB_LABELS.pr]: '12',
      [JOB_LABELS.request]: '901',
      [JOB_LABELS.sha]: SHA,
      [JOB_LABELS.role]: 'candidate',
    });
  });
});

describe('originLabels and labelValue', () => {
  it('leaves out the PR label for a run without a PR', () => {
    const { pr: _, ...noPr } = origin;
    expect(Object.keys(originLabels({ ...noPr, role: 'baseline' }))).toEqual([
      JOB_LABELS.repo,
      JOB_LABELS.request,
      JOB_LABELS.sha,
      JOB_LABELS.role,
    ]);
  });

  it.each([
    ['acme.wine-train_2', 'acme.wine-train_2'],
    ['a b/c<d>', 'a_b_c_d'],
    ['--leading and trailing--', 'leading_and_trailing'],
    ['Ünïcødé', 'n_c_d'],
    ['...', ''],
    ['', ''],
    ['x'.repeat(100), 'x'.repeat(63)],
    [`${'y'.repeat(62)}-z`, 'y'.repeat(62)],
  ])('makes %j the label value %j', (input, expected) => {
    expect(labelValue(input)).toBe(expected);
  });

  it('gives a valid label value of at most 63 characters for any input', () => {
    const pieces = ['', 'a', '-', '_', '.', ' ', '🚀', 'Z9', '\n', '/', '=', 'é'];
    for (const a of pieces)
      for (const b of pieces)
        for (const c of pieces)
          for (const n of [1, 30, 70]) {
            const value = labelValue(`${a}${b.repeat(n)}${c}`);
            expect(value).toMatch(LABEL_VALUE);
            expect(value.length).toBeLessThanOrEqual(63);
          }
  });
});
