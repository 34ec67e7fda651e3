// The bot's image (the root Dockerfile), built on request by scripts/tools/training-image.sh
// (TRAINBOT_BUILD_BOT_IMAGE=1) and pushed by scripts/services/registry.sh: its runtime holds only what runs, and
// pulled by digest and run with runc as infrastructure/bot.tf runs it (uid 10001, read-only root, no
// capabilities), it answers the readiness path and takes a signed webhook. The container shares the host's
// network namespace and listens on 127.0.0.1 only; the webhook is a `ping`, which the app has no handler for,
// so nothing calls GitHub.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { appPrivateKey } from '../../support/app-private-key.js';
import { awaitAnswer } from '../../support/await-answer.js';
import { deployedContainer } from '../../support/deployed-container.js';
import { imageConfig } from '../../support/image-config.js';
import { freePort } from '../../support/registry.js';
import {
  type ImageConfig,
  runContainer,
  runtimeSpec,
  stopContainer,
  unpackImage,
} from '../../support/runc-container.js';

const IMAGE = process.env.TRAINBOT_BOT_IMAGE;
jest.setTimeout(240_000);

const pingPayload = (createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[]).find(
  (d) => d.name === 'ping',
)?.examples[0];

(IMAGE ? describe : describe.skip)(
  'the bot image (skipped unless built: TRAINBOT_BUILD_BOT_IMAGE=1 before scripts/setup.sh)',
  () => {
    const image = IMAGE ?? '';
    let work: string;
    let bundle: string;
    let rootfs: string;
    let config: ImageConfig;
    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trainbot-bot-image-'));
      ({ bundle, rootfs } = await unpackImage(image, work));
      config = await imageConfig(image);
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('runs node on the compiled app as uid 10001, and holds no sources, tests or dev dependencies', () => {
      expect(config.User).toBe('10001:10001');
      expect(config.Entrypoint).toEqual(['node', 'dist/server.js']);
      expect(readdirSync(join(rootfs, 'app')).sort()).toEqual(['dist', 'node_modules', 'package.json']);
      expect(existsSync(join(rootfs, 'app/dist/server.js'))).toBe(true);
      for (const dev of ['typescript', 'jest', 'eslint', 'nock', 'mermaid']) {
        expect({ dev, present: existsSync(join(rootfs, 'app/node_modules', dev)) }).toEqual({ dev, present: false });
      }
      expect(existsSync(join(rootfs, 'app/node_modules/probot'))).toBe(true);
    });

    it('starts on a read-only root as uid 10001, answers GET /ping, accepts only a correctly signed webhook, and stops on SIGTERM', async () => {
      const port = await freePort();
      const secret = randomBytes(16).toString('hex');
      const privateKey = appPrivateKey();
      const env = {
        HOST: '127.0.0.1',
        PORT: String(port),
        APP_ID: '123456',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: secret,
        TRAINBOT_SIGNING_KEY: randomBytes(32).toString('hex'),
        MLFLOW_TRACKING_URI: 'http://127.0.0.1:9/',
        LOG_FORMAT: 'json',
      };
      const { pod, container } = deployedContainer({
        name: 'trainbot',
        env: Object.entries(env).map(([name, value]) => ({ name, value })),
        resources: { limits: { memory: '512Mi' } },
      });
      const id = `trainbot-bot-${port}`;
      const exited = runContainer(bundle, runtimeSpec(config, pod, container), 90_000, id);
      const started = Date.now();
      const ping = await awaitAnswer(`http://127.0.0.1:${port}/ping`, 'PONG', 60_000, 250);
      const readyMs = Date.now() - started;
      const body = JSON.stringify(pingPayload);
      const deliver = (signature: string) =>
        fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'ping',
            'x-github-delivery': randomBytes(8).toString('hex'),
            'x-hub-signature-256': signature,
          },
          body,
        }).then(
          (r) => r.status,
          () => 0,
        );
      const signed = await deliver(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      const forged = await deliver(`sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`);
      // As the kubelet stops a pod: SIGTERM to PID 1, which node ignores unless the app handles it.
      const stopping = Date.now();
      await stopContainer(id);
      const exit = await exited;
      const stopMs = Date.now() - stopping;
      expect({ ping, signed, forged, log: ping === 'PONG' ? '' : exit.output.slice(-2000) }).toEqual({
        ping: 'PONG',
        signed: 200,
        forged: 400,
        log: '',
      });
      expect({ exitCode: exit.exitCode, stoppedWithin5s: stopMs < 5000 }).toEqual({
        exitCode: 0,
        stoppedWithin5s: true,
      });
      expect(exit.output).toMatch(/"msg":"Running Probot v14/);
      console.log(`bot image: /ping PONG ${readyMs} ms after runc started it; stopped ${stopMs} ms after SIGTERM`);
    });
  },
);
