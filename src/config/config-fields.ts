// The schema read as a list of settings and as a tree of names: README's table, trainbot.schema.json's prose
// defaults and the defaults test read the list; validate-config.ts asks which keys are valid at a place (for
// "did you mean") and which places are fixed settings (where a key written with no value counts as absent).
import * as z from 'zod/mini';
import { proseDefaults, rawConfigSchema } from './config-schema.js';

export interface FieldDoc {
  path: string; // dotted; `*` stands for a user-chosen name (a param or metric)
  doc: string;
  required: boolean;
  default?: unknown; // the value filled in when the field is omitted
  defaultText?: string; // a default that depends on other fields, in words (markdown)
}

/** Any zod schema; `_zod.def` is zod 4's definition of it, the part meant for tools that read schemas. */
type Schema = z.core.$ZodType;

// The parts of zod's definitions the walk reads, kept loose on purpose: wrappers lead to their
// inner schema, objects to their fields, records to their value schema.
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  defaultValue?: unknown;
}
export const defOf = (schema: Schema): Def => schema._zod.def as unknown as Def;

interface Unwrapped {
  core: Schema;
  doc?: string;
  defaultText?: string;
  default?: unknown;
  hasDefault: boolean;
  optional: boolean;
}

/** Through `.default()`, `.optional()`, `.meta()` and transforms to the schema that decides the shape. */
export function unwrap(schema: Schema): Unwrapped {
  const found: Unwrapped = { core: schema, hasDefault: false, optional: false };
  for (let s: Schema | undefined = schema; s !== undefined;) {
    found.core = s;
    found.doc ??= z.globalRegistry.get(s)?.description;
    found.defaultText ??= proseDefaults.get(s)?.default;
    const def = defOf(s);
    if (def.type === 'default' && !found.hasDefault) [found.default, found.hasDefault] = [def.defaultValue, true];
    if (def.type === 'optional') found.optional = true;
    s =
      def.type === 'pipe'
        ? def.in
        : ['default', 'prefault', 'optional', 'nullable'].includes(def.type)
          ? def.innerType
          : undefined;
  }
  return found;
}

const kind = (schema: Schema): string => defOf(unwrap(schema).core).type;

/** The schema one step below `schema` at `key`: a field of an object, or the entries of a record. */
export function childSchema(schema: Schema, key: string): Schema | undefined {
  const def = defOf(unwrap(schema).core);
  if (def.type === 'object') return Object.hasOwn(def.shape ?? {}, key) ? def.shape?.[key] : undefined;
  return def.type === 'record' ? def.valueType : undefined;
}

/** The fixed setting names at a place in the file (`['limits']` → max_runs, …), or none where names are the user's. */
export function settingNames(path: readonly (string | number)[], schema: Schema = rawConfigSchema): string[] {
  let at: Schema | undefined = schema;
  for (const key of path) at = at === undefined ? undefined : childSchema(at, String(key));
  const def = at === undefined ? undefined : defOf(unwrap(at).core);
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/** Every documented setting, in file order. */
export function configFields(schema: Schema = rawConfigSchema, prefix = '', insideOptional = false): FieldDoc[] {
  const def = defOf(unwrap(schema).core);
  if (def.type !== 'object') return [];
  return Object.entries(def.shape ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const info = unwrap(child);
    const rows: FieldDoc[] = [];
    if (info.doc !== undefined) {
      rows.push({
        path,
        doc: info.doc,
        required: !info.optional && !info.hasDefault && !insideOptional, // `tracking_secret.name` only once it is there
        ...(info.hasDefault && { default: info.default }),
        ...(info.defaultText !== undefined && { defaultText: info.defaultText }),
      });
    }
    const optional = insideOptional || info.optional;
    if (kind(child) === 'object') rows.push(...configFields(child, path, optional));
    const entries = kind(child) === 'record' ? childSchema(child, '*') : undefined;
    if (entries !== undefined && kind(entries) === 'object') rows.push(...configFields(entries, `${path}.*`, optional));
    return rows;
  });
}

export const CONFIG_FIELDS: readonly FieldDoc[] = configFields();
