// The asset's editable details: title, description, tags and a control per field of the project's metadata schema
// (GET /projects/:id/schema: the built-in rights fields, then the project's own). One PATCH with If-Match sends
// what changed; a 400 names each bad field, and its message is shown beside that field (aria-describedby,
// aria-invalid), summarised in an alert, and the first bad field takes the focus. The browser's own validation is
// off (noValidate): the API's rules are the only ones, so the page never disagrees with them.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describeProblem, type Asset, type FieldDefinition, type MetadataSchema, type Person, type Problem } from './api';

type Value = string | number | boolean | string[] | null | undefined;
type Values = Record<string, Value>;

/** Where a value or an error lives in the form: `title`, `description`, `tags`, or `field:<name>`. */
const key = (name: string) => `field:${name}`;
const inputId = (k: string) => `edit-${k.replace(':', '-')}`;
const errorId = (k: string) => `${inputId(k)}-error`;
const helpId = (k: string) => `${inputId(k)}-help`;

/** A problem's issue path (`title`, `tags.2`, `fields.credit`) as the form's key. */
function issueKey(issue: { path: string; field?: string }): string {
  if (issue.path.startsWith('fields.')) return key(issue.field ?? issue.path.slice('fields.'.length).split('.')[0]!);
  return issue.path.split('.')[0] ?? '';
}

/** The form's starting values: the asset's, and a field's default where the asset has no value yet. */
function initialValues(asset: Asset, fields: FieldDefinition[]): Values {
  const values: Values = { title: asset.title, description: asset.description, tags: asset.tags.join(', ') };
  for (const field of fields) values[key(field.name)] = (asset.fields[field.name] as Value) ?? (field.default as Value) ?? null;
  return values;
}

/** A control's value as the API wants it: numbers as numbers, blank as null (clears the field). */
function toApi(field: FieldDefinition, value: Value): Value {
  if (value === undefined || value === null || value === '') return null;
  if (field.type === 'number' && typeof value === 'string') return Number.isNaN(Number(value)) ? value : Number(value);
  if (field.type === 'multi-enum' && Array.isArray(value) && value.length === 0) return null;
  return value;
}

/** A form key's label, for messages. */
function labelOf(k: string, fields: FieldDefinition[]): string {
  if (!k.startsWith('field:')) return k;
  const field = fields.find((f) => key(f.name) === k);
  return field?.label ?? field?.name ?? k;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function EditForm({ asset, onSaved }: { asset: Asset; onSaved: (asset: Asset) => void }) {
  const [schema, setSchema] = useState<MetadataSchema>();
  const [persons, setPersons] = useState<Person[]>([]);
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const fields = schema ? [...schema.builtIn, ...schema.fields] : [];

  useEffect(() => {
    void api.GET('/projects/{id}/schema', { params: { path: { id: asset.projectId } } }).then(({ data, error }) => {
      if (data) setSchema(data);
      else setMessage({ text: `The project's fields could not be read: ${describeProblem(error)}`, ok: false });
    });
    void api.GET('/persons', { params: { query: { projectId: asset.projectId } } }).then(({ data }) => setPersons(data?.persons ?? []));
  }, [asset.projectId]);
  /** what the form started from (the asset's version and values): edits are what differs from it */
  const base = useRef<{ version: number; values: Values } | undefined>(undefined);
  const current = useRef(values);
  current.current = values;
  /** the fields someone else changed while this form had unsaved edits to them */
  const [conflicts, setConflicts] = useState<string[]>([]);
  /** the API refused a save because the asset changed (412) */
  const [stale, setStale] = useState(false);
  const restart = () => {
    base.current = { version: asset.version, values: initialValues(asset, fields) };
    setValues(base.current.values);
    setConflicts([]);
    setStale(false);
    setErrors({});
    setMessage(undefined);
  };
  // a new version (saved here, or changed elsewhere and pushed live, as enrichment does while an asset is processed):
  // the form takes it, keeping the edits in progress; an edit to a value that changed meanwhile is a conflict, and
  // the save goes out with the old version so the API refuses it (412) rather than overwrite the other change
  useEffect(() => {
    const fresh = initialValues(asset, fields);
    const previous = base.current;
    const edited = previous ? Object.keys(current.current).filter((k) => !same(current.current[k], previous.values[k])) : [];
    const changedMeanwhile = edited.filter((k) => previous && !same(fresh[k], previous.values[k]) && !same(fresh[k], current.current[k]));
    if (changedMeanwhile.length > 0) { setConflicts(changedMeanwhile); return; }
    base.current = { version: asset.version, values: fresh };
    setValues({ ...fresh, ...Object.fromEntries(edited.map((k) => [k, current.current[k]])) });
  }, [asset.id, asset.version, schema?.version, schema === undefined]);

  const set = (k: string, value: Value) => setValues((previous) => ({ ...previous, [k]: value }));

  const save = async (event: Event) => {
    event.preventDefault();
    const body: { title?: string; description?: string; tags?: string[]; fields?: Record<string, unknown> } = {};
    if (values.title !== asset.title) body.title = String(values.title ?? '');
    if (values.description !== asset.description) body.description = String(values.description ?? '');
    const tags = String(values.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    if (!same(tags, asset.tags)) body.tags = tags;
    const changed: Record<string, unknown> = {};
    for (const field of fields) {
      const value = toApi(field, values[key(field.name)]);
      if (!same(value, asset.fields[field.name])) changed[field.name] = value;
    }
    if (Object.keys(changed).length > 0) body.fields = changed;
    if (Object.keys(body).length === 0) {
      setErrors({});
      setMessage({ text: 'Nothing changed.', ok: true });
      return;
    }
    setSaving(true);
    const { data, error, response } = await api.PATCH('/assets/{id}', {
      params: { path: { id: asset.id }, header: { 'if-match': `"${base.current?.version ?? asset.version}"` } as never },
      body: body as never,
    });
    setSaving(false);
    if (data) {
      setErrors({});
      setMessage({ text: 'Saved.', ok: true });
      // what was saved is the new starting point
      base.current = { version: data.version, values: initialValues(data, fields) };
      setValues(base.current.values);
      onSaved(data);
      return;
    }
    const problem = error as Problem;
    if (response.status === 412) setStale(true);
    const found: Record<string, string> = {};
    for (const issue of problem.issues ?? []) found[issueKey(issue)] ??= issue.message;
    setErrors(found);
    const count = Object.keys(found).length;
    setMessage({
      text: response.status === 412 ? 'Not saved: someone else changed this asset meanwhile.'
        : count > 0 ? `Not saved: ${count === 1 ? 'one field needs' : `${count} fields need`} a change.` : describeProblem(problem),
      ok: false,
    });
    // the first refused field takes the focus, so a keyboard or screen reader user lands on it
    const first = Object.keys(found)[0];
    if (first) requestAnimationFrame(() => form.current?.querySelector<HTMLElement>(`[data-key="${first}"]`)?.focus());
  };

  const wrap = (k: string, label: string, control: ComponentChildren, options: { required?: boolean; help?: string; group?: boolean } = {}) => {
    const mark = options.required ? <span class="required" aria-hidden="true"> *</span> : null;
    const notes = <>
      {options.help && <p id={helpId(k)} class="help">{options.help}</p>}
      {errors[k] && <p id={errorId(k)} class="field-error" data-error-for={k}>{errors[k]}</p>}
    </>;
    if (options.group) {
      return <fieldset class="field" key={k} aria-describedby={describedBy(k, options.help)}><legend>{label}{mark}</legend>{control}{notes}</fieldset>;
    }
    return <div class="field" key={k}><label for={inputId(k)}>{label}{mark}</label>{control}{notes}</div>;
  };
  const describedBy = (k: string, help?: string) => [help ? helpId(k) : '', errors[k] ? errorId(k) : ''].filter(Boolean).join(' ') || undefined;
  const a11y = (k: string, help?: string, required?: boolean) => ({
    id: inputId(k),
    'data-key': k,
    'aria-invalid': errors[k] ? true : undefined,
    'aria-describedby': describedBy(k, help),
    'aria-required': required ? true : undefined,
  });

  return (
    <form class="edit" ref={form} onSubmit={save} aria-labelledby="edit-h" noValidate data-schema-version={schema?.version}>
      <h2 id="edit-h">Details</h2>
      {wrap('title', 'Title', <input {...a11y('title', undefined, true)} value={String(values.title ?? '')} onInput={(e) => set('title', e.currentTarget.value)} />, { required: true })}
      {wrap('description', 'Description', <textarea {...a11y('description')} rows={3} value={String(values.description ?? '')} onInput={(e) => set('description', e.currentTarget.value)} />)}
      {wrap('tags', 'Tags', <input {...a11y('tags', 'comma separated')} value={String(values.tags ?? '')} onInput={(e) => set('tags', e.currentTarget.value)} />, { help: 'comma separated' })}
      {schema && schema.builtIn.length > 0 && <h3 class="fields-h">Rights and credits</h3>}
      {schema?.builtIn.map((field) => <FieldControl key={field.name} field={field} value={values[key(field.name)]} onChange={(v) => set(key(field.name), v)} wrap={wrap} a11y={a11y} persons={persons} />)}
      {schema && schema.fields.length > 0 && <h3 class="fields-h">Project fields</h3>}
      {schema?.fields.map((field) => <FieldControl key={field.name} field={field} value={values[key(field.name)]} onChange={(v) => set(key(field.name), v)} wrap={wrap} a11y={a11y} persons={persons} />)}
      {(conflicts.length > 0 || stale) && (
        <p class="error" role="alert" data-testid="edit-conflict">
          {conflicts.length > 0 ? `Someone else changed ${conflicts.map((k) => labelOf(k, fields)).join(', ')} while you were editing: saving would overwrite it.` : 'This asset changed since you started editing.'}
          {' '}<button type="button" class="link" onClick={restart}>Discard my edits and show the current version</button>
        </p>
      )}
      {fields.some((f) => f.required) && <p class="help"><span aria-hidden="true">* </span>required before the asset goes to review</p>}
      <button type="submit" disabled={saving}>{saving ? 'Saving…' : 'Save'}</button>
      {message && <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'saved' : 'error'} data-testid="edit-message">{message.text}</p>}
    </form>
  );
}

type Wrap = (k: string, label: string, control: ComponentChildren, options?: { required?: boolean; help?: string; group?: boolean }) => ComponentChildren;
type A11y = (k: string, help?: string, required?: boolean) => { id: string; 'data-key': string; 'aria-invalid'?: boolean; 'aria-describedby'?: string; 'aria-required'?: boolean };

/** One schema field's control, by type. */
function FieldControl({ field, value, onChange, wrap, a11y, persons }: { field: FieldDefinition; value: Value; onChange: (value: Value) => void; wrap: Wrap; a11y: A11y; persons: Person[] }) {
  const k = key(field.name);
  const label = field.label ?? field.name;
  const help = [field.help, field.default !== undefined && field.default !== null ? `default: ${Array.isArray(field.default) ? field.default.join(', ') : String(field.default)}` : '']
    .filter(Boolean).join(' · ') || undefined;
  const attributes = a11y(k, help, field.required);
  const text = value === null || value === undefined ? '' : String(value);
  const options = { required: field.required, help };
  switch (field.type) {
    case 'text':
      return wrap(k, label, (field.maxLength ?? 10_000) > 200
        ? <textarea {...attributes} rows={2} value={text} onInput={(e) => onChange(e.currentTarget.value)} />
        : <input {...attributes} value={text} onInput={(e) => onChange(e.currentTarget.value)} />, options);
    case 'keyword':
      return wrap(k, label, <input {...attributes} value={text} onInput={(e) => onChange(e.currentTarget.value)} />, options);
    case 'number':
      return wrap(k, label, <input {...attributes} type="number" inputMode="decimal" step="any" min={field.min} max={field.max} value={text} onInput={(e) => onChange(e.currentTarget.value)} />, options);
    case 'date':
      return wrap(k, label, <input {...attributes} type="date" value={text} onInput={(e) => onChange(e.currentTarget.value)} />, options);
    case 'url':
      return wrap(k, label, <input {...attributes} type="url" inputMode="url" value={text} onInput={(e) => onChange(e.currentTarget.value)} />, options);
    case 'boolean':
      return wrap(k, label, <select {...attributes} value={value === true ? 'yes' : value === false ? 'no' : ''} onChange={(e) => onChange(e.currentTarget.value === '' ? null : e.currentTarget.value === 'yes')}>
        <option value="">—</option><option value="yes">Yes</option><option value="no">No</option>
      </select>, options);
    case 'enum':
      return wrap(k, label, <select {...attributes} value={text} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">—</option>
        {(field.options ?? []).map((option) => <option key={option} value={option}>{option}</option>)}
        {text && !(field.options ?? []).includes(text) && <option value={text}>{text} (no longer an option)</option>}
      </select>, options);
    case 'person':
      return wrap(k, label, <select {...attributes} value={text} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">—</option>
        {persons.map((person, i) => <option key={person.id} value={person.id}>{person.name ?? `Unnamed person ${i + 1}`}</option>)}
        {text && !persons.some((p) => p.id === text) && <option value={text}>{text}</option>}
      </select>, options);
    case 'multi-enum': {
      const chosen = Array.isArray(value) ? value : [];
      // the group carries the description; each box says whether the value is refused
      const { id, 'aria-describedby': _describedBy, 'aria-required': _required, ...rest } = attributes;
      return wrap(k, label, <div class="choices">
        {(field.options ?? []).map((option, i) => (
          <label key={option} class="inline">
            <input type="checkbox" {...(i === 0 ? { ...rest, id } : { 'aria-invalid': rest['aria-invalid'] })} checked={chosen.includes(option)} value={option}
              onChange={(e) => onChange(e.currentTarget.checked ? [...chosen, option] : chosen.filter((c) => c !== option))} />
            {option}
          </label>
        ))}
      </div>, { ...options, group: true });
    }
  }
}
