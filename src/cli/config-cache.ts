// The CLI's last validated config, kept in <root>/.trainbot/config-cache.json, so that a command run again on
// an unchanged config does not load and run the validator (zod and js-yaml are ~30 ms of a 0.1 s
// `trainbot compare`, docs/benchmarks.md). An entry is used only for the exact same text (kept whole and compared,
// which is stricter than a hash and spares loading node:crypto, ~6 ms), file name and trainbot build that
// validated it (this module's own file: its size and mtime change with every build), so a changed file, a
// hostile one included, or a new trainbot always goes through the full validation. Only a valid
// config is kept; a cache that is missing, unreadable, or written by anything else just means validating again.
// Who can write .trainbot/ can also edit the config itself, so the cache trusts no one the config does not.
import { dirname } from 'node:path';
import type { TrainbotConfig } from '../config/config-types.js';

// getBuiltinModule, not `import`: see src/cli.ts (an ES import of node:fs loads fs.promises and more).
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');

export interface ConfigCache {
  /** The config validated before from exactly this text, or undefined. */
  read(text: string, configFile: string): TrainbotConfig | undefined;
  /** Remembers a config that passed validation (errors are never kept). */
  write(text: string, configFile: string, config: TrainbotConfig): void;
}

/** This build of trainbot: the file holding this code (a tsc module or a bundle chunk) as it is on disk. */
function thisBuild(): string {
  try {
    const self = statSync(new URL(import.meta.url));
    return `${self.size}:${self.mtimeMs}`;
  } catch {
    return `unknown:${Date.now()}:${Math.random()}`; // no identity: never match an earlier entry
  }
}

export function configCache(file: string, build: string = thisBuild()): ConfigCache {
  return {
    read(text, configFile) {
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        const config = saved.config;
        return saved.version === 1 &&
          saved.build === build &&
          saved.file === configFile &&
          saved.text === text &&
          config &&
          typeof config === 'object' &&
          !Array.isArray(config)
          ? (config as TrainbotConfig)
          : undefined;
      } catch {
        return undefined;
      }
    },
    write(text, configFile, config) {
      try {
        mkdirSync(dirname(file), { recursive: true });
        const draft = `${file}.${process.pid}.tmp`;
        writeFileSync(draft, JSON.stringify({ version: 1, build, file: configFile, text, config }));
        renameSync(draft, file); // whole or not at all, with two CLIs writing at once
      } catch {
        /* a read-only checkout validates every time */
      }
    },
  };
}
