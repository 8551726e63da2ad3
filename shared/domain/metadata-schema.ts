// Per-project metadata schemas: the typed fields an admin defines (text, keyword, number, date, enum, multi-enum,
// boolean, URL, person reference), with required flags, defaults and help text, plus the built-in rights and
// descriptive fields every project has. Pure: checking a schema definition, checking and normalising the values an
// editor sets, and the rights rule (an asset past its rights expiry cannot be approved) are decided here and
// tested directly. Values live on the asset (its `fields`, a projection of its events); a schema change never
// touches them: a value whose field was removed or retyped stays stored and is shown as such (`unknownFields`).

export const FIELD_TYPES = ['text', 'keyword', 'number', 'date', 'enum', 'multi-enum', 'boolean', 'url', 'person'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A stored value: text, keyword, url, date (YYYY-MM-DD), enum and person (a uuid) are strings; multi-enum a list. */
export type FieldValue = string | number | boolean | string[];
export type FieldValues = Record<string, FieldValue>;

export interface FieldDefinition {
  name: string;
  type: FieldType;
  /** shown in the editor's form; the name when absent */
  label?: string;
  help?: string;
  required?: boolean;
  /** given to an asset that has no value for the field when it is ingested */
  default?: FieldValue;
  /** enum and multi-enum: the allowed values */
  options?: string[];
  /** text: longest value (characters); MAX_TEXT_LENGTH when absent */
  maxLength?: number;
  /** number: bounds, inclusive */
  min?: number;
  max?: number;
}

export interface MetadataSchema {
  /** 0: the project has not defined one (built-in fields only) */
  version: number;
  fields: FieldDefinition[];
}

export const MAX_TEXT_LENGTH = 10_000;
export const MAX_KEYWORD_LENGTH = 200;
export const MAX_FIELDS = 200;
export const MAX_OPTIONS = 500;
const NAME = /^[a-z][a-zA-Z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Fields every project has: rights (credit, copyright, license, usage terms, rights expiry) and the descriptive
 * ones embedded metadata fills on ingest (creator, location; headline, caption and keywords go to title,
 * description and tags).
 */
export const BUILT_IN_FIELDS: readonly FieldDefinition[] = [
  { name: 'credit', type: 'text', label: 'Credit', help: 'who must be credited when the asset is published (IPTC Credit Line)', maxLength: 500 },
  { name: 'copyright', type: 'text', label: 'Copyright', help: 'the copyright notice (IPTC Copyright Notice, EXIF Copyright)', maxLength: 500 },
  { name: 'license', type: 'keyword', label: 'License', help: 'e.g. CC-BY-4.0, rights-managed, royalty-free, staff' },
  { name: 'usageTerms', type: 'text', label: 'Usage terms', help: 'conditions of use (XMP-xmpRights:UsageTerms)', maxLength: 5000 },
  { name: 'rightsExpiry', type: 'date', label: 'Rights expiry', help: 'from this day on the asset may not be published; approval is refused' },
  { name: 'creator', type: 'text', label: 'Creator', help: 'photographer, author (IPTC By-line, XMP dc:creator, EXIF Artist)', maxLength: 500 },
  { name: 'location', type: 'text', label: 'Location', help: 'where the media was made (IPTC Sublocation, City, Country)', maxLength: 500 },
];
export const RIGHTS_FIELDS = ['credit', 'copyright', 'license', 'usageTerms', 'rightsExpiry'] as const;
const BUILT_IN_NAMES = new Set(BUILT_IN_FIELDS.map((field) => field.name));

/** A bad field, named: what a 400 lists. */
export interface FieldIssue {
  field: string;
  reason: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Every field an asset of the project may carry: the built-in ones, then the project's own. */
export function allFields(schema: MetadataSchema): FieldDefinition[] {
  return [...BUILT_IN_FIELDS, ...schema.fields];
}

/** An admin's schema definition, checked: names, types, options, bounds and defaults (a default must be a valid value). */
export function checkSchemaDefinition(input: unknown): Checked<FieldDefinition[]> {
  const issues: FieldIssue[] = [];
  if (!Array.isArray(input)) return { ok: false, issues: [{ field: 'fields', reason: 'fields must be a list of field definitions' }] };
  if (input.length > MAX_FIELDS) return { ok: false, issues: [{ field: 'fields', reason: `at most ${MAX_FIELDS} fields` }] };
  const seen = new Set<string>();
  const fields: FieldDefinition[] = [];
  input.forEach((raw, index) => {
    const at = (reason: string, name?: string) => issues.push({ field: name ?? `fields[${index}]`, reason });
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return at('a field definition is an object with name and type');
    const definition = raw as Record<string, unknown>;
    const known = ['name', 'type', 'label', 'help', 'required', 'default', 'options', 'maxLength', 'min', 'max'];
    const extra = Object.keys(definition).filter((key) => !known.includes(key));
    const name = definition.name;
    if (typeof name !== 'string' || !NAME.test(name)) return at('name must start with a lowercase letter and hold letters, digits and _ (at most 63)');
    if (extra.length) return at(`unknown properties: ${extra.join(', ')}`, name);
    if (BUILT_IN_NAMES.has(name)) return at(`${name} is a built-in field`, name);
    if (seen.has(name)) return at('defined twice', name);
    seen.add(name);
    const type = definition.type;
    if (typeof type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(type)) return at(`type must be one of ${FIELD_TYPES.join(', ')}`, name);
    const field: FieldDefinition = { name, type: type as FieldType };
    for (const key of ['label', 'help'] as const) {
      const value = definition[key];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value.length > 1000 || CONTROL_CHARACTER.test(value)) return at(`${key} must be text of at most 1000 characters`, name);
      field[key] = value;
    }
    if (definition.required !== undefined) {
      if (typeof definition.required !== 'boolean') return at('required must be true or false', name);
      field.required = definition.required;
    }
    if (type === 'enum' || type === 'multi-enum') {
      const options = definition.options;
      if (!Array.isArray(options) || options.length === 0 || options.length > MAX_OPTIONS) return at(`${type} needs options: a list of 1 to ${MAX_OPTIONS} values`, name);
      if (!options.every((o) => typeof o === 'string' && o.trim() !== '' && o.length <= MAX_KEYWORD_LENGTH && !CONTROL_CHARACTER.test(o))) return at(`options must be non-blank text of at most ${MAX_KEYWORD_LENGTH} characters`, name);
      if (new Set(options).size !== options.length) return at('options must not repeat', name);
      field.options = options as string[];
    } else if (definition.options !== undefined) return at(`options belong to enum and multi-enum fields, not ${type}`, name);
    if (definition.maxLength !== undefined) {
      if (type !== 'text') return at('maxLength belongs to text fields', name);
      if (!Number.isInteger(definition.maxLength) || (definition.maxLength as number) < 1 || (definition.maxLength as number) > MAX_TEXT_LENGTH) return at(`maxLength must be an integer from 1 to ${MAX_TEXT_LENGTH}`, name);
      field.maxLength = definition.maxLength as number;
    }
    for (const key of ['min', 'max'] as const) {
      if (definition[key] === undefined) continue;
      if (type !== 'number') return at(`${key} belongs to number fields`, name);
      if (typeof definition[key] !== 'number' || !Number.isFinite(definition[key])) return at(`${key} must be a number`, name);
      field[key] = definition[key] as number;
    }
    if (field.min !== undefined && field.max !== undefined && field.min > field.max) return at('min is above max', name);
    if (definition.default !== undefined) {
      const checked = checkValue(field, definition.default);
      if (!checked.ok) return at(`default: ${checked.reason}`, name);
      field.default = checked.value;
    }
    fields.push(field);
  });
  return issues.length ? { ok: false, issues } : { ok: true, value: fields };
}

/** One value against its field's type and constraints, normalised (trimmed text, dates as YYYY-MM-DD, options de-duplicated). */
export function checkValue(field: FieldDefinition, value: unknown): { ok: true; value: FieldValue } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });
  const text = (max: number): { ok: true; value: string } | { ok: false; reason: string } => {
    if (typeof value !== 'string') return fail(`must be text, not ${describe(value)}`);
    const trimmed = value.trim();
    if (trimmed === '') return fail('must not be blank (send null to clear it)');
    if (CONTROL_CHARACTER.test(trimmed)) return fail('must not contain NUL or other control characters');
    if ([...trimmed].length > max) return fail(`must be at most ${max} characters`);
    return { ok: true, value: trimmed };
  };
  switch (field.type) {
    case 'text':
      return text(field.maxLength ?? MAX_TEXT_LENGTH);
    case 'keyword':
      return text(MAX_KEYWORD_LENGTH);
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`must be a number, not ${describe(value)}`);
      if (field.min !== undefined && value < field.min) return fail(`must be at least ${field.min}`);
      if (field.max !== undefined && value > field.max) return fail(`must be at most ${field.max}`);
      return { ok: true, value };
    }
    case 'date': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return fail('must be a date as YYYY-MM-DD');
      const date = new Date(`${value}T00:00:00Z`);
      if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return fail(`${value} is not a calendar date`);
      return { ok: true, value };
    }
    case 'enum': {
      if (typeof value !== 'string' || !field.options!.includes(value)) return fail(`must be one of ${field.options!.join(', ')}`);
      return { ok: true, value };
    }
    case 'multi-enum': {
      if (!Array.isArray(value)) return fail(`must be a list of values from ${field.options!.join(', ')}`);
      const wrong = value.filter((item) => typeof item !== 'string' || !field.options!.includes(item));
      if (wrong.length) return fail(`${wrong.map((w) => JSON.stringify(w)).join(', ')} not among ${field.options!.join(', ')}`);
      return { ok: true, value: [...new Set(value as string[])] };
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail(`must be true or false, not ${describe(value)}`);
    case 'url': {
      const checked = text(2000);
      if (!checked.ok) return checked;
      let url: URL;
      try {
        url = new URL(checked.value);
      } catch {
        return fail('must be an absolute http or https URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must be an absolute http or https URL');
      return { ok: true, value: checked.value };
    }
    case 'person':
      return typeof value === 'string' && UUID.test(value) ? { ok: true, value: value.toLowerCase() } : fail('must be a person id (a uuid from GET /persons)');
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}

/**
 * An editor's patch of field values (null clears one) against the schema, applied to the values stored: the new
 * values, or every bad field named. A required field cannot be cleared; a field the schema does not know is
 * refused (values stored under a removed field stay until cleared with null).
 */
export function applyFieldPatch(schema: MetadataSchema, current: FieldValues, patch: Record<string, unknown>): Checked<{ values: FieldValues; changed: string[] }> {
  const byName = new Map(allFields(schema).map((field) => [field.name, field]));
  const issues: FieldIssue[] = [];
  const values: FieldValues = { ...current };
  const changed: string[] = [];
  for (const [name, raw] of Object.entries(patch)) {
    const field = byName.get(name);
    if (raw === null) {
      if (field?.required) issues.push({ field: name, reason: 'is required and cannot be cleared' });
      else if (name in values) {
        delete values[name];
        changed.push(name);
      }
      continue;
    }
    if (!field) {
      issues.push({ field: name, reason: `is not a field of this project's schema (version ${schema.version})` });
      continue;
    }
    const checked = checkValue(field, raw);
    if (!checked.ok) {
      issues.push({ field: name, reason: checked.reason });
      continue;
    }
    if (!sameValue(values[name], checked.value)) {
      values[name] = checked.value;
      changed.push(name);
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: { values, changed } };
}

function sameValue(a: FieldValue | undefined, b: FieldValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Required fields with no value: submitting for review and approving are refused until they are filled. */
export function missingRequired(schema: MetadataSchema, values: FieldValues): string[] {
  return allFields(schema).filter((field) => field.required && values[field.name] === undefined).map((field) => field.name);
}

/** Stored values the schema no longer has a field for, or that no longer fit their field (kept, never dropped). */
export function unknownFields(schema: MetadataSchema, values: FieldValues): string[] {
  const byName = new Map(allFields(schema).map((field) => [field.name, field]));
  return Object.entries(values).filter(([name, value]) => {
    const field = byName.get(name);
    return !field || !checkValue(field, value).ok;
  }).map(([name]) => name);
}

/** The defaults of the fields an asset has no value for. */
export function defaultsFor(schema: MetadataSchema, values: FieldValues): FieldValues {
  return Object.fromEntries(allFields(schema).filter((field) => field.default !== undefined && values[field.name] === undefined).map((field) => [field.name, field.default!]));
}

/** The day (YYYY-MM-DD, UTC) an instant falls on. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Whether the rights have expired at `now`: the expiry day has begun (UTC). */
export function rightsExpired(values: FieldValues, now: Date): boolean {
  const expiry = values.rightsExpiry;
  return typeof expiry === 'string' && expiry <= dayOf(now);
}
