// Which tags an image gets. Pure: the entry passes in the commit, branch and default branch.
import { InputError } from '../../kit/src/errors.js';

/** Docker's tag grammar (distribution/reference): a word character first, then up to 127 of [\w.-]. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export interface TagContext {
  sha: string; // the commit being built (GITHUB_SHA)
  branch: string; // GITHUB_REF_NAME, e.g. 'main', 'feature/x', '12/merge'
  defaultBranch: string; // the repository's default branch
  extra?: string[]; // tags the workflow asks for, validated rather than rewritten
}

/**
 * Turn a branch name into a valid tag: every run of characters a tag cannot hold becomes one '-', and
 * leading '.'/'-' are dropped because a tag must start with a word character; a trailing '-' left by the
 * replacement is dropped too. '' when nothing is left.
 */
export function sanitizeTag(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/-+$/, '');
}

/** The sentence for a tag the registry would refuse; undefined when the tag is valid. */
export function tagProblem(tag: string): string | undefined {
  if (TAG_PATTERN.test(tag)) return undefined;
  return `The tag "${tag}" is not a valid image tag: use up to 128 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'.`;
}

/**
 * The commit sha always (so every push is traceable), the sanitized branch name, `latest` only from the
 * default branch (a feature branch must never move what users pull by default), then any extra tags.
 * Throws an InputError for an empty sha or the tagProblem sentence for an invalid tag.
 */
export function computeTags(ctx: TagContext): string[] {
  if (ctx.sha.trim() === '')
    throw new InputError(
      'The commit sha is empty: set the sha input, which defaults to the commit the workflow runs on.',
    );
  const tags = [ctx.sha.trim()];
  const branch = sanitizeTag(ctx.branch);
  if (branch !== '') tags.push(branch);
  if (ctx.branch !== '' && ctx.branch === ctx.defaultBranch) tags.push('latest');
  tags.push(...(ctx.extra ?? []));
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) throw new InputError(problem);
  }
  return [...new Set(tags)];
}
