import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { INFRA_DIR, labelled, loadTerraform, REPO_DIR, valuesOf, type TerraformFile } from './terraform-files.js';

// An exact version tag (starting with a digit, so never `latest`) or a sha256 digest.
const PINNED_IMAGE = /^\S+(:[0-9][\w.-]*|@sha256:[0-9a-f]{64})$/;

let files: TerraformFile[];
beforeAll(async () => {
  files = await loadTerraform();
});

/** `name==version` pins, extras (`mlflow[auth]`) dropped from the name. */
function pipPins(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/(?<=^|\s|")([A-Za-z0-9_.-]+)(?:\[[A-Za-z0-9_,]+\])?==([^\s"]+)/gm)].map((m) => [m[1], m[2]]),
  );
}

describe('images', () => {
  it('every container image in the Terraform comes from a variable whose default is pinned', () => {
    const images = files.flatMap((file) => valuesOf(file.json, 'image'));
    expect(images.sort()).toEqual(['${var.bot_image}', '${var.mlflow_image}', '${var.postgres_image}']);
    const variables = labelled(files, 'variable');
    for (const name of ['bot_image', 'mlflow_image', 'postgres_image']) {
      expect({ name, default: variables.get(name)?.default }).toEqual({
        name,
        default: expect.stringMatching(PINNED_IMAGE),
      });
    }
  });

  it('the MLflow image tag is the MLflow version mlflow.Dockerfile installs', () => {
    const dockerfile = readFileSync(join(INFRA_DIR, 'mlflow.Dockerfile'), 'utf8');
    const mlflow = pipPins(dockerfile).mlflow;
    expect(labelled(files, 'variable').get('mlflow_image')?.default).toBe(`trainbot-mlflow:${mlflow}`);
  });

  it('mlflow.Dockerfile pins its base image and packages, the server matches the training client, and it runs as a non-root user', () => {
    const dockerfile = readFileSync(join(INFRA_DIR, 'mlflow.Dockerfile'), 'utf8');
    expect(/^FROM (\S+)$/m.exec(dockerfile)?.[1]).toMatch(/^python:\d+\.\d+\.\d+-slim-\w+$/);
    const training = pipPins(readFileSync(join(REPO_DIR, 'training/requirements.txt'), 'utf8'));
    expect(pipPins(dockerfile)).toEqual({ mlflow: training.mlflow, 'psycopg2-binary': '2.9.13' });
    // Terraform runs it with --app-name basic-auth, which needs the auth extra (Flask-WTF).
    expect(dockerfile).toContain('"mlflow[auth]==');
    expect(/^USER (\S+)$/m.exec(dockerfile)?.[1]).toBe('10001');
  });

  it('the bot image tag is the package version, and the Dockerfile pins Node, builds in a stage of its own and runs as a non-root user', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
    expect(labelled(files, 'variable').get('bot_image')?.default).toBe(`trainbot-bot:${pkg.version}`);
    const dockerfile = readFileSync(join(REPO_DIR, 'Dockerfile'), 'utf8');
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    // The Node the tests run on (scripts/setup-node.sh) is the Node the image runs.
    const node = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_DIR, 'scripts/setup-node.sh'), 'utf8'))?.[1];
    expect(froms).toEqual([`node:${node}-bookworm-slim`, `node:${node}-bookworm-slim`]);
    // The final stage is what runs: its USER must be a number other than 0, so runAsNonRoot can verify it.
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(/^USER (\d+)(:\d+)?$/m.exec(final)?.[1]).toBe('10001');
    expect(final).not.toMatch(/^COPY (?!--from=build)/m);
  });

  it('the example training Job names a pinned image', () => {
    const job = load(readFileSync(join(REPO_DIR, 'training/elasticnet_manifest.yml'), 'utf8'));
    const images = valuesOf(job, 'image');
    expect(images).toHaveLength(1);
    expect(images[0]).toMatch(PINNED_IMAGE);
  });
});
