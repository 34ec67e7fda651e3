import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { evaluateTerraform, TEST_DB_PASSWORD } from './terraform-eval.js';
import {
  block,
  blocks,
  INFRA_DIR,
  labelled,
  loadTerraform,
  resource,
  valuesOf,
  type TerraformFile,
} from './terraform-files.js';

// Each test runs the real terraform: seconds on an idle machine, more while other suites run.
jest.setTimeout(60_000);

let files: TerraformFile[];
beforeAll(async () => {
  files = await loadTerraform();
});

const CREDENTIAL_KEY = /password|secret|token|credential|backend_store_uri/i;

describe('secrets in the Terraform', () => {
  it('no .tf file holds a credential literal: every credential-named value is an expression', () => {
    const literals: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => visit(item, `${path}[${i}]`));
        return;
      }
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        // Descriptions and messages are prose about the password, not the password.
        if (['description', 'error_message', 'condition'].includes(key)) continue;
        if (CREDENTIAL_KEY.test(key) && typeof value === 'string' && !value.startsWith('${'))
          literals.push(`${path}.${key}`);
        visit(value, `${path}.${key}`);
      }
    };
    for (const file of files) visit(file.json, file.name);
    expect(literals).toEqual([]);
  });

  it('var.db_password is read only where the Secrets are built: the credentials Secret and the backend URI local', () => {
    const readers = files.filter((file) => file.text.includes('var.db_password')).map((file) => file.name);
    expect(readers.sort()).toEqual(['locals.tf', 'postgres.tf', 'variables.tf']);
    const secret = resource(files, 'kubernetes_secret_v1', 'postgres');
    expect(secret.data).toEqual({
      POSTGRES_DB: '${var.db_name}',
      POSTGRES_USER: '${var.db_user}',
      POSTGRES_PASSWORD: '${var.db_password}',
    });
    expect(resource(files, 'kubernetes_secret_v1', 'mlflow_backend_store').data).toEqual({
      MLFLOW_BACKEND_STORE_URI: '${local.mlflow_backend_store_uri}',
    });
  });

  it('no output is sensitive or reads the password, a Secret or the backend URI', () => {
    const outputs = labelled(files, 'output');
    expect(outputs.size).toBeGreaterThan(0);
    for (const [name, body] of outputs) {
      expect({ name, sensitive: body.sensitive }).toEqual({ name, sensitive: undefined });
      expect({ name, value: JSON.stringify(body.value) }).toEqual({
        name,
        value: expect.not.stringMatching(/db_password|kubernetes_secret|backend_store/),
      });
    }
  });

  it('MLflow gets its backend store URI from the Secret by reference, never as a plain value or argument', () => {
    const deployment = resource(files, 'kubernetes_deployment_v1', 'mlflow');
    const container = block(block(block(block(deployment, 'spec'), 'template'), 'spec'), 'container');
    const env = blocks(container, 'env');
    expect(env.filter((e) => e.name === 'MLFLOW_BACKEND_STORE_URI')).toEqual([
      {
        name: 'MLFLOW_BACKEND_STORE_URI',
        value_from: [
          {
            secret_key_ref: [
              {
                key: 'MLFLOW_BACKEND_STORE_URI',
                name: '${kubernetes_secret_v1.mlflow_backend_store.metadata[0].name}',
              },
            ],
          },
        ],
      },
    ]);
    // The other variables are plain settings (pool sizes, where the auth config is mounted) or the web app's key
    // from its Secret, never connection details.
    const others = env.filter(
      (e) => !['MLFLOW_BACKEND_STORE_URI', 'MLFLOW_FLASK_SERVER_SECRET_KEY'].includes(e.name as string),
    );
    expect(JSON.stringify(others)).not.toMatch(/postgres|password|secret/i);
    expect(JSON.stringify(container.args)).not.toMatch(/backend-store|postgresql/);
  });

  it('PostgreSQL reads each credential from the Secret by reference', () => {
    const statefulSet = resource(files, 'kubernetes_stateful_set_v1', 'postgres');
    const container = block(block(block(block(statefulSet, 'spec'), 'template'), 'spec'), 'container');
    expect(valuesOf(container, 'secret_key_ref')).toEqual([
      [{ key: '${env.value}', name: '${kubernetes_secret_v1.postgres.metadata[0].name}' }],
    ]);
    expect(blocks(container, 'env')).toEqual([{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }]);
  });

  it('the backend URI selects psycopg2 and survives a password with URI delimiters', async () => {
    const result = await evaluateTerraform(
      { db_password: TEST_DB_PASSWORD },
      { uri: 'nonsensitive(local.mlflow_backend_store_uri)' },
    );
    expect(result.ok).toBe(true);
    const uri = new URL(result.ok ? String(result.values.uri) : '');
    expect(uri.protocol).toBe('postgresql+psycopg2:');
    expect(decodeURIComponent(uri.password)).toBe(TEST_DB_PASSWORD);
    expect(`${uri.username}@${uri.host}${uri.pathname}`).toBe('mlflow@postgres.mlflow.svc.cluster.local:5432/mlflow');
  });

  it('state, plans and variable files are kept out of git, because they hold the password', () => {
    const ignored = readFileSync(join(INFRA_DIR, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toEqual(
      expect.arrayContaining(['*.tfstate', '*.tfstate.*', '*.tfvars', '*.tfplan', '.terraform/']),
    );
  });

  it("MLflow runs the basic-auth app with its config file and web app key from a Secret, and the bot's credential stays out of the training namespace", () => {
    const deployment = resource(files, 'kubernetes_deployment_v1', 'mlflow');
    const podSpec = block(block(block(deployment, 'spec'), 'template'), 'spec');
    const container = block(podSpec, 'container');
    expect(JSON.stringify(container.args)).toContain('"--app-name","basic-auth"');
    const env = blocks(container, 'env');
    expect(env.filter((e) => e.name === 'MLFLOW_AUTH_CONFIG_PATH')).toEqual([
      { name: 'MLFLOW_AUTH_CONFIG_PATH', value: '${local.mlflow_auth_config_dir}/basic_auth.ini' },
    ]);
    expect(env.filter((e) => e.name === 'MLFLOW_FLASK_SERVER_SECRET_KEY')).toEqual([
      {
        name: 'MLFLOW_FLASK_SERVER_SECRET_KEY',
        value_from: [
          {
            secret_key_ref: [
              { key: 'MLFLOW_FLASK_SERVER_SECRET_KEY', name: '${kubernetes_secret_v1.mlflow_auth.metadata[0].name}' },
            ],
          },
        ],
      },
    ]);
    expect(blocks(container, 'volume_mount').filter((m) => m.name === 'auth-config')).toEqual([
      { name: 'auth-config', mount_path: '${local.mlflow_auth_config_dir}', read_only: true },
    ]);
    expect(JSON.stringify(blocks(podSpec, 'volume').filter((v) => v.name === 'auth-config'))).toContain(
      '${kubernetes_secret_v1.mlflow_auth.metadata[0].name}',
    );
    expect(resource(files, 'kubernetes_secret_v1', 'mlflow_auth').data).toEqual({
      'basic_auth.ini': '${local.mlflow_auth_ini}',
      MLFLOW_FLASK_SERVER_SECRET_KEY: '${var.mlflow_flask_secret_key}',
    });
    const admin = resource(files, 'kubernetes_secret_v1', 'trainbot_mlflow_admin');
    expect(admin.data).toEqual({
      MLFLOW_TRACKING_USERNAME: '${var.mlflow_admin_username}',
      MLFLOW_TRACKING_PASSWORD: '${var.mlflow_admin_password}',
    });
    expect(JSON.stringify(admin.metadata)).toContain('kubernetes_namespace_v1.mlflow');
    const readers = files.filter((file) => file.text.includes('var.mlflow_admin_password')).map((file) => file.name);
    expect(readers.sort()).toEqual(['mlflow-auth.tf', 'variables.tf']);
  });

  it('the auth database is a second database on the same PostgreSQL, with the same URL-encoded credentials', async () => {
    const result = await evaluateTerraform(
      { db_password: TEST_DB_PASSWORD },
      { uri: 'nonsensitive(local.mlflow_auth_db_uri)' },
    );
    if (!result.ok) throw new Error(result.errors);
    const uri = new URL(result.values.uri as string);
    expect(decodeURIComponent(uri.password)).toBe(TEST_DB_PASSWORD);
    expect(`${uri.protocol}//${uri.username}@${uri.host}${uri.pathname}`).toBe(
      'postgresql+psycopg2://mlflow@postgres.mlflow.svc.cluster.local:5432/mlflow_auth',
    );
  });
});
