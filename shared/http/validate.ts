// valibot validation of request bodies and queries, failing as problem+json with every issue listed, and the
// schemas every input shares: user text (what PostgreSQL can store), project ids, comma lists, instants.
import * as v from 'valibot';
import { MAX_TAGS, MAX_TAG_LENGTH } from '../domain/asset.ts';
import { parseInstant } from '../domain/instant.ts';
import { badRequest, payloadTooLarge } from './problem.ts';

/** JSON API bodies above this are refused (413) while they are read, before any parsing. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

export function parseOrProblem<S extends v.GenericSchema>(schema: S, input: unknown, what = 'request'): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issues = result.issues.map((issue) => ({ path: v.getDotPath(issue) ?? '', message: issue.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw badRequest(`invalid ${what}: ${summary}`, { issues });
}

/**
 * The body as JSON, read with a cap: a declared Content-Length above the limit is refused before reading,
 * and a body without one (chunked) is cut off as soon as it passes the limit.
 */
export async function jsonBody(request: Request, limitBytes = JSON_BODY_LIMIT_BYTES): Promise<unknown> {
  const text = await textBody(request, limitBytes, 'body must be UTF-8 encoded JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('body must be valid JSON');
  }
}

/** The request body as UTF-8 text, refused (413) past `limitBytes` and (400) when it is not UTF-8. */
export async function textBody(request: Request, limitBytes: number, notUtf8 = 'body must be UTF-8 encoded text'): Promise<string> {
  const tooLarge = () => payloadTooLarge(`the body is larger than ${limitBytes} bytes, the limit for this API`);
  if (Number(request.headers.get('content-length')) > limitBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > limitBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(read.value);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw badRequest(notUtf8);
  }
}

// PostgreSQL text cannot hold NUL, its JSON cannot hold a lone UTF-16 surrogate; other C0 controls are never
// meant in a title, tag or name. Tab, line feed and carriage return stay allowed.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text a user typed (titles, descriptions, tags, names, queries): at most maxLength characters, storable as is. */
export function userText(maxLength: number) {
  return v.pipe(
    v.string(),
    v.check((s) => !CONTROL_CHARACTER.test(s), 'must not contain NUL or other control characters'),
    v.check((s) => !LONE_SURROGATE.test(s), 'must be valid Unicode (a lone surrogate such as \\ud800 is not)'),
    v.maxLength(maxLength, `must be at most ${maxLength} characters`),
  );
}

/** Tags on an asset: at most MAX_TAGS, each 1 to MAX_TAG_LENGTH characters after trimming. */
export const Tag = v.pipe(userText(MAX_TAG_LENGTH), v.trim(), v.minLength(1, 'tags must not be blank'));
export const Tags = v.pipe(v.array(Tag), v.maxLength(MAX_TAGS, `at most ${MAX_TAGS} tags`));

export const ProjectId = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'project ids are lowercase letters, digits, - and _'));

/** A comma-separated query parameter (`a,b,c`), each item checked by `item`; at most maxItems items. */
export function commaList<S extends v.GenericSchema<string, unknown>>(item: S, maxItems = 100) {
  return v.optional(v.pipe(
    v.string(),
    v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
    v.maxLength(maxItems, `at most ${maxItems} values`),
    v.array(item),
  ));
}

/** A query-string date (`2024-03-01`, midnight UTC) or date-time with a zone; a real calendar date, years 1000–9999. */
export const Instant = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const instant = parseInstant(dataset.value);
    if (instant) return instant;
    addIssue({ message: 'must be a real date (YYYY-MM-DD) or ISO 8601 date-time with a zone, years 1000–9999' });
    return NEVER;
  }),
);
