// The schema read as a list of settings and as a tree of names: README's table, trainbot.schema.json's prose
// defaults and the defaults test read the list; validate-config.ts asks which keys are valid at a place (for
// "did you mean") and which places are fixed settings (where a key written with no value counts as absent).
import { z } from 'zod';
import { proseDefaults, rawConfigSchema } from './config-schema.js';

export interface FieldDoc {
  path: string;            // dotted; `*` stands for a user-chosen name (a param or metric)
  doc: string;
  required: boolean;
  default?: unknown;       // the value filled in when the field is omitted
  defaultText?: string;    // a default that depends on other fields, in words (markdown)
}

// The parts of zod's definitions the walk reads (zod 4 `def`), kept loose on purpose: wrappers lead to their
// inner schema, objects to their fields, records to their value schema.
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  defaultValue?: unknown;
}
const defOf = (schema: z.ZodType): Def => schema.def as unknown as Def;

interface Unwrapped {
  core: z.ZodType;
  doc?: string;
  defaultText?: string;
  default?: unknown;
  hasDefault: boolean;
  optional: boolean;
}

/** Through `.default()`, `.optional()`, `.meta()` and transforms to the schema that decides the shape. */
export function unwrap(schema: z.ZodType): Unwrapped {
  const found: Unwrapped = { core: schema, hasDefault: false, optional: false };
  for (let s: z.ZodType | undefined = schema; s !== undefined; ) {
    found.core = s;
    found.doc ??= z.globalRegistry.get(s)?.description;
    found.defaultText ??= proseDefaults.get(s)?.default;
    const def = defOf(s);
    if (def.type === 'default' && !found.hasDefault) [found.default, found.hasDefault] = [def.defaultValue, true];
    if (def.type === 'optional') found.optional = true;
    s = def.type === 'pipe' ? def.in : ['default', 'prefault', 'optional', 'nullable'].includes(def.type) ? def.innerType : undefined;
  }
  return found;
}

const kind = (schema: z.ZodType): string => defOf(unwrap(schema).core).type;

/** The schema one step below `schema` at `key`: a field of an object, or the entries of a record. */
export function childSchema(schema: z.ZodType, key: string): z.ZodType | undefined {
  const def = defOf(unwrap(schema).core);
  if (def.type === 'object') return Object.hasOwn(def.shape ?? {}, key) ? def.shape?.[key] : undefined;
  return def.type === 'record' ? def.valueType : undefined;
}

/** The fixed setting names at a place in the file (`['limits']` → max_runs, …), or none where names are the user's. */
export function settingNames(path: readonly (string | number)[], schema: z.ZodType = rawConfigSchema): string[] {
  let at: z.ZodType | undefined = schema;
  for (const key of path) at = at === undefined ? undefined : childSchema(at, String(key));
  const def = at === undefined ? undefined : defOf(unwrap(at).core);
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/** Every documented setting, in file order. */
export function configFields(schema: z.ZodType = rawConfigSchema, prefix = '', insideOptional = false): FieldDoc[] {
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
        required: !info.optional && !info.hasDefault && !insideOptional,   // `tracking_secret.name` only once it is there
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
