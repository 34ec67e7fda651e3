import { describe, expect, it } from '@jest/globals';
import { runName } from '../../../src/runs/plan.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const base = {
  repo: 'acme/wine',
  pr: 12,
  request: 'comment-901',
  paramsKey: 'alpha=0.5 l1_ratio=0.5 seed=42',
  role: 'candidate' as const,
};

describe('runName', () => {
  it('is the same for the same request, so a redelivered webhook finds the Job it already made', () => {
    expect(runName(base)).toBe(runName({ ...base }));
    expect(runName(base)).toMatch(/^trainbot-pr12-[0-9a-f]{12}$/);
  });

  it('differs when the repo, PR, request, params or role differ', () => {
    const names = [
      runName(base),
      runName({ ...base, repo: 'acme/beer' }),
      runName({ ...base, pr: 13 }),
      runName({ ...base, request: 'comment-902' }),
      runName({ ...base, paramsKey: 'alpha=0.6 l1_ratio=0.5 seed=42' }),
      runName({ ...base, role: 'baseline' }),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it('says whether a run without a PR is a baseline or a plain run', () => {
    const { pr: _, ...noPr } = base;
    expect(runName({ ...noPr, role: 'baseline' })).toMatch(/^trainbot-baseline-[0-9a-f]{12}$/);
    expect(runName(noPr)).toMatch(/^trainbot-run-[0-9a-f]{12}$/);
  });

  it('is always a DNS-1123 label of at most 63 characters, whatever the inputs hold', () => {
    const hostile = ['', 'A'.repeat(500), '../../etc', 'Ünïcødé 🚀', 'a\nb', '"; rm -rf /', '<img src=x>', '-', '_'];
    const seen = new Set<string>();
    let count = 0;
    for (const repo of ['acme/wine', 'Org.With.Dots/Repo_Name', ...hostile]) {
      for (const request of ['1', '99999999999', 'cli-1732650000000', ...hostile]) {
        for (const pr of [undefined, 1, 999_999, Number.MAX_SAFE_INTEGER]) {
          for (const role of ['candidate', 'baseline'] as const) {
            const name = runName({ repo, pr, request, paramsKey: `${repo}|${request}`, role });
            expect(name).toMatch(DNS_LABEL);
            expect(name.length).toBeLessThanOrEqual(63);
            seen.add(name);
            count += 1;
          }
        }
      }
    }
    // Every input reaches the digest, so no two combinations share a name.
    expect(seen.size).toBe(count);
  });
});
