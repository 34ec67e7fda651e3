// The CLI's last validated config, kept in <root>/.trainbot/config-cache.json, so that a command run again on
// an unchanged config does not load and run the validator (zod and js-yaml are ~30 ms of a 0.1 s
// `trainbot compare`, docs/benchmarks.md). The key is a SHA-256 of the config file's exact text, its name and the
// trainbot build that validated it (this module's own file: its size and mtime change with every build), so a
// changed file, a hostile one included, or a new trainbot always goes through the full validation. Only a valid
// config is kept; a cache that is missing, unreadable, or written by anything else just means validating again.
// Who can write .trainbot/ can also edit the config itself, so the cache trusts no one the config does not.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainbotConfig } from '../config/config-types.js';

export interface ConfigCache {
  /** The config validated before from exactly this text, or undefined. */
  read(text: string, configFile: string): TrainbotConfig | undefined;
  /** Remembers a config that passed validation (errors are never kept). */
  write(text: string, configFile: string, config: TrainbotConfig): void;
}

/** This build of trainbot: the file holding this code (a tsc module or a bundle chunk) as it is on disk. */
function thisBuild(): string {
  try {
    const self = statSync(fileURLToPath(import.meta.url));
    return `${self.size}:${self.mtimeMs}`;
  } catch {
    return `unknown:${Date.now()}:${Math.random()}`; // no identity: never match an earlier entry
  }
}

export function configCache(file: string, build: string = thisBuild()): ConfigCache {
  const keyOf = (text: string, configFile: string) =>
    createHash('sha256').update(`trainbot config cache 1\0${build}\0${configFile}\0${text}`).digest('hex');
  return {
    read(text, configFile) {
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; config?: unknown };
        const config = saved.config;
        return saved.key === keyOf(text, configFile) && config && typeof config === 'object' && !Array.isArray(config)
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
        writeFileSync(draft, JSON.stringify({ key: keyOf(text, configFile), config }));
        renameSync(draft, file); // whole or not at all, with two CLIs writing at once
      } catch {
        /* a read-only checkout validates every time */
      }
    },
  };
}
