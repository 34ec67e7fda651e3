// `trainbot` on a developer's machine: the same pipeline as the bot with a LocalRunner instead of Jobs and,
// unless MLFLOW_TRACKING_URI is set, an embedded MLflow server. Wiring only; the steps live in src/pipeline.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalMlflow } from './cli/local-mlflow.js';
import { CONFIG_PATH, describeConfigErrors, parseConfig } from './config/load-config.js';
import { planRequest } from './pipeline/plan-request.js';
import { NO_BASELINE_HINT_OFF_PR, runRequest } from './pipeline/run-request.js';
import { heldSecrets } from './report/held-secrets.js';
import { LocalRunner } from './runners/local/local-runner.js';
import { localSigningKey, signingKeyFromEnv, withSigningKey } from './runs/run-signature.js';
import { MlflowClient } from './tracking/mlflow-client.js';
import { MlflowRunCredentials, withRunCredentials } from './tracking/run-credentials.js';

const USAGE = `Usage: trainbot run "/train alpha=0.5" [--json] [--config FILE] [--root DIR]

  run "<command>"   run a /train command locally and print the comparison with the baseline
  --json            print the result as JSON on stdout (progress still goes to stderr)
  --config FILE     the repository config (default: <root>/${CONFIG_PATH})
  --root DIR        the repository root (default: the git top level of the current directory)

MLflow: MLFLOW_TRACKING_URI (and MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD) when set;
otherwise a local MLflow server with its data in <root>/.trainbot/, run with MLflow's basic-auth app
as a deployment runs it (the CLI is its admin; the password is in .trainbot/mlflow/admin-password).`;

export class UsageError extends Error {}

function git(root: string, args: string[]): string | undefined {
  try {
    return (
      execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

export function parseCli(
  argv: string[],
): { command: string; json: boolean; config?: string; root?: string } | { help: true } {
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
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // Node's own wording is long and version-dependent; say it once, in trainbot's words.
    const e = error as NodeJS.ErrnoException;
    const option = /'(--?[A-Za-z0-9-]{1,40})/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(
        `Unknown option \`${option}\`; trainbot run takes --json, --config FILE, --root DIR and --help.`,
      );
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw new UsageError(`The option \`${option}\` needs a value, like \`--config .github/trainbot.yml\`.`);
    throw new UsageError(`${e.message.split('\n')[0]}. Run \`trainbot --help\` for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { help: true };
  const [verb, command, ...extra] = positionals;
  if (verb !== 'run')
    throw new UsageError(
      `Unknown command ${JSON.stringify(verb?.slice(0, 40))}; the only command is \`trainbot run "/train …"\`.`,
    );
  if (command === undefined)
    throw new UsageError('`trainbot run` needs the command in quotes, like `trainbot run "/train alpha=0.5"`.');
  if (extra.length > 0)
    throw new UsageError(
      'Put the whole command in one pair of quotes, like `trainbot run "/train alpha=0.5 l1_ratio=0.2"`.',
    );
  if (command.length > 10_000)
    throw new UsageError(`The command is ${command.length} characters long; trainbot reads at most 10,000.`);
  return {
    command: command.trim().startsWith('/train') ? command : `/train ${command}`,
    json: values.json,
    config: values.config,
    root: values.root,
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const progress = (text: string) => process.stderr.write(`trainbot: ${text}\n`);
  const cli = parseCli(argv);
  if ('help' in cli) {
    out(USAGE);
    return 0;
  }
  // 1. The request is checked against the config before anything is started or contacted.
  const root = resolve(cli.root ?? git(process.cwd(), ['rev-parse', '--show-toplevel']) ?? process.cwd());
  const configFile = cli.config ?? join(root, CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch {
    throw new UsageError(`No trainbot config at ${configFile}; create \`${CONFIG_PATH}\` or pass \`--config FILE\`.`);
  }
  const loaded = parseConfig(text, cli.config ?? CONFIG_PATH);
  if (!loaded.ok) throw new UsageError(describeConfigErrors(loaded.errors));
  const config = loaded.config;
  const planned = planRequest(cli.command, config);
  if ('reply' in planned) {
    const isHelp = /^\/train\s+help\s*$/.test(cli.command.trim());
    (isHelp ? out : (t: string) => process.stderr.write(`${t}\n`))(planned.reply);
    return isHelp ? 0 : 2;
  }

  // 2. MLflow: the configured server, or the embedded default.
  let stop = () => undefined as void;
  let trackingEnv = env;
  if (!env.MLFLOW_TRACKING_URI) {
    progress('MLFLOW_TRACKING_URI is not set: starting a local MLflow server (data in .trainbot/mlflow).');
    // With MLflow's basic-auth app, as a deployment runs it: the CLI is its admin and each run gets its own user.
    const local = await startLocalMlflow(join(root, '.trainbot'), { auth: true });
    stop = () => {
      local.stop();
      progress(
        `The local MLflow server was stopped; browse its runs with: mlflow ui --backend-store-uri sqlite:///${join(root, '.trainbot', 'mlflow', 'mlflow.db')}`,
      );
    };
    trackingEnv = {
      ...env,
      MLFLOW_TRACKING_URI: local.uri,
      ...(local.admin
        ? { MLFLOW_TRACKING_USERNAME: local.admin.username, MLFLOW_TRACKING_PASSWORD: local.admin.password }
        : {}),
    };
    delete trackingEnv.MLFLOW_TRACKING_TOKEN;
    progress(`MLflow is at ${local.uri}.`);
  }
  try {
    // Runs are signed as the bot signs them: with TRAINBOT_SIGNING_KEY, or the embedded server's own key file.
    const signingKey =
      signingKeyFromEnv(env) ??
      (env.MLFLOW_TRACKING_URI ? undefined : localSigningKey(join(root, '.trainbot', 'signing-key')));
    // Each run gets an MLflow user of its own, as under the bot (src/tracking/run-credentials.ts).
    const tracking = withRunCredentials(
      withSigningKey(MlflowClient.fromEnv(trackingEnv), signingKey),
      MlflowRunCredentials.fromEnv(trackingEnv, progress),
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
  } finally {
    stop();
  }
}
