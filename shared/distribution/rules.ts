// What a publishing rule matches on, decided purely: the asset's media type, tags, accepted labels, schema field
// values (as the search's field filters read them) and collection membership. Checking a rule's field conditions
// against the project's metadata schema is pure too; reading the facts is publish.ts's.
import type { FieldDefinition, FieldValues } from '../domain/metadata-schema.ts';

/**
 * A condition on one schema field, read like a search field filter: `values`, the field holds any of them (a list
 * field: any element; compared as text); `min`/`max`, inclusive bounds, numbers for number fields, YYYY-MM-DD for
 * date fields. An asset without the field, or with a value of the other kind, does not match.
 */
export interface FieldCondition {
  name: string;
  values?: string[];
  min?: number | string;
  max?: number | string;
}

/**
 * Every listed condition must hold: one of the media types, every tag, every accepted label, every field condition,
 * and membership of at least one of the collections.
 */
export interface RuleMatch {
  mediaTypes?: string[];
  tags?: string[];
  labels?: string[];
  fields?: FieldCondition[];
  collections?: string[];
}

/** What is known of the asset; labels and collections are read only when a rule asks for them. */
export interface RuleFacts {
  mediaType: string;
  tags: string[];
  fields: FieldValues;
  acceptedLabels?: ReadonlySet<string>;
  collectionIds?: ReadonlySet<string>;
}

export function needsLabels(match: RuleMatch): boolean {
  return Boolean(match.labels?.length);
}

export function needsCollections(match: RuleMatch): boolean {
  return Boolean(match.collections?.length);
}

export function ruleMatches(match: RuleMatch, facts: RuleFacts): boolean {
  if (match.mediaTypes?.length && !match.mediaTypes.includes(facts.mediaType)) return false;
  if (match.tags?.length && !match.tags.every((tag) => facts.tags.includes(tag))) return false;
  if (needsLabels(match) && !match.labels!.every((label) => facts.acceptedLabels?.has(label))) return false;
  if (match.fields?.length && !match.fields.every((condition) => fieldHolds(condition, facts.fields[condition.name]))) return false;
  if (needsCollections(match) && !match.collections!.some((id) => facts.collectionIds?.has(id))) return false;
  return true;
}

export function fieldHolds(condition: FieldCondition, value: FieldValues[string] | undefined): boolean {
  if (value === undefined) return false;
  if (condition.values?.length) {
    const held = (Array.isArray(value) ? value : [value]).map(String);
    if (!held.some((item) => condition.values!.includes(item))) return false;
  }
  for (const [bound, inRange] of [[condition.min, (v: number | string, b: number | string) => v >= b], [condition.max, (v: number | string, b: number | string) => v <= b]] as const) {
    if (bound === undefined) continue;
    // a number bound reads number values, a date bound (YYYY-MM-DD, ordered as text) date values
    if (typeof value !== typeof bound || Array.isArray(value) || typeof value === 'boolean') return false;
    if (!inRange(value as number | string, bound)) return false;
  }
  return true;
}

/**
 * Field conditions checked against the project's fields (built-in and its schema's): each names a field that
 * exists, and bounds only number (numbers) or date (dates) fields. One issue per bad condition, naming its field.
 */
export function fieldConditionIssues(conditions: FieldCondition[], fields: FieldDefinition[]): { field: string; reason: string }[] {
  const byName = new Map(fields.map((field) => [field.name, field]));
  const issues: { field: string; reason: string }[] = [];
  for (const condition of conditions) {
    const field = byName.get(condition.name);
    if (!field) {
      issues.push({ field: condition.name, reason: 'is not a field of the project\'s metadata schema' });
      continue;
    }
    const bounds = [condition.min, condition.max].filter((bound) => bound !== undefined);
    if (bounds.length === 0) continue;
    const wanted = field.type === 'number' ? 'number' : field.type === 'date' ? 'string' : undefined;
    if (!wanted) issues.push({ field: condition.name, reason: `min and max bound number and date fields; this one is ${field.type}` });
    else if (bounds.some((bound) => typeof bound !== wanted)) issues.push({ field: condition.name, reason: `a ${field.type} field is bounded by ${field.type === 'number' ? 'numbers' : 'dates (YYYY-MM-DD)'}` });
  }
  return issues;
}
