// Probot and Octokit instances for tests: token-authenticated (no App key or installation-token exchange
// to mock), no retries or throttling (a mocked 500 must surface at once), and no log output.
import { Probot, ProbotOctokit, type ApplicationFunction } from 'probot';

export const TEST_TOKEN = 'ghs_test-token';

export const TestOctokit = ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } });

const quiet = (): void => {};
const silentLog = { debug: quiet, info: quiet, warn: quiet, error: quiet };

export function testOctokit(): ProbotOctokit {
  return new TestOctokit({ auth: { token: TEST_TOKEN }, log: silentLog });
}

/** A Probot with `app` loaded, ready for `probot.receive(delivery)`. */
export async function testProbot(app: ApplicationFunction): Promise<Probot> {
  const probot = new Probot({ githubToken: TEST_TOKEN, Octokit: TestOctokit, logLevel: 'fatal' });
  await probot.load(app);
  return probot;
}
