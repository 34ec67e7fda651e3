// Experiment ids the CLI looked up by name, kept in <root>/.trainbot/experiment-ids.json per MLflow server, so
// `trainbot compare` needs no experiments/get-by-name on later calls (MLflow never reuses an experiment id; a
// remembered one that finds nothing is looked up again, see compare-runs.ts). Only ids and the server's URL
// without credentials are written. A file that cannot be read or written just means the lookup is made.
import { dirname } from 'node:path';
import type { ExperimentIds } from './compare-runs.js';

// getBuiltinModule, not `import`: see src/cli.ts (an ES import of node:fs loads fs.promises and more).
const { mkdirSync, readFileSync, renameSync, writeFileSync } = process.getBuiltinModule('node:fs');

type Ids = Record<string, Record<string, string>>;

/** The server as a key: the URL without user:password@ and without a trailing slash. Pure. */
export function serverKey(trackingUri: string): string {
  return trackingUri.replace(/\/\/[^@/]*@/, '//').replace(/\/+$/, '');
}

function read(file: string): Ids {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return json && typeof json === 'object' && !Array.isArray(json) ? (json as Ids) : {};
  } catch {
    return {};
  }
}

export function experimentCache(file: string, trackingUri: string): ExperimentIds {
  const server = serverKey(trackingUri);
  return {
    get(name) {
      const id = read(file)[server]?.[name];
      return typeof id === 'string' && /^[\w-]{1,64}$/.test(id) ? id : undefined;
    },
    set(name, id) {
      try {
        const ids = read(file);
        ids[server] = { ...ids[server], [name]: id };
        mkdirSync(dirname(file), { recursive: true });
        const draft = `${file}.${process.pid}.tmp`;
        writeFileSync(draft, `${JSON.stringify(ids, null, 2)}\n`);
        renameSync(draft, file); // whole or not at all, with two CLIs writing at once
      } catch {
        /* a read-only checkout still compares, with one request more next time */
      }
    },
  };
}
