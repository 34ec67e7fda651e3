import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { evaluateTerraform, TEST_DB_PASSWORD } from './terraform-eval.js';
import { blocks, labelled, loadTerraform, type HclBody, type TerraformFile } from './terraform-files.js';

// Each test runs the real terraform: seconds on an idle machine, more while other suites run.
jest.setTimeout(60_000);

let variables: Map<string, HclBody>;
beforeAll(async () => {
  const files: TerraformFile[] = await loadTerraform();
  variables = labelled(files, 'variable');
});

describe('infrastructure variables', () => {
  it('each have a type, a description that is a sentence, and validation whose message names the variable', () => {
    expect(variables.size).toBeGreaterThan(0);
    for (const [name, body] of variables) {
      expect({ name, type: typeof body.type }).toEqual({ name, type: 'string' });
      expect({ name, description: body.description }).toEqual({
        name,
        description: expect.stringMatching(/^[A-Z].{10,}\.$/),
      });
      const validations = blocks(body, 'validation');
      expect({ name, validations: validations.length > 0 }).toEqual({ name, validations: true });
      for (const validation of validations) {
        expect({ name, message: validation.error_message }).toEqual({
          name,
          message: expect.stringMatching(new RegExp(`^${name}[ :]`)),
        });
      }
    }
  });

  it('db_password is sensitive and has no default, so it must come from TF_VAR_db_password', () => {
    const password = variables.get('db_password');
    expect(password).toBeDefined();
    expect(password?.sensitive).toBe(true);
    expect(password).not.toHaveProperty('default');
  });

  it('every variable but the three secrets has a default, so a bring-up needs only the passwords and the key', () => {
    const withoutDefault = [...variables].filter(([, body]) => !('default' in body)).map(([name]) => name);
    expect(withoutDefault.sort()).toEqual(['db_password', 'mlflow_admin_password', 'mlflow_flask_secret_key']);
    for (const name of withoutDefault)
      expect({ name, sensitive: variables.get(name)?.sensitive }).toEqual({ name, sensitive: true });
  });

  it('default to the namespaces trainbot expects: MLflow in "mlflow", training Jobs in "trainbot-training", the bot in "trainbot"', () => {
    expect(variables.get('mlflow_namespace')?.default).toBe('mlflow');
    expect(variables.get('training_namespace')?.default).toBe('trainbot-training');
    expect(variables.get('bot_namespace')?.default).toBe('trainbot');
  });
});

describe('variable validation, evaluated by terraform', () => {
  it('accepts the defaults with only a password given', async () => {
    const result = await evaluateTerraform({ db_password: TEST_DB_PASSWORD }, { ns: 'var.training_namespace' });
    expect(result).toEqual({ ok: true, values: { ns: 'trainbot-training' } });
  });

  it('accepts images pinned by digest or by a version tag behind a registry port', async () => {
    const digest = `registry.example:5000/mlflow@sha256:${'a'.repeat(64)}`;
    const result = await evaluateTerraform(
      { db_password: TEST_DB_PASSWORD, mlflow_image: digest, postgres_image: 'registry.example:5000/postgres:17.2' },
      { images: '[var.mlflow_image, var.postgres_image]' },
    );
    expect(result).toEqual({ ok: true, values: { images: [digest, 'registry.example:5000/postgres:17.2'] } });
  });

  it('refuses unpinned images, a short password, bad names and a host list that disables the Host check, each with its own sentence', async () => {
    const result = await evaluateTerraform(
      {
        db_password: 'too-short',
        mlflow_image: 'trainbot-mlflow:latest',
        postgres_image: 'postgres',
        training_namespace: 'Training_Jobs',
        db_user: 'mlflow-user',
        postgres_storage_size: '5GB',
        mlflow_workers: '0',
        mlflow_extra_allowed_hosts: '["*"]',
        bot_image: 'trainbot-bot:latest',
        bot_replicas: '1.5',
        bot_namespace: 'Trainbot',
      },
      {},
    );
    expect(result.ok).toBe(false);
    const errors = result.ok ? '' : result.errors;
    for (const message of [
      'db_password must be at least 16 characters; generate one with `openssl rand -base64 24`.',
      'mlflow_image must be pinned: name:VERSION (a tag starting with a digit, not latest) or name@sha256:DIGEST.',
      'postgres_image must be pinned: name:VERSION (a tag starting with a digit, not latest) or name@sha256:DIGEST.',
      "training_namespace must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters.",
      "db_user must be a plain PostgreSQL identifier: lowercase letters, digits and '_', at most 63 characters.",
      'postgres_storage_size must be a quantity in Mi, Gi or Ti, such as 5Gi.',
      'mlflow_workers must be a whole number from 1 to 16.',
      'mlflow_extra_allowed_hosts entries must be host names or host:port patterns, and not the bare "*" that would switch the Host check off.',
      'bot_image must be pinned: name:VERSION (a tag starting with a digit, not latest) or name@sha256:DIGEST.',
      'bot_replicas must be a whole number from 0 to 10.',
      "bot_namespace must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters.",
    ]) {
      expect(errors).toContain(message);
    }
  });
});
