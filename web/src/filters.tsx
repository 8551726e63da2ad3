// The library's filters beside the facets: labels, editorial state, people, a date range and the project's schema
// fields, as GET /search takes them (labels, editorialState, person, from/to, field.<name>, field.<name>.min/.max).
import { useEffect, useState } from 'preact/hooks';
import { api, type FieldDefinition, type Person, type SearchResults } from './api';

export interface Filters {
  mediaType: string[];
  tags: string[];
  labels: string[];
  state: string[];
  editorialState: string[];
  /** person ids */
  person: string[];
  /** YYYY-MM-DD, on the day the asset was created (UTC), both ends inclusive */
  from: string;
  to: string;
  /** schema field name → any of these values */
  fields: Record<string, string[]>;
  /** schema field name → inclusive bounds (numbers, or YYYY-MM-DD) */
  ranges: Record<string, { min?: string; max?: string }>;
}

export const NO_FILTERS: Filters = { mediaType: [], tags: [], labels: [], state: [], editorialState: [], person: [], from: '', to: '', fields: {}, ranges: {} };
export type ListFilter = 'mediaType' | 'tags' | 'labels' | 'state' | 'editorialState' | 'person';
export const EDITORIAL_STATES = ['draft', 'in_review', 'approved', 'rejected', 'archived'] as const;
/** Schema field types filtered by ticking values (counted by fieldFacets); number and date take a range. */
const VALUED_TYPES = new Set(['enum', 'multi-enum', 'keyword', 'boolean']);
const RANGED_TYPES = new Set(['number', 'date']);

const FILTERS_KEY = 'mediateca.filters';

/** The filters kept for the tab (like the search words), so coming back to the library finds them set. */
export function rememberedFilters(): Filters {
  try {
    return { ...NO_FILTERS, ...JSON.parse(sessionStorage.getItem(FILTERS_KEY) ?? '{}') };
  } catch {
    return NO_FILTERS;
  }
}
export const rememberFilters = (filters: Filters) => sessionStorage.setItem(FILTERS_KEY, JSON.stringify(filters));

export function isFiltering(filters: Filters): boolean {
  const lists: ListFilter[] = ['mediaType', 'tags', 'labels', 'state', 'editorialState', 'person'];
  return lists.some((name) => filters[name].length > 0) || Boolean(filters.from || filters.to)
    || Object.values(filters.fields).some((values) => values.length > 0)
    || Object.values(filters.ranges).some((range) => Boolean(range.min || range.max));
}

/** The filters as GET /search query parameters (unset ones left out). */
export function filterQuery(filters: Filters): Record<string, string | undefined> {
  const list = (values: string[]) => values.join(',') || undefined;
  const query: Record<string, string | undefined> = {
    mediaType: list(filters.mediaType),
    tags: list(filters.tags),
    labels: list(filters.labels),
    state: list(filters.state),
    editorialState: list(filters.editorialState),
    person: list(filters.person),
    from: filters.from ? `${filters.from}T00:00:00Z` : undefined,
    to: filters.to ? `${filters.to}T23:59:59.999Z` : undefined,
  };
  for (const [name, values] of Object.entries(filters.fields)) if (values.length) query[`field.${name}`] = values.join(',');
  for (const [name, { min, max }] of Object.entries(filters.ranges)) {
    if (min) query[`field.${name}.min`] = min;
    if (max) query[`field.${name}.max`] = max;
  }
  return query;
}

/** The project's schema fields that can filter, and its named people. */
export function useFilterChoices(projectId: string | undefined): { fields: FieldDefinition[]; persons: Person[] } {
  const [fields, setFields] = useState<FieldDefinition[]>([]);
  const [persons, setPersons] = useState<Person[]>([]);
  useEffect(() => {
    if (!projectId) return;
    void api.GET('/projects/{id}/schema', { params: { path: { id: projectId } } }).then(({ data }) => setFields((data?.fields ?? []).filter((f) => VALUED_TYPES.has(f.type) || RANGED_TYPES.has(f.type))));
    void api.GET('/persons', { params: { query: { projectId } } }).then(({ data }) => setPersons((data?.persons ?? []).filter((p) => p.name).sort((a, b) => a.name!.localeCompare(b.name!))));
  }, [projectId]);
  return { fields, persons };
}

/** Names of the schema fields whose values GET /search should count (fieldFacets). */
export const facetedFields = (fields: FieldDefinition[]) => fields.filter((f) => VALUED_TYPES.has(f.type)).map((f) => f.name);

const toggled = (values: string[], value: string) => (values.includes(value) ? values.filter((v) => v !== value) : [...values, value]);
const stateName = (state: string) => state.replace('_', ' ');

export function FilterPanel({ filters, onChange, fields, persons, fieldFacets }: {
  filters: Filters;
  onChange: (filters: Filters) => void;
  fields: FieldDefinition[];
  persons: Person[];
  fieldFacets: NonNullable<SearchResults['fieldFacets']>;
}) {
  const toggle = (name: ListFilter, value: string) => onChange({ ...filters, [name]: toggled(filters[name], value) });
  const setRange = (name: string, bound: 'min' | 'max', value: string) => onChange({ ...filters, ranges: { ...filters.ranges, [name]: { ...filters.ranges[name], [bound]: value || undefined } } });
  return (
    <>
      <fieldset data-filter="editorialState">
        <legend>Editorial state</legend>
        {EDITORIAL_STATES.map((state) => (
          <label key={state} class="facet">
            <input type="checkbox" data-facet="editorialState" value={state} checked={filters.editorialState.includes(state)} onChange={() => toggle('editorialState', state)} />
            <span>{stateName(state)}</span>
          </label>
        ))}
      </fieldset>
      {persons.length > 0 && (
        <fieldset data-filter="person">
          <legend>People</legend>
          {persons.slice(0, 30).map((person) => (
            <label key={person.id} class="facet">
              <input type="checkbox" data-facet="person" value={person.id} checked={filters.person.includes(person.id)} onChange={() => toggle('person', person.id)} />
              <span>{person.name}</span> <span class="count">{person.faceCount}</span>
            </label>
          ))}
        </fieldset>
      )}
      <fieldset data-filter="dates">
        <legend>Created (UTC)</legend>
        <label class="range">From <input type="date" id="filter-from" value={filters.from} max={filters.to || undefined} onChange={(e) => onChange({ ...filters, from: e.currentTarget.value })} /></label>
        <label class="range">To <input type="date" id="filter-to" value={filters.to} min={filters.from || undefined} onChange={(e) => onChange({ ...filters, to: e.currentTarget.value })} /></label>
      </fieldset>
      {fields.map((field) => {
        const title = field.label ?? field.name;
        if (RANGED_TYPES.has(field.type)) {
          const range = filters.ranges[field.name] ?? {};
          const type = field.type === 'date' ? 'date' : 'number';
          return (
            <fieldset key={field.name} data-filter={`field.${field.name}`}>
              <legend>{title}</legend>
              {/* not controlled: a bound is applied when committed (change), and a re-render meanwhile (results arriving)
                  must not wipe what is being typed; keyed by the applied value, so clearing the filters empties it */}
              <label class="range">At least <input key={`min-${range.min ?? ''}`} type={type} step="any" data-field={field.name} data-bound="min" defaultValue={range.min ?? ''} onChange={(e) => setRange(field.name, 'min', e.currentTarget.value)} /></label>
              <label class="range">At most <input key={`max-${range.max ?? ''}`} type={type} step="any" data-field={field.name} data-bound="max" defaultValue={range.max ?? ''} onChange={(e) => setRange(field.name, 'max', e.currentTarget.value)} /></label>
            </fieldset>
          );
        }
        const chosen = filters.fields[field.name] ?? [];
        const counted = fieldFacets[field.name] ?? [];
        // a ticked value stays in view even when the other filters leave it no matches
        const values = [...counted, ...chosen.filter((value) => !counted.some((c) => c.value === value)).map((value) => ({ value, count: 0 }))];
        if (values.length === 0) return null;
        return (
          <fieldset key={field.name} data-filter={`field.${field.name}`}>
            <legend>{title}</legend>
            {values.map(({ value, count }) => (
              <label key={value} class="facet">
                <input type="checkbox" data-facet={`field.${field.name}`} value={value} checked={chosen.includes(value)} onChange={() => onChange({ ...filters, fields: { ...filters.fields, [field.name]: toggled(chosen, value) } })} />
                <span>{value}</span> <span class="count">{count}</span>
              </label>
            ))}
          </fieldset>
        );
      })}
    </>
  );
}
