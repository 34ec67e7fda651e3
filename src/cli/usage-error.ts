// A mistake in what the user typed or pointed trainbot at: bin/trainbot.js prints its one sentence and exits 2.
export class UsageError extends Error {}
