// The end of a training log, made safe to post on a pull request: only the last lines, long lines cut,
// known secret values and common credential shapes replaced. Pure.

const PATTERNS: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,255}\b/g,                                  // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,255}\b/g,
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,                                         // AWS access key ids
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,                          // Authorization header values
  /\b([A-Za-z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_?KEY)[A-Za-z0-9_]*)(\s*[=:]\s*)\S+/gi,   // KEY=value
  /(\/\/[^/\s:@]+:)[^@\s/]+@/g,                                           // user:password@ in URLs
];

export interface TailOptions {
  lines: number;
  maxLineChars?: number;
  secrets?: readonly string[];      // exact values to hide (e.g. the MLflow token the bot holds)
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  for (const pattern of PATTERNS) {
    out = out.replace(pattern, (match, p1: unknown, p2: unknown) =>
      typeof p1 === 'string' && typeof p2 === 'string' && /[=:]/.test(p2) ? `${p1}${p2}[REDACTED]`
        : typeof p1 === 'string' && p1.startsWith('//') ? `${p1}[REDACTED]@`
          : '[REDACTED]');
  }
  return out;
}

export function tailLog(text: string, options: TailOptions): string {
  const max = options.maxLineChars ?? 300;
  const lines = redact(text, options.secrets).split('\n');
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return lines.slice(-options.lines).map((l) => (l.length > max ? `${l.slice(0, max)}…` : l)).join('\n');
}
