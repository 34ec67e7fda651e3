// A jest reporter for CI logs: when a test file has run for more than five minutes it says which, once a minute,
// so a file that hangs is named in the log before the job's time limit ends it.
const LIMIT_MS = Number(process.env.TRAINBOT_SLOW_FILE_MS ?? 300_000);

class SlowFileReporter {
  constructor() {
    this.running = new Map();
    this.timer = undefined;
  }

  onRunStart() {
    this.timer = setInterval(() => this.report(), 60_000);
    this.timer.unref();
  }

  onTestFileStart(test) {
    this.running.set(test.path, Date.now());
  }

  onTestFileResult(test) {
    this.running.delete(test.path);
  }

  report() {
    const now = Date.now();
    for (const [path, start] of this.running) {
      const ms = now - start;
      if (ms > LIMIT_MS)
        process.stderr.write(`slow-file-reporter: ${path} still running after ${Math.round(ms / 1000)} s\n`);
    }
  }

  onRunComplete() {
    clearInterval(this.timer);
  }
}

module.exports = SlowFileReporter;
