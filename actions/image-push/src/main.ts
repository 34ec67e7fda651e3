// Entry of the image-push action: inputs → tags → skopeo copy per tag → every tag read back → digest, refs
// and a summary.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { failureSentence } from '../../kit/src/errors.js';
import { runTool } from '../../kit/src/run-tool.js';
import { escapeHtml } from '../../kit/src/summary.js';
import { sourceReference, type SourceKind } from './image-source.js';
import {
  authFileContent,
  parseAttempts,
  parseCredentials,
  parseRegistry,
  parseRepository,
  parseTagList,
} from './inputs.js';
import { pushImage } from './push.js';
import { computeTags } from './tags.js';
import { verifyTags } from './verify-tags.js';

async function sourceKind(path: string): Promise<SourceKind> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 'missing';
  if (info.isDirectory())
    return (await stat(join(path, 'oci-layout')).catch(() => undefined)) ? 'oci-layout' : 'missing';
  return 'docker-archive';
}

async function run(): Promise<void> {
  // 1. Inputs, all validated before anything touches the registry.
  const registry = parseRegistry(core.getInput('registry', { required: true }));
  const repository = `${registry}/${parseRepository(core.getInput('repository', { required: true }))}`;
  const credentials = parseCredentials(core.getInput('username'), core.getInput('password'));
  const workspace = resolve(process.env.GITHUB_WORKSPACE || process.cwd());
  const sourceInput = core.getInput('source', { required: true });
  const sourcePath = resolve(workspace, sourceInput);
  const kind = await sourceKind(sourcePath);
  const source = sourceReference(kind === 'missing' ? sourceInput : sourcePath, kind);
  const tags = computeTags({
    sha: core.getInput('sha') || process.env.GITHUB_SHA || '',
    branch: core.getInput('branch') || process.env.GITHUB_REF_NAME || '',
    defaultBranch: core.getInput('default-branch'),
    extra: parseTagList(core.getInput('tags')),
  });

  // 2. Credentials go to a private auth file: @actions/exec echoes command lines, so --dest-creds would log them.
  const work = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'image-push-'));
  try {
    let authFile: string | undefined;
    if (credentials) {
      core.setSecret(credentials.password);
      core.setSecret(Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'));
      authFile = join(work, 'auth.json');
      await writeFile(authFile, authFileContent(registry, credentials), { mode: 0o600 });
    }

    // 3. Push every tag.
    const digestFile = join(work, 'digest');
    const skopeo = core.getInput('skopeo-path') || 'skopeo';
    const runSkopeo = (args: readonly string[]) => runTool(skopeo, args, { pathInput: 'skopeo-path' });
    // Verify unless told otherwise, also when run outside a runner that fills in action.yml defaults.
    const tlsVerify = core.getInput('tls-verify') === '' || core.getBooleanInput('tls-verify');
    const { refs } = await pushImage(
      {
        source,
        repository,
        tags,
        authFile,
        digestFile,
        tlsVerify,
        attempts: parseAttempts(core.getInput('attempts')),
        backoffMs: 2000,
      },
      runSkopeo,
      (ms) => new Promise((done) => setTimeout(done, ms)),
      (line) => core.warning(line),
    );
    const digest = (await readFile(digestFile, 'utf8')).trim();

    // 4. Every tag must name that one image (tags are mutable; another push may have moved one meanwhile).
    await verifyTags(refs, digest, runSkopeo, tlsVerify, authFile);

    // 5. Outputs and summary.
    core.setOutput('digest', digest);
    core.setOutput('refs', refs.join('\n'));
    core.info(`Pushed ${digest} as ${refs.join(', ')}`);
    const summary = core.summary
      .addHeading('Image push', 2)
      .addRaw(escapeHtml(`Pushed ${repository}@${digest} as ${refs.length} tags.`), true)
      .addTable([[{ data: 'Reference', header: true }], ...refs.map((ref) => [escapeHtml(ref)])]);
    if (process.env.GITHUB_STEP_SUMMARY) await summary.write();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

run().catch((err: unknown) => core.setFailed(failureSentence('image-push', err)));
