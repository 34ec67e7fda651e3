// The steps at which the kill -9 tests (test/integration/app/kill-bot.test.ts) and bench/restart-recovery.ts
// kill the bot, and how they start it: a child process (bot-process.ts) whose GitHub is the loopback stand-in
// (fake-github-server.ts) and whose API server is reached through a hold-proxy (hold-proxy.ts). A step is the
// one request that is left unanswered, and unsent: the bot stops right before it, with everything before done.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RequestTest } from './hold-proxy.js';

/** How the request ends once another process finished it. */
export type KillEnd =
  | 'nothing-started' // no run, no Job: "restarted before it started any run"
  | 'run-or-nothing' // killed while its MLflow run was being made: either ending, said once
  | 'never-started' // one MLflow run, FAILED with why; its Job, if any, deleted before it ran
  | 'report'; // the Job ran: the full table, as the live flow posts it

export interface KillStep {
  name: string;
  /** Where the held request goes: GitHub (the stand-in) or the API server (the proxy). */
  at: 'github' | 'kube';
  held: RequestTest;
  /** GitHub carried the held request out, only its answer is lost (default: it never got it). */
  handled?: boolean;
  end: KillEnd;
}

/** The steps (issue 12, point 3), in the order the bot takes them. */
export const KILL_STEPS: readonly KillStep[] = [
  // The 👀 reaction was answered; the check run is being created.
  { name: 'after 👀', at: 'github', held: (m, p) => m === 'POST' && p.endsWith('/check-runs'), end: 'nothing-started' },
  // GitHub created the check run, but its id never reached the bot, so the claim does not name it.
  {
    name: 'after 👀, the check run created but its answer lost',
    at: 'github',
    held: (m, p) => m === 'POST' && p.endsWith('/check-runs'),
    handled: true,
    end: 'nothing-started',
  },
  // The check run exists; the living comment is being looked up, while the MLflow run may be created.
  {
    name: 'after the check run',
    at: 'github',
    held: (m, p) => m === 'GET' && p.endsWith('/issues/1/comments'),
    end: 'run-or-nothing',
  },
  // The MLflow run and its user exist; the Job is being created.
  {
    name: 'after the MLflow run',
    at: 'kube',
    held: (m, p) => m === 'POST' && p.endsWith('/jobs'),
    end: 'never-started',
  },
  // The Job exists, suspended until its Secret with the run's credential is there; the Secret is being created.
  {
    name: 'after the Job was created, before it was started',
    at: 'kube',
    held: (m, p) => m === 'POST' && p.endsWith('/secrets'),
    end: 'never-started',
  },
  // The Job was started; wait() is reading its deadline.
  {
    name: 'after the Job was started, before waiting',
    at: 'kube',
    held: (m, p) => m === 'GET' && p.endsWith('/jobs'),
    end: 'report',
  },
  {
    name: 'while waiting for the Job',
    at: 'github',
    held: (m, p, b) => m === 'PATCH' && p.includes('/issues/comments/') && b.includes('running'),
    end: 'report',
  },
  {
    name: 'after the Job finished, before the final comment',
    at: 'github',
    held: (m, p, b) => m === 'PATCH' && p.includes('/issues/comments/') && b.includes('| Metric'),
    end: 'report',
  },
];

export interface BotProcessOptions {
  dir: string; // holds the kubeconfig and the event file
  kubeconfig: string; // path
  namespace: string;
  github: string; // the stand-in's URL
  now: number;
  /** The delivery to handle; without one the process only reconciles. */
  event?: object;
  /** The claim's timing; default the short 2 s / 0.5 s the tests use. */
  lease?: { durationSeconds: number; renewSeconds: number };
  /** Reconcile at start and every this many ms, as src/index.ts does; default off. */
  reconcileMs?: number;
  /** Sign runs as the deployed bot does (TRAINBOT_SIGNING_KEY); default unsigned. */
  signingKey?: string;
}

const ROOT = resolve(import.meta.dirname, '../..');

export interface BotProcess {
  child: ChildProcess;
  output(): string; // what it wrote, for a failure message
}

export function spawnBot(options: BotProcessOptions): BotProcess {
  let eventPath = '';
  if (options.event) {
    eventPath = join(options.dir, `event-${Date.now()}.json`);
    writeFileSync(eventPath, JSON.stringify(options.event));
  }
  const tsx = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'test', 'support', 'bot-process.ts')], {
    cwd: options.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: options.dir,
      KUBECONFIG: options.kubeconfig,
      MLFLOW_TRACKING_URI: process.env.MLFLOW_TRACKING_URI ?? '',
      MLFLOW_TRACKING_USERNAME: process.env.MLFLOW_TRACKING_USERNAME ?? '',
      MLFLOW_TRACKING_PASSWORD: process.env.MLFLOW_TRACKING_PASSWORD ?? '',
      TRAINBOT_NAMESPACE: options.namespace,
      TRAINBOT_TEST_GITHUB: options.github,
      TRAINBOT_TEST_EVENT: eventPath,
      TRAINBOT_TEST_NOW: String(options.now),
      TRAINBOT_TEST_LEASE_SECONDS: String(options.lease?.durationSeconds ?? 2),
      TRAINBOT_TEST_RENEW_SECONDS: String(options.lease?.renewSeconds ?? 0.5),
      TRAINBOT_TEST_RECONCILE_MS: String(options.reconcileMs ?? 0),
      ...(options.signingKey ? { TRAINBOT_SIGNING_KEY: options.signingKey } : {}),
    },
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
  return { child, output: () => output };
}

/** Resolves when the held request arrived; rejects, with what the bot said, if it exited first. */
export function untilHeld(bot: BotProcess, held: Promise<void>, step: string): Promise<void> {
  return Promise.race([
    held,
    new Promise<never>((_, fail) =>
      bot.child.on('exit', (code) =>
        fail(new Error(`the bot exited (${code}) before ${step}; it wrote:\n${bot.output()}`)),
      ),
    ),
  ]);
}

export const killed = (child: ChildProcess) =>
  new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.on('exit', () => done());
    child.kill('SIGKILL');
  });
