// `trainbot` on a developer's machine: the same pipeline as the bot with a LocalRunner instead of Jobs and,
// unless MLFLOW_TRACKING_URI is set, an embedded MLflow server. Wiring only; the steps live in src/pipeline.
// Each command imports what it needs when it runs (`await import`): `trainbot compare` is a whole process in
// users' scripts, and loading the training pipeline it does not use was most of its time (docs/benchmarks.md).
import { basename, join, resolve } from 'node:path';
import type { TrainbotConfig } from './config/config-types.js';
import { UsageError } from './cli/usage-error.js';
import { CONFIG_PATH } from './config/config-path.js';

// node:fs and node:util from getBuiltinModule, not `import`: an ES import of either reads every export, lazy
// ones too (fs.promises, util's diff), and loads ~50 more of Node's modules, ~5 ms of a `trainbot compare`.
const { readFileSync } = process.getBuiltinModule('node:fs');
const { parseArgs } = process.getBuiltinModule('node:util');

export { UsageError };

const usage = (configPath: string) => `Usage: trainbot run "/train alpha=0.5" [--json] [--config FILE] [--root DIR]
       trainbot compare RUN_ID [--baseline RUN_ID] [--json] [--config FILE] [--root DIR]
       trainbot stop [--root DIR]

  run "<command>"   run a /train command locally and print the comparison with the baseline
  compare RUN_ID    print the same comparison for a run that already exists, without training; the baseline is
                    the current one (as the bot finds it) unless --baseline RUN_ID names another run
  stop              stop the local MLflow server that \`trainbot run\` started and left running
  --json            print the result as JSON on stdout (progress still goes to stderr)
  --config FILE     the repository config (default: <root>/${configPath})
  --root DIR        the repository root (default: the git top level of the current directory)

MLflow: MLFLOW_TRACKING_URI (and MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD) when set;
otherwise a local MLflow server with its data in <root>/.trainbot/, run with MLflow's basic-auth app
as a deployment runs it (the CLI is its admin; the password is in .trainbot/mlflow/admin-password, and the
training uses that credential: it runs as you, who can read the file). It is
started once and left running for the next command; \`trainbot stop\` stops it.`;

function git(root: string, args: string[]): string | undefined {
  // Loaded here, not imported: `trainbot compare --root DIR` never runs git, and child_process costs its start.
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  try {
    return (
      execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

interface CommonFlags {
  json: boolean;
  config?: string;
  root?: string;
}
export type CliRequest =
  | ({ verb: 'run'; command: string } & CommonFlags)
  | ({ verb: 'compare'; runId: string; baseline?: string } & CommonFlags)
  | { verb: 'stop'; root?: string }
  | { help: true };

const VALUE_EXAMPLES: Record<string, string> = { '--baseline': '--baseline RUN_ID', '--root': '--root DIR' };
const VERBS = '`trainbot run "/train …"`, `trainbot compare RUN_ID` and `trainbot stop`';

export function parseCli(argv: string[]): CliRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
        root: { type: 'string' },
        baseline: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // Node's own wording is long and version-dependent; say it once, in trainbot's words.
    const e = error as NodeJS.ErrnoException;
    const option = /'(--?[A-Za-z0-9-]{1,40})/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(
        `Unknown option \`${option}\`; trainbot takes --json, --config FILE, --root DIR, --baseline RUN_ID (compare) and --help.`,
      );
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw new UsageError(
        `The option \`${option}\` needs a value, like \`${VALUE_EXAMPLES[option] ?? '--config .github/trainbot.yml'}\`.`,
      );
    throw new UsageError(`${e.message.split('\n')[0]}. Run \`trainbot --help\` for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { help: true };
  const [verb, command, ...extra] = positionals;
  const flags = { json: values.json, config: values.config, root: values.root };
  if (verb !== 'compare' && values.baseline !== undefined)
    throw new UsageError('`--baseline RUN_ID` belongs to `trainbot compare RUN_ID --baseline RUN_ID`.');
  if (verb === 'stop') {
    if (command !== undefined) throw new UsageError('`trainbot stop` takes no arguments (only `--root DIR`).');
    return { verb: 'stop', root: values.root };
  }
  if (verb === 'compare') {
    if (command === undefined)
      throw new UsageError('`trainbot compare` needs the id of a run, like `trainbot compare 3f2a…` (32 characters).');
    if (extra.length > 0)
      throw new UsageError(
        '`trainbot compare` takes one run id; name the baseline with `--baseline RUN_ID`, like `trainbot compare RUN_ID --baseline RUN_ID`.',
      );
    if (values.baseline === '')
      throw new UsageError('The option `--baseline` needs a run id, like `--baseline 3f2a…`.');
    return {
      verb: 'compare',
      runId: command,
      ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
      ...flags,
    };
  }
  if (verb !== 'run')
    throw new UsageError(`Unknown command ${JSON.stringify(verb?.slice(0, 40))}; the commands are ${VERBS}.`);
  if (command === undefined)
    throw new UsageError('`trainbot run` needs the command in quotes, like `trainbot run "/train alpha=0.5"`.');
  if (extra.length > 0)
    throw new UsageError(
      'Put the whole command in one pair of quotes, like `trainbot run "/train alpha=0.5 l1_ratio=0.2"`.',
    );
  if (command.length > 10_000)
    throw new UsageError(`The command is ${command.length} characters long; trainbot reads at most 10,000.`);
  return {
    verb: 'run',
    command: command.trim().startsWith('/train') ? command : `/train ${command}`,
    ...flags,
  };
}

/** The repository root and its config, checked: every command but `stop` needs them before anything starts. */
async function loadConfig(cli: CommonFlags): Promise<{ root: string; config: TrainbotConfig }> {
  const root = rootOf(cli);
  const configFile = cli.config ?? join(root, CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch {
    throw new UsageError(`No trainbot config at ${configFile}; create \`${CONFIG_PATH}\` or pass \`--config FILE\`.`);
  }
  // The same text, validated by this build before, is not validated again (src/cli/config-cache.ts).
  const { configCache } = await import('./cli/config-cache.js');
  const cache = configCache(join(root, '.trainbot', 'config-cache.json'));
  const name = cli.config ?? CONFIG_PATH;
  const cached = cache.read(text, name);
  if (cached) return { root, config: cached };
  // Imported here, not up front: validating loads zod and js-yaml, which `trainbot compare` overlaps with MLflow's answer.
  const { describeConfigErrors, parseConfig } = await import('./config/load-config.js');
  const loaded = parseConfig(text, name);
  if (!loaded.ok) throw new UsageError(describeConfigErrors(loaded.errors));
  cache.write(text, name, loaded.config);
  return { root, config: loaded.config };
}

const rootOf = (cli: { root?: string }) =>
  resolve(cli.root ?? git(process.cwd(), ['rev-parse', '--show-toplevel']) ?? process.cwd());

/**
 * MLFLOW_TRACKING_URI and its credential, or the embedded default: the local server of <root>/.trainbot, found
 * running or started and left running (src/cli/local-mlflow.ts).
 */
async function trackingEnvFor(
  root: string,
  env: NodeJS.ProcessEnv,
  progress: (text: string) => void,
): Promise<NodeJS.ProcessEnv> {
  if (env.MLFLOW_TRACKING_URI) return env;
  const { ensureLocalMlflow } = await import('./cli/local-mlflow.js');
  // With MLflow's basic-auth app, as a deployment runs it: the CLI is its admin (runs get no user of their own: runUsersFor).
  const local = await ensureLocalMlflow(join(root, '.trainbot'), {
    auth: true,
    onStart: () =>
      progress(
        'MLFLOW_TRACKING_URI is not set: starting a local MLflow server (data in .trainbot/mlflow); it keeps running for later commands, `trainbot stop` stops it.',
      ),
  });
  const trackingEnv: NodeJS.ProcessEnv = {
    ...env,
    MLFLOW_TRACKING_URI: local.uri,
    ...(local.admin
      ? { MLFLOW_TRACKING_USERNAME: local.admin.username, MLFLOW_TRACKING_PASSWORD: local.admin.password }
      : {}),
  };
  delete trackingEnv.MLFLOW_TRACKING_TOKEN;
  return trackingEnv;
}

/**
 * Whether each run gets an MLflow user of its own, as under the bot (src/tracking/run-credentials.ts): yes on a
 * server named by MLFLOW_TRACKING_URI, shared with others; no on the embedded default. There the training code
 * runs as the developer's own OS user, who can read .trainbot/mlflow/admin-password (and the signing key), so
 * a user limited to one experiment would protect nothing, and making one cost more than the ≤ 1.2× issue 13
 * allows a warm run (docs/benchmarks.md, docs/security.md). The training is then handed the CLI's admin
 * credential (src/cli/shared-credential.ts).
 */
export function runUsersFor(env: NodeJS.ProcessEnv): 'per-run' | 'admin' {
  return env.MLFLOW_TRACKING_URI ? 'per-run' : 'admin';
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const progress = (text: string) => process.stderr.write(`trainbot: ${text}\n`);
  const cli = parseCli(argv);
  if ('help' in cli) {
    out(usage(CONFIG_PATH));
    return 0;
  }
  if (cli.verb === 'stop') {
    const { stopLocalMlflow } = await import('./cli/local-mlflow.js');
    const stopped = await stopLocalMlflow(join(rootOf(cli), '.trainbot'));
    progress(stopped === 'stopped' ? 'The local MLflow server was stopped.' : 'No local MLflow server was running.');
    return 0;
  }
  if (cli.verb === 'compare') return compare(cli, env, out, progress);
  // 1. The request is checked against the config before anything is started or contacted.
  const { root, config } = await loadConfig(cli);
  const { planRequest } = await import('./pipeline/plan-request.js');
  const planned = planRequest(cli.command, config);
  if ('reply' in planned) {
    const isHelp = /^\/train\s+help\s*$/.test(cli.command.trim());
    (isHelp ? out : (t: string) => process.stderr.write(`${t}\n`))(planned.reply);
    return isHelp ? 0 : 2;
  }

  // 2. MLflow: the configured server, or the embedded default (left running for the next command).
  const [
    { NO_BASELINE_HINT_OFF_PR, runRequest },
    { heldSecrets },
    { LocalRunner },
    { localSigningKey, signingKeyFromEnv, withSigningKey },
    { MlflowClient },
    { MlflowRunCredentials, withRunCredentials },
    { sharedCredential },
  ] = await Promise.all([
    import('./pipeline/run-request.js'),
    import('./report/held-secrets.js'),
    import('./runners/local/local-runner.js'),
    import('./runs/run-signature.js'),
    import('./tracking/mlflow-client.js'),
    import('./tracking/run-credentials.js'),
    import('./cli/shared-credential.js'),
  ]);
  const trackingEnv = await trackingEnvFor(root, env, progress);
  progress(`MLflow is at ${trackingEnv.MLFLOW_TRACKING_URI}.`);
  // Runs are signed as the bot signs them: with TRAINBOT_SIGNING_KEY, or the embedded server's own key file.
  const signingKey =
    signingKeyFromEnv(env) ??
    (env.MLFLOW_TRACKING_URI ? undefined : localSigningKey(join(root, '.trainbot', 'signing-key')));
  const tracking = withRunCredentials(
    withSigningKey(MlflowClient.fromEnv(trackingEnv), signingKey),
    runUsersFor(env) === 'per-run'
      ? MlflowRunCredentials.fromEnv(trackingEnv, progress)
      : trackingEnv.MLFLOW_TRACKING_USERNAME && trackingEnv.MLFLOW_TRACKING_PASSWORD
        ? sharedCredential(trackingEnv.MLFLOW_TRACKING_USERNAME, trackingEnv.MLFLOW_TRACKING_PASSWORD)
        : undefined,
  );
  const trackingUri = trackingEnv.MLFLOW_TRACKING_URI as string;
  // The container contract points runs at the server the CLI uses, not the in-cluster URL of the config.
  const localConfig = { ...config, trackingUri };
  const runner = new LocalRunner({
    workdir: join(root, config.workdir),
    env: trackingEnv,
    onOutput: cli.json ? undefined : (name, line) => process.stderr.write(`  [${name}] ${line}\n`),
  });
  const sha = git(root, ['rev-parse', 'HEAD']) ?? 'local';
  const outcome = await runRequest({
    plans: planned.runs,
    config: localConfig,
    tracking,
    runner,
    missingBaseline: 'train',
    noBaselineHint: NO_BASELINE_HINT_OFF_PR,
    origin: {
      repo: `local/${basename(root)}`,
      sha,
      branch: git(root, ['rev-parse', '--abbrev-ref', 'HEAD']) ?? 'local',
      request: `cli-${Date.now()}`,
    },
    runUrl: (experimentId, runId) => `${trackingUri}/#/experiments/${experimentId}/runs/${runId}`,
    onProgress: progress,
    onChange: (runs) => progress(runs.map((r) => `${r.name} ${r.state}`).join(', ')),
    onError: (error, name) =>
      progress(
        `${name} failed inside trainbot: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
    secrets: [...heldSecrets(trackingEnv), ...(signingKey === undefined ? [] : [signingKey])],
  });
  if (cli.json) {
    out(
      JSON.stringify(
        {
          experimentId: outcome.experimentId,
          conclusion: outcome.conclusion,
          baseline: outcome.baseline ?? null,
          best: outcome.best?.name ?? null,
          runs: outcome.runs,
        },
        null,
        2,
      ),
    );
  } else {
    out(outcome.markdown);
    for (const run of outcome.runs.filter((r) => r.logTail)) out(`\nLast lines of ${run.name}:\n${run.logTail}`);
  }
  return outcome.runs.every((r) => r.state === 'finished') ? 0 : 1;
}

/** `trainbot compare`: two MLflow requests, the table (or JSON) on stdout, nothing trained or started but MLflow. */
async function compare(
  cli: Extract<CliRequest, { verb: 'compare' }>,
  env: NodeJS.ProcessEnv,
  out: (text: string) => void,
  progress: (text: string) => void,
): Promise<number> {
  const [{ checkRunId }, { localSigningKey, signingKeyFromEnv, withSigningKey }, { MlflowClient }] = await Promise.all([
    import('./cli/run-id.js'),
    import('./runs/run-signature.js'),
    import('./tracking/mlflow-client.js'),
  ]);
  // Bad ids are refused before anything is started or contacted.
  const runId = checkRunId(cli.runId, 'the run to compare');
  if (cli.baseline !== undefined) checkRunId(cli.baseline, 'the --baseline run');
  const client = (trackingEnv: NodeJS.ProcessEnv, key: string | undefined) =>
    withSigningKey(MlflowClient.fromEnv(trackingEnv), key);
  // With MLFLOW_TRACKING_URI set and --baseline given, the run is asked for before the config is read, so MLflow's
  // time overlaps with loading the config and the report's modules. By default the run is read together with the
  // baseline the pointer names (compare-runs.ts), which needs the config's experiment first.
  const early = env.MLFLOW_TRACKING_URI ? client(env, signingKeyFromEnv(env)) : undefined;
  const first = cli.baseline === undefined ? undefined : early?.getRun(runId);
  first?.catch(() => undefined); // read (and its error shown) by compareRuns below
  const [{ root, config }, { compareRuns }, { experimentCache }] = await Promise.all([
    loadConfig(cli),
    import('./cli/compare-runs.js'),
    import('./cli/experiment-cache.js'),
  ]);
  let tracking = early;
  if (!tracking) {
    const trackingEnv = await trackingEnvFor(root, env, progress);
    tracking = client(trackingEnv, signingKeyFromEnv(env) ?? localSigningKey(join(root, '.trainbot', 'signing-key')));
  }
  // The early request answers the first read of that run; any other read is a request of its own.
  let prefetched = first;
  const port = Object.assign(Object.create(tracking) as typeof tracking, {
    getRun: (id: string) => {
      const answer = id === runId ? prefetched : undefined;
      prefetched = undefined;
      return answer ?? (tracking as NonNullable<typeof early>).getRun(id);
    },
  });
  const outcome = await compareRuns({
    runId,
    ...(cli.baseline === undefined ? {} : { baselineRunId: cli.baseline }),
    config,
    tracking: port,
    experimentIds: experimentCache(join(root, '.trainbot', 'experiment-ids.json'), tracking.url),
    runUrl: (experimentId, id) => `${tracking.url}/#/experiments/${experimentId}/runs/${id}`,
  });
  if (cli.json)
    out(
      JSON.stringify(
        {
          experimentId: outcome.experimentId,
          conclusion: outcome.conclusion,
          baseline: outcome.baseline ?? null,
          run: outcome.candidate,
        },
        null,
        2,
      ),
    );
  else out(outcome.markdown);
  return 0;
}
