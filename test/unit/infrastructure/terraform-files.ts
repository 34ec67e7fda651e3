// infrastructure/*.tf as JSON (through @cdktf/hcl2json), for tests that assert on the Terraform's shape.
// Expressions stay text ("${var.x}"): only literal values and references can be compared here; what the
// expressions evaluate to is terraform-eval.ts's job.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

export const INFRA_DIR = fileURLToPath(new URL('../../../infrastructure/', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));

export type HclBody = Record<string, unknown>;

export interface TerraformFile {
  name: string;
  text: string;
  json: HclBody;
}

export async function loadTerraform(): Promise<TerraformFile[]> {
  const names = readdirSync(INFRA_DIR)
    .filter((name) => name.endsWith('.tf'))
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const text = readFileSync(join(INFRA_DIR, name), 'utf8');
      return { name, text, json: (await parse(name, text)) as HclBody };
    }),
  );
}

/** The nested blocks named `key` of a body (hcl2json writes every block as an array of bodies). */
export function blocks(body: HclBody, key: string): HclBody[] {
  const value = body[key];
  return Array.isArray(value) ? (value as HclBody[]) : [];
}

/** The single block `key`, failing the test when there is not exactly one. */
export function block(body: HclBody, key: string): HclBody {
  const found = blocks(body, key);
  if (found.length !== 1) throw new Error(`expected one "${key}" block, found ${found.length}`);
  return found[0] as HclBody;
}

/** Labelled top-level blocks of one kind across all files: `variable`, `output`, or `resource` of a type. */
export function labelled(files: TerraformFile[], kind: 'variable' | 'output'): Map<string, HclBody> {
  const all = new Map<string, HclBody>();
  for (const file of files) {
    for (const [name, bodies] of Object.entries((file.json[kind] ?? {}) as Record<string, HclBody[]>)) {
      all.set(name, bodies[0] as HclBody);
    }
  }
  return all;
}

export function resources(files: TerraformFile[], type: string): Map<string, HclBody> {
  const all = new Map<string, HclBody>();
  for (const file of files) {
    const byType = (file.json.resource ?? {}) as Record<string, Record<string, HclBody[]>>;
    for (const [name, bodies] of Object.entries(byType[type] ?? {})) all.set(name, bodies[0] as HclBody);
  }
  return all;
}

export function resource(files: TerraformFile[], type: string, name: string): HclBody {
  const found = resources(files, type).get(name);
  if (!found) throw new Error(`resource ${type}.${name} is not in infrastructure/`);
  return found;
}

/** Every value under `body` whose key is `key`, at any depth (e.g. every `image` of every container). */
export function valuesOf(body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body.flatMap((item) => valuesOf(item, key));
  if (body === null || typeof body !== 'object') return [];
  return Object.entries(body).flatMap(([k, v]) => (k === key ? [v, ...valuesOf(v, key)] : valuesOf(v, key)));
}
