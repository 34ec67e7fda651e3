import { afterAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { planBaseline } from '../../../src/runs/plan.js';
import { RUN_TAGS, originTags } from '../../../src/runs/run-contract.js';
import { checkMetrics, metricsTags } from '../../../src/runs/metrics-signature.js';
import {
  SIGNED_TAGS,
  localSigningKey,
  signRun,
  signedText,
  signingKeyFromEnv,
  verifyRun,
  withSigningKey,
} from '../../../src/runs/run-signature.js';
import type { JobSpec, Runner } from '../../../src/runners/runner.js';
import { findBaseline, findPullRequestRuns, findRequestRuns } from '../../../src/tracking/run-queries.js';
import type { TrackedRun } from '../../../src/tracking/tracked-run.js';
import { claimInProcess, releaseInProcess } from '../../../src/runners/in-process-claims.js';

const KEY = 'k'.repeat(40);
const OTHER_KEY = 'z'.repeat(40);
const origin = {
  repo: 'acme/wine',
  sha: 'a'.repeat(40),
  branch: 'main',
  request: 'merge-7',
  role: 'baseline' as const,
  params: 'alpha=0.5 l1_ratio=0.5',
};
const baseTags = originTags(origin);

function run(runId: string, tags: Record<string, string>, startTime = 1): TrackedRun {
  return {
    info: { runId, runName: runId, experimentId: '7', status: 'FINISHED', startTime },
    metrics: {},
    params: {},
    tags,
  };
}
const signed = (runId: string, tags = baseTags, key = KEY) =>
  run(runId, { ...tags, [RUN_TAGS.signature]: signRun(key, runId, tags) });
/** A signed run as it is once it ended FINISHED: its (here: no) compared metrics recorded and signed too. */
const ended = (runId: string, tags = baseTags) => {
  const r = signed(runId, tags);
  return { ...r, tags: { ...r.tags, ...metricsTags(KEY, runId, r.metrics, []) } };
};

describe('signRun and verifyRun', () => {
  it('is the HMAC-SHA256 of the scheme, the run id and one JSON "key"="value" line per signed tag, keys sorted', () => {
    const tags = { [RUN_TAGS.role]: 'baseline', [RUN_TAGS.branch]: 'main', 'mlflow.user': 'bot' };
    const text = 'trainbot-run-signature v1\n"r1"\n"trainbot.branch"="main"\n"trainbot.role"="baseline"';
    expect(signedText('r1', tags)).toBe(text);
    expect(signRun(KEY, 'r1', tags)).toBe(createHmac('sha256', KEY).update(text).digest('hex'));
  });

  it('signs every contract tag the bot sets at creation: not the signature itself nor the metrics record made when the run ends', () => {
    expect(SIGNED_TAGS).toEqual([
      'mlflow.source.git.commit',
      'trainbot.branch',
      'trainbot.params',
      'trainbot.pr',
      'trainbot.repeat',
      'trainbot.repo',
      'trainbot.request',
      'trainbot.role',
      'trainbot.sha',
    ]);
  });

  it('accepts a run whose tags are the signed ones, whatever tags MLflow or the container add beside them', () => {
    const withExtras = signed('r1');
    withExtras.tags['mlflow.runName'] = 'trainbot-main-1';
    withExtras.tags['mlflow.user'] = 'root';
    expect(verifyRun(KEY, withExtras)).toBe(true);
  });

  it.each([
    ['role', RUN_TAGS.role, 'candidate'],
    ['branch', RUN_TAGS.branch, 'release'],
    ['params', RUN_TAGS.params, 'alpha=0.1 l1_ratio=0.5'],
    ['git commit', RUN_TAGS.gitCommit, 'b'.repeat(40)],
  ])('rejects a run whose %s tag changed after signing', (_name, key, value) => {
    const forged = signed('r1');
    forged.tags[key] = value;
    expect(verifyRun(KEY, forged)).toBe(false);
  });

  it('rejects a signed tag added after signing, so a baseline cannot gain a trainbot.pr', () => {
    const forged = signed('r1');
    forged.tags[RUN_TAGS.pr] = '12';
    expect(verifyRun(KEY, forged)).toBe(false);
  });

  it('rejects a signature copied onto another run id', () => {
    const real = signed('real-baseline');
    expect(verifyRun(KEY, run('pr-run', real.tags))).toBe(false);
  });

  it('rejects a signature made with another key, a missing one and one that is not 64 hex digits', () => {
    expect(verifyRun(KEY, signed('r1', baseTags, OTHER_KEY))).toBe(false);
    expect(verifyRun(KEY, run('r1', baseTags))).toBe(false);
    expect(verifyRun(KEY, run('r1', { ...baseTags, [RUN_TAGS.signature]: 'ab' }))).toBe(false);
    expect(verifyRun(KEY, run('r1', { ...baseTags, [RUN_TAGS.signature]: 'Z'.repeat(64) }))).toBe(false);
  });

  it('keeps hostile values apart: a newline, a quote or "=" in a value cannot pass for another tag set', () => {
    const split = { [RUN_TAGS.branch]: 'main"\n"trainbot.role"="baseline', [RUN_TAGS.repo]: 'acme/wine' };
    const joined = { [RUN_TAGS.branch]: 'main', [RUN_TAGS.role]: 'baseline', [RUN_TAGS.repo]: 'acme/wine' };
    expect(signedText('r1', split)).not.toBe(signedText('r1', joined));
    expect(verifyRun(KEY, run('r1', { ...joined, [RUN_TAGS.signature]: signRun(KEY, 'r1', split) }))).toBe(false);
    const hostile = { ...baseTags, [RUN_TAGS.branch]: "o'brien`s \u0000 ✓ `x` = 'y'" };
    expect(verifyRun(KEY, signed('r1', hostile))).toBe(true);
  });

  it('tells an empty tag from a missing one', () => {
    expect(signedText('r1', { [RUN_TAGS.pr]: '' })).not.toBe(signedText('r1', {}));
  });
});

describe('the signing key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('comes from TRAINBOT_SIGNING_KEY, trimmed, and is absent when unset or blank', () => {
    expect(signingKeyFromEnv({ TRAINBOT_SIGNING_KEY: ` ${KEY}\n` })).toBe(KEY);
    expect(signingKeyFromEnv({})).toBeUndefined();
    expect(signingKeyFromEnv({ TRAINBOT_SIGNING_KEY: '  ' })).toBeUndefined();
  });

  it('refuses a key shorter than 32 characters with a sentence that says how to make one', () => {
    expect(() => signingKeyFromEnv({ TRAINBOT_SIGNING_KEY: 'hunter2' })).toThrow(
      new Error(
        'TRAINBOT_SIGNING_KEY is 7 characters long; use at least 32 random characters, e.g. the output of `openssl rand -hex 32`.',
      ),
    );
  });

  it('is made once for the CLI as 64 hex digits in a file only its owner can read, then reused', () => {
    const file = join(dir, '.trainbot', 'signing-key');
    const first = localSigningKey(file);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(localSigningKey(file)).toBe(first);
    expect(readFileSync(file, 'utf8')).toBe(`${first}\n`);
  });

  it('refuses a key file that was emptied, naming the file and the fix', () => {
    const file = join(dir, 'empty-key');
    writeFileSync(file, '\n');
    expect(() => localSigningKey(file)).toThrow(
      new Error(
        `The signing key in ${file} is shorter than 32 characters; delete the file and run again to make a new one.`,
      ),
    );
  });
});

/** Answers runs/search with the given runs and records what was asked. */
function searcher(runs: TrackedRun[], key?: string) {
  const asked: Array<{ maxResults?: number; filter?: string }> = [];
  const client = withSigningKey(
    {
      searchRuns: async (input: { maxResults?: number; filter?: string }) => {
        asked.push({ maxResults: input.maxResults, filter: input.filter });
        return { runs: runs.slice(0, input.maxResults) };
      },
      searchAllRuns: async () => ({ runs, truncated: false }),
    },
    key,
  );
  return { client, asked };
}

describe('queries with a signing key', () => {
  const query = { experimentId: '7', repo: 'acme/wine', branch: 'main', params: origin.params };
  const forged = run('pr-run', { ...baseTags, [RUN_TAGS.signature]: 'f'.repeat(64) }, 9);
  const unsigned = run('old-run', baseTags, 8);
  const real = ended('real-baseline');

  it('findBaseline reads the 10 newest matches in one search and returns the newest that verifies', async () => {
    const { client, asked } = searcher([forged, unsigned, real], KEY);
    expect((await findBaseline(client, query))?.info.runId).toBe('real-baseline');
    expect(asked.map((a) => a.maxResults)).toEqual([10]);
  });

  it('findBaseline asks for one run and checks nothing when no key is configured, as before signing', async () => {
    const { client, asked } = searcher([forged, unsigned, real]);
    expect((await findBaseline(client, query))?.info.runId).toBe('pr-run');
    expect(asked.map((a) => a.maxResults)).toEqual([1]);
  });

  it('findBaseline limits the search to baselines started before a time when asked', async () => {
    const { client, asked } = searcher([real], KEY);
    await findBaseline(client, { ...query, startedBefore: 1234.9 });
    expect(asked[0]?.filter).toMatch(/ AND attributes\.start_time < 1234$/);
  });

  it('findPullRequestRuns and findRequestRuns drop runs that do not verify', async () => {
    const { client } = searcher(
      [forged, signed('c1'), unsigned, signed('c2', { ...baseTags, [RUN_TAGS.role]: 'candidate' })],
      KEY,
    );
    const pr = await findPullRequestRuns(client, { experimentId: '7', repo: 'acme/wine', pr: 12 });
    const request = await findRequestRuns(client, { experimentId: '7', repo: 'acme/wine', request: 'merge-7' });
    expect(pr).toEqual({
      runs: [signed('c1'), signed('c2', { ...baseTags, [RUN_TAGS.role]: 'candidate' })],
      truncated: false,
    });
    expect(request.runs.map((r) => r.info.runId)).toEqual(['c1', 'c2']);
  });
});

describe('executeRuns with a signing key', () => {
  const configText =
    'experiment: sign\nimage: ghcr.io/acme/train\nparams:\n  alpha: { type: float, min: 0, max: 1, default: 0.5 }\nmetrics:\n  rmse: { goal: minimize }\nprimary_metric: rmse\n';
  const parsed = parseConfig(configText);

  it('signs the tags it created the run with, in one setTags request, before the container starts, and the metrics it read when it ended', async () => {
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const config: TrainbotConfig = parsed.config;
    const calls: string[] = [];
    let created: Record<string, string> = {};
    let signature = '';
    let recorded: Record<string, string> = {};
    const tracking = withSigningKey(
      {
        createRun: async (input: { tags: Record<string, string> }) => {
          calls.push('createRun');
          created = input.tags;
          return run('run-42', { ...input.tags, 'mlflow.runName': 'x' });
        },
        setTags: async (runId: string, tags: Record<string, string>) => {
          calls.push(`setTags ${runId} ${Object.keys(tags).join(',')}`);
          if (tags[RUN_TAGS.signature] !== undefined) signature = tags[RUN_TAGS.signature] as string;
          else recorded = tags;
        },
        getRun: async () => ({ ...run('run-42', {}), metrics: { rmse: 0.7436, mae: 0.6 } }),
        setTerminated: async () => undefined,
      },
      KEY,
    );
    const runner: Runner = {
      dispatch: async (spec: JobSpec) => {
        calls.push(`dispatch ${spec.env.MLFLOW_RUN_ID}`);
        return { name: spec.name };
      },
      wait: async () => ({ status: 'succeeded' }),
      logs: async () => '',
      cancel: async () => undefined,
      active: async () => [],
      claim: claimInProcess,
      release: releaseInProcess,
    };
    const [result] = await executeRuns({
      plans: [planBaseline(config)],
      config,
      experimentId: '7',
      tracking,
      runner,
      origin: { repo: 'acme/wine', sha: 'a'.repeat(40), branch: 'main', request: 'r', role: 'baseline' },
    });
    expect(result?.state).toBe('finished');
    expect(calls).toEqual([
      'createRun',
      'setTags run-42 trainbot.signature',
      'dispatch run-42',
      'setTags run-42 trainbot.metrics,trainbot.metrics_signature',
    ]);
    expect(signature).toBe(signRun(KEY, 'run-42', created));
    expect(verifyRun(KEY, run('run-42', { ...created, [RUN_TAGS.signature]: signature }))).toBe(true);
    // Only the compared metric (rmse) is recorded: mae is not in this config.
    expect(recorded[RUN_TAGS.metrics]).toBe('[["rmse","0.7436"]]');
    expect(result?.metrics).toEqual({ rmse: 0.7436, mae: 0.6 });
    expect(checkMetrics(KEY, { ...run('run-42', recorded), metrics: { rmse: 0.7436 } })).toEqual({
      status: 'intact',
      metrics: { rmse: 0.7436 },
    });
  });
});
