// The one image rule shared by CI and the bot (docs/ci.md, "Which image a run uses"): the training image
// for a commit is tagged with that commit's full 40-hex sha. On a pull request that is the PR's head commit,
// never GitHub's merge commit; on a merge it is the merge commit, which the baseline trains.
// .github/workflows/training.yml pushes that tag, and test/unit/workflows.test.ts holds it to this rule.
// Pure.

/** The tag CI pushes for a commit: the full sha, as GitHub reports it (a short sha could name another commit). */
export function imageTag(sha: string): string {
  return sha;
}

/** `image:<tag>`: the image the bot runs for a commit (config.image carries no tag). */
export function imageRef(image: string, sha: string): string {
  return `${image}:${imageTag(sha)}`;
}
