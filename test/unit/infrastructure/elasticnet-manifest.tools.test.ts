import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { V1Container, V1Job } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { jobManifest } from '../../../src/runners/kubernetes/job-manifest.js';
import type { JobSpec } from '../../../src/runners/runner.js';
import { CONTRACT_ENV } from '../../../src/runs/run-contract.js';
import { evaluateTerraform, TEST_DB_PASSWORD } from './terraform-eval.js';
import { REPO_DIR } from './terraform-files.js';

// Each test runs the real terraform: seconds on an idle machine, more while other suites run.
jest.setTimeout(60_000);

const job = load(readFileSync(join(REPO_DIR, 'training/elasticnet_manifest.yml'), 'utf8')) as V1Job;
const podSpec = job.spec?.template.spec;
const container = podSpec?.containers[0] as V1Container;

/** CPU in millicores, memory in bytes: enough of Kubernetes' quantity syntax for these defaults. */
function quantity(value: string): number {
  const units: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
  const match = /^([0-9.]+)(m|Ki|Mi|Gi)?$/.exec(value);
  if (!match) throw new Error(`not a quantity this test reads: ${value}`);
  return Number(match[1]) * (match[2] ? (units[match[2]] as number) : 1);
}

let terraform: Record<string, unknown>;
beforeAll(async () => {
  const result = await evaluateTerraform(
    { db_password: TEST_DB_PASSWORD },
    {
      tracking_uri: 'local.mlflow_tracking_uri',
      namespace: 'var.training_namespace',
      container_max: 'var.training_container_limits.max',
    },
  );
  if (!result.ok) throw new Error(result.errors);
  terraform = result.values;
});

describe('training/elasticnet_manifest.yml', () => {
  it('is the Job trainbot itself would create for the same image, params and environment', () => {
    const spec: JobSpec = {
      name: job.metadata?.name ?? '',
      image: container.image ?? '',
      command: container.command ?? [],
      args: container.args ?? [],
      env: Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ''])),
      secretEnv: [],
      labels: {},
      timeoutSeconds: job.spec?.activeDeadlineSeconds ?? 0,
      backoffLimit: job.spec?.backoffLimit ?? -1,
      ttlSecondsAfterFinished: job.spec?.ttlSecondsAfterFinished ?? 0,
      resources: { requests: container.resources?.requests ?? {}, limits: container.resources?.limits ?? {} },
    };
    const bots = jobManifest(spec, job.metadata?.namespace ?? '');
    // imagePullPolicy is the example's own: its image exists only inside minikube.
    const { imagePullPolicy, ...sameAsBot } = container;
    expect(imagePullPolicy).toBe('IfNotPresent');
    expect({ ...podSpec, containers: [sameAsBot] }).toEqual(bots.spec?.template.spec);
    expect({ ...job.spec, template: undefined }).toEqual({ ...bots.spec, template: undefined });
  });

  it('runs `python train.py` with every param of .github/trainbot.yml at its default, as flags', () => {
    const config = load(readFileSync(join(REPO_DIR, '.github/trainbot.yml'), 'utf8')) as {
      command: string[];
      params: Record<string, { default: number | string }>;
    };
    expect(container.command).toEqual(config.command);
    const expected = Object.entries(config.params).flatMap(([name, param]) => [
      `--${name.replace(/_/g, '-')}`,
      String(param.default),
    ]);
    expect(container.args).toEqual(expected);
  });

  it('sets the run contract environment: the tracking URI Terraform publishes and the experiment, no run id', () => {
    expect(container.env).toEqual([
      { name: CONTRACT_ENV.trackingUri, value: terraform.tracking_uri },
      { name: CONTRACT_ENV.experimentName, value: 'wine-quality-elasticnet' },
    ]);
  });

  it('runs in the training namespace Terraform creates, and fits the LimitRange there', () => {
    expect(job.metadata?.namespace).toBe(terraform.namespace);
    const max = terraform.container_max as { cpu: string; memory: string };
    const limits = container.resources?.limits as Record<string, string>;
    expect(quantity(limits.cpu as string)).toBeLessThanOrEqual(quantity(max.cpu));
    expect(quantity(limits.memory as string)).toBeLessThanOrEqual(quantity(max.memory));
  });

  it('justifies each checkov skip in an annotation', () => {
    const skips = Object.entries(job.metadata?.annotations ?? {}).filter(([key]) => key.startsWith('checkov.io/skip'));
    expect(skips.length).toBeGreaterThan(0);
    for (const [, value] of skips) expect(value).toMatch(/^CKV2?_K8S_\d+=\S.{20,}$/);
  });
});
