// Repository permission levels and their order. GitHub's collaborator-permission endpoint folds team and
// organisation grants into one level, so comparing that level with the configured minimum is the whole rule.
import type { Permission } from '../config/config-types.js';

/** A repository permission as GitHub reports it; `none` means the user has no access at all. */
export type RepoPermission = Permission | 'none';

/** Lowest first: each level includes everything the ones before it may do. */
export const PERMISSION_LEVELS: readonly Permission[] = ['read', 'triage', 'write', 'maintain', 'admin'];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSION_LEVELS as readonly string[]).includes(value);
}

/** True when `actual` is at least `minimum`; `none` never meets any minimum. */
export function meetsMinimum(actual: RepoPermission, minimum: Permission): boolean {
  if (actual === 'none') return false;
  return PERMISSION_LEVELS.indexOf(actual) >= PERMISSION_LEVELS.indexOf(minimum);
}

/**
 * The level from a collaborator-permission answer. `role_name` distinguishes triage and maintain, which the
 * legacy `permission` field folds into read and write; a custom role's name is not a level, so its base
 * `permission` decides. Anything unrecognised counts as `none`, so an unexpected answer never grants access.
 */
export function permissionFromResponse(data: { permission?: unknown; role_name?: unknown }): RepoPermission {
  if (isPermission(data.role_name)) return data.role_name;
  if (isPermission(data.permission)) return data.permission;
  return 'none';
}
