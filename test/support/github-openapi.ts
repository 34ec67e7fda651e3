// GitHub's REST description (@octokit/openapi, api.github.com) and a small validator over it, so mocked
// GitHub calls are held to the real API: an operation that does not exist, a missing required field or a
// value outside an enum fails the test instead of passing against a made-up endpoint.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The subset of JSON Schema / OpenAPI 3 that GitHub's request schemas use. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  maxLength?: number;
  maxItems?: number;
}

interface Parameter {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
}
interface MediaType {
  schema?: Schema;
  examples?: Record<string, { $ref?: string; value?: unknown }>;
}
export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { $ref?: string; content?: Record<string, MediaType> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
}

let cached: Spec | undefined;

/** The parsed description, loaded once per test file (13 MB; about a quarter of a second). */
export function githubSpec(): Spec {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@octokit/openapi/package.json'));
    cached = JSON.parse(readFileSync(join(dir, 'generated', 'api.github.com.json'), 'utf8')) as Spec;
  }
  return cached;
}

/** Follows a local `#/components/...` reference. */
export function resolveRef<T>(value: T & { $ref?: string }): T {
  let current: unknown = value;
  while (current && typeof current === 'object' && typeof (current as { $ref?: unknown }).$ref === 'string') {
    const ref = (current as { $ref: string }).$ref;
    current = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], githubSpec());
    if (current === undefined) throw new Error(`GitHub's API description has no ${ref}.`);
  }
  return current as T;
}

/** The operation for `METHOD /path/{template}`, or an error naming the closest paths. */
export function findOperation(method: HttpMethod, template: string): Operation {
  const item = githubSpec().paths[template];
  const operation = item?.[method.toLowerCase()];
  if (operation) return operation;
  if (item) {
    const methods = Object.keys(item)
      .filter((k) => k !== 'parameters')
      .map((k) => k.toUpperCase());
    throw new Error(`GitHub's REST API has no ${method} ${template} (that path takes ${methods.join(', ')}).`);
  }
  const last = template.split('/').filter(Boolean).at(-1) ?? '';
  const near = Object.keys(githubSpec().paths)
    .filter((p) => p.endsWith(`/${last}`))
    .slice(0, 5);
  throw new Error(
    `GitHub's REST API has no path ${template}${near.length ? ` (paths ending alike: ${near.join(', ')})` : ''}.`,
  );
}

export function parameters(operation: Operation, where: 'path' | 'query'): Parameter[] {
  return (operation.parameters ?? []).map((p) => resolveRef(p)).filter((p) => p.in === where);
}

export function requestSchema(operation: Operation): Schema | undefined {
  return operation.requestBody?.content['application/json']?.schema;
}

/** Every way `value` breaks `schema`, as `where: what` lines; empty when it conforms. */
export function schemaErrors(value: unknown, schema: Schema, where = 'body'): string[] {
  const s = resolveRef(schema);
  if (s.allOf) return s.allOf.flatMap((part) => schemaErrors(value, part, where));
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) {
    const results = alternatives.map((alt) => schemaErrors(value, alt, where));
    if (results.some((r) => r.length === 0)) return [];
    return [`${where}: matches none of ${alternatives.length} alternatives (${results.map((r) => r[0]).join('; ')})`];
  }
  if (value === null) return s.nullable || typeIncludes(s, 'null') ? [] : [`${where}: is null`];
  if (s.enum && !s.enum.includes(value))
    return [`${where}: ${JSON.stringify(value)} is not one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`];
  const kind = jsonType(value);
  if (s.type !== undefined && !typeIncludes(s, kind) && !(kind === 'integer' && typeIncludes(s, 'number'))) {
    return [`${where}: is ${kind}, expected ${String(s.type)}`];
  }
  if (typeof value === 'string' && s.maxLength !== undefined && value.length > s.maxLength) {
    return [`${where}: is ${value.length} characters, more than ${s.maxLength}`];
  }
  if (Array.isArray(value)) {
    const errors =
      s.maxItems !== undefined && value.length > s.maxItems
        ? [`${where}: has ${value.length} items, more than ${s.maxItems}`]
        : [];
    return s.items
      ? [...errors, ...value.flatMap((item, i) => schemaErrors(item, s.items as Schema, `${where}[${i}]`))]
      : errors;
  }
  if (kind === 'object') return objectErrors(value as Record<string, unknown>, s, where);
  return [];
}

function objectErrors(value: Record<string, unknown>, s: Schema, where: string): string[] {
  const errors = (s.required ?? [])
    .filter((key) => value[key] === undefined)
    .map((key) => `${where}.${key}: is required`);
  for (const [key, item] of Object.entries(value)) {
    const property = s.properties?.[key];
    if (property) errors.push(...schemaErrors(item, property, `${where}.${key}`));
    // A property GitHub does not know is silently dropped by the API, which hides a typo in our code.
    else if (s.properties && !s.additionalProperties) errors.push(`${where}.${key}: is not a property GitHub accepts`);
  }
  return errors;
}

function typeIncludes(s: Schema, kind: string): boolean {
  return Array.isArray(s.type) ? s.type.includes(kind) : s.type === kind;
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** A deep copy of the example GitHub documents for this response (the first one when there are several). */
export function exampleResponse(method: HttpMethod, template: string, status = 200): unknown {
  const response = resolveRef(findOperation(method, template).responses[String(status)] ?? {});
  const media = response.content?.['application/json'] ?? Object.values(response.content ?? {})[0];
  const example = Object.values(media?.examples ?? {})[0];
  if (!example) throw new Error(`GitHub documents no example for ${method} ${template} → ${status}.`);
  return structuredClone(resolveRef(example).value);
}
