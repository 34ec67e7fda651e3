// Reading one field of the raw config at a time: each reader checks a value and returns a usable fallback,
// collecting a sentence per problem that names the file and the field, so one pass finds them all.
import { quoteInput } from '../report/markdown-escape.js';

const MAX_ERRORS = 10;

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A config value shown back in an error: escaped for markdown, cut short, `nothing` when absent. */
export function show(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  // String() for numbers: JSON.stringify turns NaN and Infinity (YAML `.nan`, `.inf`) into "null".
  const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
  return `"${quoteInput(text)}"`;
}

/** A config path for a code span: param, metric and unknown key names are the file's text, so they must not close it. */
function codePath(path: string): string {
  const chars = Array.from(path, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return c === '`' || code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 ? "'" : c;
  });
  return chars.length > 80 ? `${chars.slice(0, 80).join('')}…` : chars.join('');
}

/** Collects problems while reading; every reader returns a usable fallback so one run finds them all. */
export class Reader {
  readonly errors: string[] = [];
  constructor(private readonly file: string) {}

  fail(path: string, what: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(`\`${this.file}\`: \`${codePath(path)}\` ${what}`);
  }
  str(o: Obj, key: string, path: string, pattern: RegExp, hint: string, fallback?: string): string {
    const v = o[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(path, `is required: ${hint}.`);
      return fallback ?? '';
    }
    if (typeof v !== 'string' || !pattern.test(v)) {
      this.fail(path, `must be ${hint}, got ${show(v)}.`);
      return fallback ?? '';
    }
    return v;
  }
  int(o: Obj, key: string, path: string, min: number, max: number, fallback: number): number {
    const v = o[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `must be a whole number from ${min} to ${max}, got ${show(v)}.`);
      return fallback;
    }
    return v;
  }
  num(o: Obj, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.fail(path, `must be a finite number, got ${show(v)}.`);
      return undefined;
    }
    return v;
  }
  oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], fallback: T): T {
    const v = o[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(path, `must be one of ${allowed.join(', ')}, got ${show(v)}.`);
      return fallback;
    }
    return v as T;
  }
  obj(o: Obj, key: string, path: string): Obj {
    const v = o[key];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) {
      this.fail(path, `must be a mapping (\`key: value\` lines indented under \`${key}:\`).`);
      return {};
    }
    return v;
  }
}
