// Errors a user can fix carry their own one-sentence message; anything else is a bug in the action or the
// tool, and the step says so instead of showing a stack trace.
export class InputError extends Error {
  override name = 'InputError';
}

/** A tool ran but its report could not be read: usually a wrong binary or an incompatible version. */
export class ToolReportError extends Error {
  override name = 'ToolReportError';
}

const USER_FACING = new Set(['InputError', 'ToolReportError', 'ToolNotFoundError']);

/** The sentence for core.setFailed: the error's own message, prefixed when it was not expected. */
export function failureSentence(action: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && USER_FACING.has(err.name)) return message;
  return `${action} stopped on an unexpected error: ${message}`;
}

/** JSON.parse that names the tool when its output is not JSON, instead of a bare SyntaxError. */
export function parseToolJson(tool: string, text: string, stderr = ''): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const said = (stderr.trim().split('\n')[0] ?? '').slice(0, 200) || text.trim().slice(0, 80) || 'nothing';
    throw new ToolReportError(
      `${tool} did not produce a JSON report (it said: ${said}); check that the binary is the right tool and version.`,
    );
  }
}
