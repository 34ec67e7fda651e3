// Which commit's gitleaks settings a scan must trust: on pull request events the base, never the PR's own.
import { describe, expect, it } from '@jest/globals';
import { trustedBase } from '../src/trusted-settings.js';

const BASE = 'a'.repeat(40);
const event = { pull_request: { base: { sha: BASE }, head: { sha: 'b'.repeat(40) } } };

describe('trustedBase', () => {
  it.each(['pull_request', 'pull_request_target'])('takes the base sha of a %s event', (name) => {
    expect(trustedBase(name, event)).toBe(BASE);
  });

  it.each(['push', 'workflow_dispatch', 'schedule', ''])('leaves the workspace settings alone on %j', (name) => {
    expect(trustedBase(name, event)).toBeUndefined();
  });

  it('ignores a payload without a full sha for the base', () => {
    expect(trustedBase('pull_request', { pull_request: { base: { sha: 'main' } } })).toBeUndefined();
    expect(trustedBase('pull_request', { pull_request: { base: { sha: `${BASE}; rm -rf /` } } })).toBeUndefined();
    expect(trustedBase('pull_request', undefined)).toBeUndefined();
  });
});
