// Where a repository keeps trainbot's config. A module of its own so that the CLI can name the file without
// loading the validator (zod), which a cached config does not need (src/cli/config-cache.ts).
export const CONFIG_PATH = '.github/trainbot.yml';
