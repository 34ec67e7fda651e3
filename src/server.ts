// The container's entry point (Dockerfile): Probot's server for the app in index.ts, configured from the
// environment as `probot run` is, and stopped on SIGTERM. Node running as PID 1 ignores SIGTERM unless it has a
// handler, and `probot run` installs none, so without this every pod stop or rollout waited out the whole
// grace period and ended in SIGKILL.
import { run } from 'probot';
import app from './index.js';

const server = await run(app);
process.once('SIGTERM', () => {
  void server.stop().finally(() => process.exit(0));
});
