import { describe, expect, it } from '@jest/globals';
import { meetsMinimum, permissionFromResponse, PERMISSION_LEVELS } from '../../../src/auth/permission-level.js';

describe('meetsMinimum', () => {
  it('orders the levels read < triage < write < maintain < admin', () => {
    for (const [i, minimum] of PERMISSION_LEVELS.entries()) {
      const verdicts = PERMISSION_LEVELS.map((actual) => meetsMinimum(actual, minimum));
      expect(verdicts).toEqual(PERMISSION_LEVELS.map((_, j) => j >= i));
    }
  });

  it('never lets `none` through, not even for a `read` minimum', () => {
    expect(meetsMinimum('none', 'read')).toBe(false);
  });

  it.each([
    ['triage', 'write', false],
    ['maintain', 'write', true],
    ['write', 'admin', false],
  ] as const)('%s against a %s minimum is %s', (actual, minimum, verdict) => {
    expect(meetsMinimum(actual, minimum)).toBe(verdict);
  });
});

describe('permissionFromResponse', () => {
  it('prefers role_name, which tells triage and maintain apart from read and write', () => {
    expect(permissionFromResponse({ permission: 'read', role_name: 'triage' })).toBe('triage');
    expect(permissionFromResponse({ permission: 'write', role_name: 'maintain' })).toBe('maintain');
  });

  it('falls back to permission when role_name is a custom role or missing', () => {
    expect(permissionFromResponse({ permission: 'write', role_name: 'ml-reviewer' })).toBe('write');
    expect(permissionFromResponse({ permission: 'admin' })).toBe('admin');
  });

  it('counts an unknown or absent answer as none', () => {
    expect(permissionFromResponse({ permission: 'none', role_name: '' })).toBe('none');
    expect(permissionFromResponse({ permission: 'superuser' })).toBe('none');
    expect(permissionFromResponse({})).toBe('none');
  });
});
