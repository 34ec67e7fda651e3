// Turns skopeo's stderr into one sentence for the user, and says whether trying again could help.

export interface PushFailure {
  retryable: boolean;
  sentence: string;
}

/** Only server-side trouble (5xx, timeouts, dropped connections) is worth retrying; a refusal stays a refusal. */
export function classifyPushError(stderr: string, destination: string): PushFailure {
  const text = stderr.toLowerCase();
  if (
    /unauthorized|authentication required|incorrect username or password|invalid username\/password|\b401\b/.test(text)
  ) {
    return {
      retryable: false,
      sentence: `The registry refused the credentials for ${destination}: check the username and password inputs.`,
    };
  }
  if (/denied|\b403\b|insufficient_scope/.test(text)) {
    return {
      retryable: false,
      sentence: `The registry denied pushing to ${destination}: give the credentials write access to that repository.`,
    };
  }
  if (/no such host|server misbehaving|name or service not known/.test(text)) {
    return {
      retryable: false,
      sentence: `The registry host of ${destination} cannot be resolved: check the registry input.`,
    };
  }
  if (/http response to https client|certificate|x509|tls:/.test(text)) {
    return {
      retryable: false,
      sentence: `TLS to the registry of ${destination} failed: fix the registry's certificate or set tls-verify to false for a plain-HTTP registry.`,
    };
  }
  if (/connection refused/.test(text)) {
    return {
      retryable: false,
      sentence: `Nothing is listening at the registry of ${destination}: check the registry host and port.`,
    };
  }
  const status = /\b(50[0-9])\b/.exec(text)?.[1];
  if (status) {
    return {
      retryable: true,
      sentence: `The registry answered ${status} while pushing ${destination}: it is failing on its side, try again later.`,
    };
  }
  if (/timeout|timed out|deadline exceeded|connection reset|\beof\b|broken pipe/.test(text)) {
    return {
      retryable: true,
      sentence: `The connection to the registry timed out or dropped while pushing ${destination}: try again later.`,
    };
  }
  const last =
    stderr
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^time=".*?" level=\w+ msg="?/, '')
      .replace(/"$/, '') ?? '';
  return {
    retryable: false,
    sentence: `skopeo could not push ${destination}: ${last || 'it exited without a message'}.`,
  };
}
