import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  block,
  blocks,
  labelled,
  loadTerraform,
  resource,
  type HclBody,
  type TerraformFile,
} from './terraform-files.js';

let files: TerraformFile[];
beforeAll(async () => {
  files = await loadTerraform();
});

function podSpec(): HclBody {
  return block(block(block(resource(files, 'kubernetes_deployment_v1', 'bot'), 'spec'), 'template'), 'spec');
}
function container(): HclBody {
  return block(podSpec(), 'container');
}
/** Each env entry's name with where its value comes from: a literal, or `secret:NAME/KEY` (`?` when optional). */
function envSources(): Record<string, string> {
  const entries: [string, string][] = [];
  for (const env of blocks(container(), 'env'))
    entries.push([env.name as string, typeof env.value === 'string' ? env.value : 'ref']);
  // hcl2json writes `dynamic "env"` as { dynamic: { env: [bodies] } }, keyed by the block it makes.
  for (const body of blocks((container().dynamic ?? {}) as HclBody, 'env')) {
    const ref = block(block(block(body, 'content'), 'value_from'), 'secret_key_ref');
    const keys = String(body.for_each).replace(/^\$\{|\}$/g, '');
    entries.push([keys, `secret:${String(ref.name)}/${String(ref.key)}${ref.optional === true ? '?' : ''}`]);
  }
  return Object.fromEntries(entries);
}
function localList(name: string): string[] {
  for (const file of files) {
    for (const locals of blocks(file.json, 'locals')) if (name in locals) return locals[name] as string[];
  }
  throw new Error(`local.${name} is not in infrastructure/`);
}

describe('the bot Deployment', () => {
  it('runs 2 replicas by default, in its own namespace, apart from the training namespace', () => {
    const deployment = resource(files, 'kubernetes_deployment_v1', 'bot');
    expect(block(deployment, 'spec').replicas).toBe('${var.bot_replicas}');
    expect(labelled(files, 'variable').get('bot_replicas')?.default).toBe(2);
    expect(block(deployment, 'metadata').namespace).toBe('${kubernetes_namespace_v1.bot.metadata[0].name}');
    expect(block(resource(files, 'kubernetes_namespace_v1', 'bot'), 'metadata').labels).toMatch(
      /"pod-security\.kubernetes\.io\/enforce" = "restricted"/,
    );
  });

  it('is ready only when Probot answers GET /ping on the container port the Service targets', () => {
    const probe = block(block(container(), 'readiness_probe'), 'http_get');
    expect(probe).toEqual({ path: '/ping', port: 'http' });
    expect(blocks(container(), 'port')).toEqual([{ name: 'http', container_port: '${local.bot_port}' }]);
    const port = block(block(resource(files, 'kubernetes_service_v1', 'bot'), 'spec'), 'port');
    expect(port).toEqual({ name: 'http', port: '${local.bot_port}', target_port: 'http' });
    expect(block(resource(files, 'kubernetes_service_v1', 'bot'), 'spec').selector).toBe('${local.bot_selector}');
    expect(block(resource(files, 'kubernetes_deployment_v1', 'bot'), 'spec')).toEqual(
      expect.objectContaining({
        selector: [{ match_labels: '${local.bot_selector}' }],
      }),
    );
  });

  it('runs as non-root uid 10001 on a read-only root with every capability dropped and no privilege escalation', () => {
    const pod = block(podSpec(), 'security_context');
    expect(pod).toEqual(
      expect.objectContaining({
        run_as_non_root: true,
        run_as_user: '${local.bot_uid}',
        seccomp_profile: [{ type: 'RuntimeDefault' }],
      }),
    );
    const own = block(container(), 'security_context');
    expect(own).toEqual({
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      run_as_non_root: true,
      capabilities: [{ drop: ['ALL'] }],
    });
  });

  it('states requests and limits for cpu and memory', () => {
    expect(block(container(), 'resources')).toEqual({
      requests: '${var.bot_resources.requests}',
      limits: '${var.bot_resources.limits}',
    });
    const defaults = labelled(files, 'variable').get('bot_resources')?.default as Record<
      string,
      Record<string, string>
    >;
    for (const kind of ['requests', 'limits'])
      expect(Object.keys(defaults[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
  });

  it('takes every credential from the Secret by reference and has no value inline but the MLflow address and log format', () => {
    expect(envSources()).toEqual({
      MLFLOW_TRACKING_URI: '${local.mlflow_tracking_uri}',
      LOG_FORMAT: 'json',
      'local.bot_secret_required': 'secret:${var.bot_secret_name}/${env.value}',
      'local.bot_secret_optional': 'secret:${var.bot_secret_name}/${env.value}?',
    });
    expect(localList('bot_secret_required')).toEqual([
      'APP_ID',
      'PRIVATE_KEY',
      'WEBHOOK_SECRET',
      'TRAINBOT_SIGNING_KEY',
    ]);
    expect(localList('bot_secret_optional')).toEqual(
      expect.arrayContaining(['MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_TOKEN']),
    );
    // Terraform never holds the GitHub App's key: there is no Secret resource in the bot namespace.
    const secrets = files.flatMap((file) =>
      Object.values((file.json.resource as Record<string, Record<string, HclBody[]>>)?.kubernetes_secret_v1 ?? {}),
    );
    expect(secrets.map((bodies) => block(bodies[0] as HclBody, 'metadata').namespace)).not.toContain(
      '${kubernetes_namespace_v1.bot.metadata[0].name}',
    );
  });
});
